/**
 * Rate-limited throughput: one maintenance window over 50 seeded segments (app-001…app-050), bypassed and
 * restored by the real reconciler (reconcile() + the ZPA bypass port + the ZPA client with its pacer) against
 * the simulator enforcing ZPA's published limits: 20 GET and 10 POST/PUT/DELETE per window (10 s; shorter
 * only when BENCH_ZPA_WINDOW_MS says so). Each phase starts with fresh quotas (a real window lasts hours, so
 * the restore never inherits the apply's quota); the wait in between is not timed.
 *
 * The minimum a phase can take under the limits: the first 10 writes (20 reads) go at once, each further 10
 * (20) waits a window, so min = max(ceil(W/10) − 1, ceil(R/20) − 1, 0) × window.
 */
import { createLogger } from '../shared/logger.js';
import { reconcile, type ReconcileResult } from '../shared/bypass/reconcile.js';
import { parseWindowsFile } from '../shared/bypass/windows.js';
import { zpaBypassPort } from '../shared/bypass/zpaPort.js';
import { zdxPacer, zpaPacer } from '../shared/zscaler/pacer.js';
import { defaultProducts } from '../simulator/index.js';
import { SIM_CREDENTIALS } from '../simulator/credentials.js';
import { zscalerTestEnv } from '../test/helpers/zscaler.js';
import { breakdown } from './calls.js';
import { benchSegments } from './events.js';
import { round } from './stats.js';

export const ZPA_WINDOW_MS = Number(process.env.BENCH_ZPA_WINDOW_MS ?? 10_000);
export const SEGMENTS = 50;
const LIMITS = { getPer10s: 20, writePer10s: 10 };

export interface PhaseRow {
  mode: 'bypassType' | 'rule';
  phase: 'bypass' | 'restore';
  seconds: number;
  minSeconds: number;
  ratio: number | undefined;
  reads: number;
  writes: number;
  tokens: number;
  http429: number;
  ops: number;
  failed: number;
  breakdown: string;
}

export interface ThroughputResult {
  windowMs: number;
  segments: number;
  rows: PhaseRow[];
}

export const minimumMs = (reads: number, writes: number, windowMs: number) =>
  Math.max(Math.ceil(writes / LIMITS.writePer10s) - 1, Math.ceil(reads / LIMITS.getPer10s) - 1, 0) * windowMs;

export async function measureThroughput(windowMs = ZPA_WINDOW_MS, segments = SEGMENTS): Promise<ThroughputResult> {
  const rows: PhaseRow[] = [];
  const logger = createLogger({ level: 'error', sink: () => undefined });
  for (const mode of ['bypassType', 'rule'] as const) {
    // A fresh simulator and container per mode: cold token, fresh quotas, seeded segments.
    const env = await zscalerTestEnv({
      sim: { products: defaultProducts, zdxRateLimit: false, zpaRateLimits: { ...LIMITS, windowMs } },
      pacers: { zdx: zdxPacer(5), zpa: zpaPacer({ ...LIMITS, windowMs }) },
    });
    const port = zpaBypassPort({ api: env.clients.zpa, customerId: SIM_CREDENTIALS.zpaCustomerId });
    const start = new Date(Date.now() - 60_000);
    const end = new Date(start.getTime() + 60 * 60_000);
    const windows = parseWindowsFile({
      guardrails: { allowedSegments: ['app-*'], maxWindowMinutes: 480 },
      windows: [
        {
          id: `bench-${mode.toLowerCase()}`,
          segments: benchSegments(segments),
          schedule: { start: start.toISOString(), end: end.toISOString() },
          mode,
          reason: 'throughput benchmark',
        },
      ],
    });
    const phase = async (name: 'bypass' | 'restore', now: Date) => {
      const from = env.sim.calls.length;
      const t = performance.now();
      const result: ReconcileResult = await reconcile({
        port,
        windows,
        logger,
        now,
        trigger: { kind: 'schedule', id: 'bench' },
      });
      const ms = performance.now() - t;
      const calls = env.sim.calls.slice(from);
      const api = calls.filter((c) => c.product === 'zpa');
      const reads = api.filter((c) => c.method === 'GET').length;
      const writes = api.length - reads;
      const min = minimumMs(reads, writes, windowMs);
      rows.push({
        mode,
        phase: name,
        seconds: round(ms / 1000, 2),
        minSeconds: round(min / 1000, 2),
        ratio: min > 0 ? round(ms / min, 3) : undefined,
        reads,
        writes,
        tokens: calls.filter((c) => c.product === 'auth').length,
        http429: calls.filter((c) => c.status === 429).length,
        ops: result.done.length,
        failed: result.failed.length + result.refused.length,
        breakdown: breakdown(api),
      });
      if (result.failed.length || result.refused.length)
        throw new Error(
          `bench: ${mode} ${name} failed: ${JSON.stringify({ failed: result.failed, refused: result.refused }).slice(0, 500)}`,
        );
      // Let both quotas refill (simulator and pacer) before the next, untimed.
      await new Promise((r) => setTimeout(r, windowMs + 200));
    };
    await phase('bypass', new Date(start.getTime() + 10 * 60_000));
    await phase('restore', new Date(end.getTime() + 60_000));
    await env.close();
  }
  return { windowMs, segments, rows };
}
