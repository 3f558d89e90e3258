/**
 * The simulated ZDX product: seeded devices/users/apps, deep traces on the SimClock, per-IP rate limits.
 */
import type { SimClock } from '../clock.js';
import { Router, type SimProduct, type SimReply } from '../router.js';
import { ANALYSIS_DELAY_MS, AnalysisStore, registerAnalysisRoutes } from './analysis.js';
import { DeepTraceStore, registerDeepTraceRoutes, traceView } from './deeptraces.js';
import { registerDeviceRoutes, type ZdxContext } from './devices.js';
import { QueryError, zdxError } from './query.js';
import { ZDX_TIERS, ZdxRateLimiter, type RateLimitConfig, type ZdxTier } from './ratelimit.js';
import { isPlantedFault, type PlantedFault } from './plantedFaults.js';
import { buildSeed } from './seed.js';

export type { PlantedFault } from './plantedFaults.js';
export { ZDX_TIERS, type RateLimitConfig, type ZdxTier } from './ratelimit.js';

/** Override some limits of the tier, or `false` to switch ZDX rate limiting off. */
export type ZdxRateLimitOption = Partial<RateLimitConfig> | false;

export interface ZdxSimulatorOptions {
  /** Default T4 (5/s, 180/min). */
  tier?: ZdxTier;
  rateLimit?: ZdxRateLimitOption;
  /**
   * Faults planted on devices, by device id, over the seed's (plantedFaults.ts); `'none'` makes a seeded faulty
   * device healthy. Its deep traces and score analyses show the fault.
   */
  plantedFaults?: Readonly<Record<number, PlantedFault | 'none'>>;
  /** Simulated time a score analysis takes before `GET /analysis/{id}` has a result (default 1.5 s). */
  analysisDelayMs?: number;
}

export function createZdxSimulator(clock: SimClock, opts: ZdxSimulatorOptions = {}): SimProduct {
  const seed = buildSeed();
  const devices = new Map(seed.devices.map((d) => [d.id, d]));
  const users = new Map(seed.users.map((u) => [u.id, u]));
  let requestsPerDevice = new Map<number, number>();
  const planted = new Map<number, PlantedFault>();
  for (const d of seed.devices) if (d.plantedFault) planted.set(d.id, d.plantedFault);
  for (const [id, fault] of Object.entries(opts.plantedFaults ?? {})) {
    if (fault === 'none') planted.delete(Number(id));
    else if (isPlantedFault(fault)) planted.set(Number(id), fault);
    else throw new Error(`unknown planted fault ${String(fault)} for device ${id}`);
  }
  const ctx: ZdxContext = {
    clock,
    seed,
    device: (id) => (id === undefined ? undefined : devices.get(id)),
    user: (id) => (id === undefined ? undefined : users.get(id)),
    touch: (id) => requestsPerDevice.set(id, (requestsPerDevice.get(id) ?? 0) + 1),
    faultOf: (id) => planted.get(id),
  };
  const traces = new DeepTraceStore(clock);
  const router = new Router();
  registerDeviceRoutes(router, ctx);
  registerDeepTraceRoutes(router, ctx, traces);
  const analyses = new AnalysisStore(clock, opts.analysisDelayMs ?? ANALYSIS_DELAY_MS);
  registerAnalysisRoutes(router, ctx, analyses);
  const limiter =
    opts.rateLimit === false ? undefined : new ZdxRateLimiter({ ...ZDX_TIERS[opts.tier ?? 'T4'], ...opts.rateLimit });

  const route = async (req: Parameters<SimProduct['handle']>[0]): Promise<SimReply> => {
    const m = router.match(req.method, req.path);
    if (m === undefined) return zdxError(404, `No ZDX endpoint ${req.method} ${req.path}`);
    if (m === 'method') return zdxError(405, `Method ${req.method} not allowed on ${req.path}`);
    try {
      return await m.handler({ ...req, params: m.params });
    } catch (err) {
      if (err instanceof QueryError) return zdxError(400, err.message);
      throw err;
    }
  };

  return {
    name: 'zdx',
    async handle(req, { clientIp }) {
      const rate = limiter?.check(clientIp);
      if (rate && !rate.allowed) return { ...zdxError(429, 'Rate limit exceeded'), headers: rate.headers };
      const reply = await route(req);
      return rate ? { ...reply, headers: { ...rate.headers, ...reply.headers } } : reply;
    },
    admit(clientIp) {
      const rate = limiter?.check(clientIp);
      if (!rate) return {};
      return rate.allowed
        ? { headers: rate.headers }
        : { refused: { ...zdxError(429, 'Rate limit exceeded'), headers: rate.headers } };
    },
    state() {
      const perDevice: Record<string, { requests: number; traces: number; active_traces: number }> = {};
      for (const d of seed.devices) {
        const mine = traces.forDevice(d.id);
        const requests = requestsPerDevice.get(d.id) ?? 0;
        if (requests === 0 && mine.length === 0) continue;
        perDevice[d.id] = {
          requests,
          traces: mine.length,
          active_traces: mine.filter((t) => traces.isActive(t)).length,
        };
      }
      return {
        devices: seed.devices.length,
        users: seed.users.length,
        traces: traces.all().map((t) => ({
          ...traceView(ctx, traces, t),
          device: ctx.device(t.deviceId)?.name ?? null,
          user: ctx.user(t.userId)?.email ?? null,
        })),
        active_traces: traces.all().filter((t) => traces.isActive(t)).length,
        per_device: perDevice,
        planted_faults: Object.fromEntries(
          [...planted].map(([id, fault]) => [id, { device: ctx.device(id)?.name ?? null, fault }]),
        ),
        analyses: analyses.count(),
        rate_limit: limiter ? { ...limiter.config, usage: limiter.snapshot() } : null,
      };
    },
    reset() {
      traces.reset();
      analyses.reset();
      requestsPerDevice = new Map();
      limiter?.reset();
    },
  };
}
