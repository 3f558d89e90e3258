/**
 * Zscaler requests per action, counted by the simulator: one deep-trace start, one trace check, one
 * completed-trace report; and token requests per container when 100 calls start at once.
 */
import { checkIncidentTrace } from '../shared/actions/traces/check.js';
import { startIncidentTraces } from '../shared/actions/traces/start.js';
import type { TraceDeps } from '../shared/actions/traces/deps.js';
import type { Command, TraceCheck } from '../shared/commands.js';
import { zscalerTestEnv } from '../test/helpers/zscaler.js';

export interface CallRow { action: string; zscalerRequests: number; tokenRequests: number; breakdown: string }

export async function measureCalls(): Promise<CallRow[]> {
  const rows: CallRow[] = [];
  const env = await zscalerTestEnv({ sim: { zdxRateLimit: false } });
  const queued: Command[] = [];
  const deps: TraceDeps = {
    zdx: env.clients.zdx,
    queue: { send: async (c) => void queued.push(c) },
    reporter: { report: async () => undefined },
    logger: (await import('../shared/logger.js')).createLogger({ level: 'error', sink: () => undefined }),
    settings: { lookbackHours: 24, sessionMinutes: 5, checkDelaySeconds: 60, maxChecks: 90 },
  };
  const count = async (action: string, fn: () => Promise<unknown>) => {
    const from = env.sim.calls.length;
    await fn();
    const calls = env.sim.calls.slice(from);
    const api = calls.filter((c) => c.product === 'zdx' || c.product === 'zpa');
    const paths = api.map((c) => `${c.method} ${c.path.split('?')[0]!.replace(/\d{6,}/g, '{id}')}`);
    const grouped = [...new Set(paths)].map((p) => `${paths.filter((x) => x === p).length}× ${p}`).join('; ');
    rows.push({ action, zscalerRequests: api.length, tokenRequests: calls.filter((c) => c.product === 'auth').length, breakdown: grouped });
  };
  const start = { id: 'bench', type: 'trace.start' as const, incident: { source: 'bench', incidentId: 'B1', service: 'Payroll Portal' }, userEmails: ['alice@corp.example'], requestedBy: { kind: 'incident' as const, id: 'bench' } };
  await count('deep-trace start (1 user, 1 device), cold container', () => startIncidentTraces(start, deps));
  const check = queued.find((c): c is TraceCheck => c.type === 'trace.check')!;
  await count('trace check while running (warm)', () => checkIncidentTrace(check, deps));
  env.sim.advance(10 * 60_000);
  await count('trace check when complete + results (warm)', () => checkIncidentTrace(check, deps));
  await count('duplicate deep-trace start (redelivery, warm)', () => startIncidentTraces(start, deps));

  // 100 calls at once in a fresh container: exactly one token request per credential set.
  const fresh = await zscalerTestEnv({ sim: { zdxRateLimit: false } });
  await Promise.all(Array.from({ length: 100 }, () => fresh.clients.zdx.get('/devices')));
  rows.push({ action: '100 concurrent ZDX calls, cold container', zscalerRequests: fresh.sim.calls.filter((c) => c.product === 'zdx').length, tokenRequests: fresh.sim.tokensIssued().zdx, breakdown: 'token single flight' });
  await Promise.all([env.close(), fresh.close()]);
  return rows;
}
