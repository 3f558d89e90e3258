/**
 * `npm run maintenance -- [start|end] [options]`: posts a Statuspage scheduled maintenance to the local stack, as
 * a Statuspage webhook subscriber would (the URL token of the local webhooks secret). The local windows file maps
 * the fixture page's `Payroll` component to payroll-app (local/window.ts), so `start` bypasses it and `end`
 * restores it; the reconciler's log and `GET /__sim/state` on the simulator show it.
 *   --id mt5local01        the maintenance id (default: one per day, so start and end name the same one)
 *   --minutes 30           how long it is scheduled for, from now
 *   --url http://127.0.0.1:3000   --bad-token (expect 401)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOCAL_WEBHOOK_SECRETS } from './fakeSecrets.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    id: { type: 'string', default: `mt${new Date().toISOString().slice(0, 10).replace(/-/g, '')}local` },
    minutes: { type: 'string', default: '30' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.LOCAL_HTTP_PORT ?? 3000}` },
    'bad-token': { type: 'boolean', default: false },
  },
});
const kind = positionals[0] ?? 'start';
if (!['start', 'end'].includes(kind)) throw new Error(`unknown step "${kind}": use start or end`);

const sample = JSON.parse(readFileSync('test/fixtures/webhooks/statuspage-maintenance.json', 'utf8'));
const now = new Date();
const until = new Date(now.getTime() + Number(values.minutes) * 60_000);
sample.incident = {
  ...sample.incident,
  id: values.id,
  status: kind === 'start' ? 'in_progress' : 'completed',
  scheduled_for: now.toISOString(),
  scheduled_until: until.toISOString(),
  updated_at: now.toISOString(),
};
const token = values['bad-token'] ? 'not-the-token' : LOCAL_WEBHOOK_SECRETS.statuspage[0];
const res = await fetch(`${values.url}/webhooks/statuspage/${token}`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(sample),
});
console.log(`${res.status} ${await res.text()}`);
console.log(
  kind === 'start'
    ? `maintenance ${values.id} in progress until ${until.toISOString()}: payroll-app is bypassed within a reconcile`
    : `maintenance ${values.id} completed: its bypass is removed within a reconcile`,
);
