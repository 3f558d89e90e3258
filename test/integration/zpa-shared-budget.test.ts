/**
 * The worker (status) and the reconciler call ZPA from one egress IP and pace separately: with the budget split
 * as serverless.yml does (the schema defaults equal its params: 4 + 16 of the 20 GET per window), a window's apply
 * and back-to-back status reads together get 0 × 429; with both pacing to the whole budget they do not.
 * The simulator enforces ZPA's limits in 1 s windows here (10 s on ZPA), the pacers the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newReconcileMemory, reconcile } from '../../shared/bypass/reconcile.js';
import { parseWindowsFile } from '../../shared/bypass/windows.js';
import { zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import {
  loadConfig,
  zpaReconcilerFields,
  zpaStatusFields,
  zscalerFields,
  zscalerOptionsFromConfig,
} from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { collectStatus } from '../../shared/status/status.js';
import { createZscalerClients } from '../../shared/zscaler/clients.js';
import { zpaPacer } from '../../shared/zscaler/pacer.js';
import { memoryLedger } from '../helpers/memoryLedger.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';

const CUSTOMER = '216196257331281920';
const WINDOW_MS = 1000;
let env: Awaited<ReturnType<typeof zscalerTestEnv>>;

beforeAll(async () => {
  env = await zscalerTestEnv({ sim: { zpaRateLimits: { getPer10s: 20, writePer10s: 10, windowMs: WINDOW_MS } } });
});
afterAll(() => env.close());

const logger = createLogger({ level: 'error', sink: () => undefined });
const names = Array.from({ length: 30 }, (_, i) => `app-${String(i + 1).padStart(3, '0')}`);

/** One "container" of a function: its own ZPA client and pacer, with `reads` GETs per window. */
function container(reads: number) {
  const config = loadConfig(zscalerFields, {
    ZSCALER_SECRET_ID: 'test/zscaler',
    ZPA_BASE_URL: env.sim.url,
    ZDX_BASE_URL: env.sim.url,
  });
  const options = zscalerOptionsFromConfig(config, reads);
  const zpa = zpaPacer({ ...options.rateLimits!.zpa!, windowMs: WINDOW_MS });
  const clients = createZscalerClients(options, { secret: env.secret, logger, pacers: { zpa } });
  return zpaBypassPort({ api: clients.zpa, customerId: CUSTOMER });
}

async function together(workerReads: number, reconcilerReads: number, mode: 'bypassType' | 'rule') {
  const worker = container(workerReads);
  const reconciler = container(reconcilerReads);
  const now = Date.now();
  const file = parseWindowsFile({
    guardrails: { allowedSegments: ['app-*'], maxWindowMinutes: 240 },
    windows: [
      {
        id: `w-${mode.toLowerCase()}-${workerReads}`,
        segments: names,
        mode,
        reason: 'shared budget',
        schedule: { start: new Date(now - 60_000).toISOString(), end: new Date(now + 3_600_000).toISOString() },
      },
    ],
  });
  const from = env.sim.calls.length;
  let running = true;
  const statusLoop = (async () => {
    let n = 0;
    while (running) {
      await collectStatus(
        { id: `s${n++}`, type: 'status', requestedBy: { kind: 'slack', id: 'U1' } },
        {
          ledger: memoryLedger().store,
          zpa: { listForwardingRules: worker.listForwardingRules, listSegments: worker.listSegments },
        },
      );
    }
    return n;
  })();
  const apply = await reconcile({ port: reconciler, memory: newReconcileMemory(), windows: file, logger });
  // Status keeps going a little after the apply, as a chat user asking again would.
  await new Promise((r) => setTimeout(r, 1_500));
  running = false;
  const statuses = await statusLoop;
  const zpaCalls = env.sim.calls.slice(from).filter((c) => c.product === 'zpa');
  // Undo, untimed, for the next case (fresh quotas first).
  await new Promise((r) => setTimeout(r, WINDOW_MS + 100));
  return { apply, statuses, calls: zpaCalls.length, http429: zpaCalls.filter((c) => c.status === 429).length };
}

describe("ZPA's per-IP budget shared by the worker and the reconciler", () => {
  it('split as deployed (4 + 16 GET): a 30-segment apply and back-to-back status reads get 0 × 429', async () => {
    const shares = {
      worker: loadConfig(zpaStatusFields, {}).ZPA_STATUS_READS_PER_10S,
      reconciler: loadConfig(zpaReconcilerFields, {}).ZPA_READS_PER_10S,
    };
    expect(shares.worker + shares.reconciler).toBeLessThanOrEqual(20);
    const r = await together(shares.worker, shares.reconciler, 'bypassType');
    expect(r.apply.failed).toEqual([]);
    expect(r.apply.done).toHaveLength(30);
    expect(r.statuses).toBeGreaterThan(3);
    expect(r.http429).toBe(0);
  }, 60_000);

  it('each pacing to the whole budget (20 + 20 GET): ZPA answers 429 — what the split prevents', async () => {
    const r = await together(20, 20, 'rule');
    expect(r.http429).toBeGreaterThan(0);
  }, 60_000);
});
