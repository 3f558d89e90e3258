/**
 * Zscaler requests per action, counted by the simulator's call log: one deep-trace start, a trace check
 * while running and when complete, a redelivered start; and token requests per container when 100 calls
 * start at once, per credential set (legacy: the ZDX key and the ZPA key; OneAPI: one ZIdentity client).
 * Pacing is loosened here (it changes when requests go, never how many), so the counts come fast.
 */
import { reconcileTraces, type TraceReconcilerDeps } from '../shared/traces/reconcile.js';
import { zdxTracePort } from '../shared/traces/zdxPort.js';
import type { TraceStart } from '../shared/commands/contract.js';
import { memoryLedger } from '../test/helpers/memoryLedger.js';
import { createLogger } from '../shared/logger.js';
import { zdxPacer, zpaPacer } from '../shared/zscaler/pacer.js';
import { defaultProducts } from '../simulator/index.js';
import type { CallRecord } from '../simulator/index.js';
import { SIM_CREDENTIALS } from '../simulator/credentials.js';
import { zscalerTestEnv } from '../test/helpers/zscaler.js';

export interface CallRow {
  action: string;
  zscalerRequests: number;
  tokenRequests: number;
  breakdown: string;
  budget?: string;
  ok?: boolean;
}

const fastPacers = () => ({
  zdx: zdxPacer(1000),
  zpa: zpaPacer({ getPer10s: 1000, writePer10s: 1000, windowMs: 1000 }),
});
const unlimited = { zdxRateLimit: false as const, zpaRateLimits: false as const, products: defaultProducts };

/** "2× GET /v1/devices; 1× POST /v1/devices/{id}/deeptraces" from a slice of the simulator's call log. */
export function breakdown(calls: CallRecord[]): string {
  const paths = calls.map((c) => `${c.method} ${c.path.split('?')[0]!.replace(/\d{6,}/g, '{id}')}`);
  return [...new Set(paths)].map((p) => `${paths.filter((x) => x === p).length}× ${p}`).join('; ');
}

const isApi = (c: CallRecord) => c.product === 'zdx' || c.product === 'zpa';

export async function measureCalls(): Promise<CallRow[]> {
  const rows: CallRow[] = [];
  const env = await zscalerTestEnv({ sim: unlimited, pacers: fastPacers() });
  // checkDelaySeconds 0: every run checks the running trace (the bench counts what one check costs).
  const deps: TraceReconcilerDeps = {
    traces: zdxTracePort(env.clients.zdx),
    ledger: memoryLedger().store,
    reporter: { report: async () => undefined },
    logger: createLogger({ level: 'error', sink: () => undefined }),
    settings: {
      lookbackHours: 24,
      sessionMinutes: 5,
      checkDelaySeconds: 0,
      maxChecks: 90,
      maxActiveTraces: 15,
      reserveMs: 0,
    },
  };
  let tokensTotal = 0;
  const count = async (
    action: string,
    fn: () => Promise<unknown>,
    budget?: { text: string; ok: (api: number, tokens: number) => boolean },
  ) => {
    const from = env.sim.calls.length;
    await fn();
    const calls = env.sim.calls.slice(from);
    const api = calls.filter(isApi);
    const tokens = calls.filter((c) => c.product === 'auth').length;
    tokensTotal += tokens;
    rows.push({
      action,
      zscalerRequests: api.length,
      tokenRequests: tokens,
      breakdown: breakdown(api),
      budget: budget?.text,
      ok: budget?.ok(api.length, tokens),
    });
  };
  const start: TraceStart = {
    id: 'bench',
    type: 'trace.start',
    incident: { source: 'bench', incidentId: 'B1', service: 'Payroll Portal' },
    userEmails: ['alice@corp.example'],
    requestedBy: { kind: 'incident', id: 'bench' },
  };
  await count('deep-trace start (1 user, 1 device), cold container', () => reconcileTraces([start], deps), {
    text: '≤ 1 token',
    ok: (_a, t) => t <= 1,
  });
  await count('trace check while running (warm container)', () => reconcileTraces([], deps), {
    text: '0 tokens',
    ok: (_a, t) => t === 0,
  });
  env.sim.advance(10 * 60_000);
  await count('trace check when complete: results + summary (warm)', () => reconcileTraces([], deps), {
    text: '0 tokens',
    ok: (_a, t) => t === 0,
  });
  await count('duplicate deep-trace start (redelivery, warm)', () => reconcileTraces([start], deps), {
    text: '0 ZDX calls, no 2nd trace',
    ok: (a, t) => a === 0 && t === 0 && traces(env.sim) === 1,
  });
  rows.push({
    action: 'all of the above, one container',
    zscalerRequests: rows.reduce((s, r) => s + r.zscalerRequests, 0),
    tokenRequests: tokensTotal,
    breakdown: 'one token for the token lifetime (3600 s)',
    budget: '≤ 1 token per lifetime',
    ok: tokensTotal <= 1,
  });
  await env.close();

  // 100 calls at once in a fresh container: one token request per credential set, not one per call.
  const legacy = await zscalerTestEnv({ sim: unlimited, pacers: fastPacers() });
  const zpaList = `/mgmtconfig/v1/admin/customers/${SIM_CREDENTIALS.zpaCustomerId}/application`;
  await Promise.all([
    ...Array.from({ length: 100 }, () => legacy.clients.zdx.get('/devices')),
    ...Array.from({ length: 100 }, () => legacy.clients.zpa.get(zpaList)),
  ]);
  const lt = legacy.sim.tokensIssued();
  rows.push({
    action: '100 ZDX + 100 ZPA calls at once, cold container (legacy: 2 credential sets)',
    zscalerRequests: legacy.sim.calls.filter(isApi).length,
    tokenRequests: lt.zdx + lt.zpa,
    breakdown: `ZDX key ${lt.zdx}, ZPA key ${lt.zpa} (single flight per provider)`,
    budget: '1 per credential set',
    ok: lt.zdx === 1 && lt.zpa === 1,
  });
  await legacy.close();
  const oneapi = await zscalerTestEnv({ mode: 'oneapi', sim: unlimited, pacers: fastPacers() });
  await Promise.all([
    ...Array.from({ length: 50 }, () => oneapi.clients.zdx.get('/devices')),
    ...Array.from({ length: 50 }, () => oneapi.clients.zpa.get(zpaList)),
  ]);
  const ot = oneapi.sim.tokensIssued();
  rows.push({
    action: '50 ZDX + 50 ZPA calls at once, cold container (OneAPI: 1 credential set)',
    zscalerRequests: oneapi.sim.calls.filter(isApi).length,
    tokenRequests: ot.oneapi + ot.zdx + ot.zpa,
    breakdown: `ZIdentity client ${ot.oneapi}`,
    budget: '1 per credential set',
    ok: ot.oneapi === 1 && ot.zdx + ot.zpa === 0,
  });
  await oneapi.close();
  return rows;
}

function traces(sim: { products: Array<{ name: string; state(): unknown }> }): number {
  const zdx = sim.products.find((p) => p.name === 'zdx')?.state() as
    | { traces?: unknown[] | Record<string, unknown> }
    | undefined;
  const t = zdx?.traces;
  return Array.isArray(t) ? t.length : t ? Object.keys(t).length : 0;
}
