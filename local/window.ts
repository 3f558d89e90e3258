/**
 * `npm run window -- --segment payroll-app --minutes 3 [--mode bypassType] [--id demo]`: adds a one-off
 * maintenance window that starts now to the local stack's windows file (.local-state/windows.json, which
 * the local reconciler re-reads when it changes). `--clear` removes every local window.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseWindowsFile } from '../shared/bypass/windows.js';

export const LOCAL_WINDOWS_FILE = '.local-state/windows.json';

export function initialLocalWindows(): string {
  const repo = JSON.parse(readFileSync('config/maintenance-windows.json', 'utf8')) as { guardrails: unknown };
  // The status pages of the webhook fixtures, mapped to the simulator's segments, so a maintenance posted from
  // test/fixtures/webhooks (README "Maintenances from Statuspage") bypasses something on the local stack.
  const demo = {
    statuspage: { pageId: 'pg7corp0demo', components: { cmp0payroll1: ['payroll-app'] } },
    rootly: {
      services: { 'c0ffee00-0000-4000-8000-000000000001': ['payroll-app'] },
      functionalities: { 'f00d0000-0000-4000-8000-000000000002': ['hr-portal'] },
    },
  };
  return JSON.stringify({ guardrails: repo.guardrails, windows: [], ...demo }, null, 2);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      segment: { type: 'string', multiple: true, default: ['payroll-app'] },
      group: { type: 'string', multiple: true, default: [] },
      minutes: { type: 'string', default: '3' },
      mode: { type: 'string', default: 'rule' },
      id: { type: 'string', default: `demo-${Date.now().toString(36)}` },
      reason: { type: 'string', default: 'local demo window' },
      clear: { type: 'boolean', default: false },
    },
  });
  mkdirSync('.local-state', { recursive: true });
  const file = JSON.parse(
    existsSync(LOCAL_WINDOWS_FILE) ? readFileSync(LOCAL_WINDOWS_FILE, 'utf8') : initialLocalWindows(),
  );
  if (values.clear) file.windows = [];
  else {
    const start = new Date();
    const end = new Date(start.getTime() + Number(values.minutes) * 60_000);
    file.windows.push({
      id: values.id,
      segments: values.segment,
      segmentGroups: values.group,
      schedule: { start: start.toISOString(), end: end.toISOString() },
      mode: values.mode,
      reason: values.reason,
    });
  }
  parseWindowsFile(file); // refuse to write an invalid file, with the same message the reconciler would log
  writeFileSync(LOCAL_WINDOWS_FILE, JSON.stringify(file, null, 2));
  console.log(
    values.clear
      ? 'local windows cleared'
      : `window ${values.id} added: ${values.segment.join(', ')} for ${values.minutes} min (${values.mode}); the reconciler picks it up on its next run`,
  );
}
