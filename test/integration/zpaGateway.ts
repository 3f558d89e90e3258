/**
 * The simulated ZPA behind a "gateway" that can let ZPA do the work and then answer 502 or 504 in its place: the
 * lost answer the simulator's own faults cannot give (a canned reply never reaches the product; `drop: 'after'`
 * resets instead). A thin wrapper, the product untouched, as test/drills/harness.ts wraps ZDX. It also watches
 * for two rules with one name after every request, so a duplicate that existed only for a moment is seen too.
 */
import {
  createZdxSimulator,
  createZpaSimulator,
  seededRandom,
  SIM_CREDENTIALS,
  type SimClock,
  type SimProduct,
  type SimulatorOptions,
} from '../../simulator/index.js';

export interface GatewayFault {
  method: string;
  /** Searched in the product path (no query). */
  path: RegExp;
  status: 502 | 504;
  /** How many times it fires (default 1, unlimited with `rate`). */
  count?: number;
  /** Share of matching requests, drawn from `seed`. */
  rate?: number;
  seed?: number;
}

interface Armed extends GatewayFault {
  left: number;
  random?: () => number;
}

export function zpaBehindGateway() {
  const faults: Armed[] = [];
  const fired: Array<{ method: string; path: string; status: number }> = [];
  /** Every moment two or more rules of one policy set shared a name: [name, copies]. */
  const duplicates: Array<[string, number]> = [];
  let inner: SimProduct | undefined;

  const take = (method: string, path: string): Armed | undefined => {
    for (const f of faults) {
      if (f.left <= 0 || f.method !== method || !f.path.test(path)) continue;
      if (f.random && !(f.random() < (f.rate ?? 0))) continue;
      f.left -= 1;
      return f;
    }
    return undefined;
  };

  const watch = () => {
    const rules = (inner!.state() as { rules: Record<string, Array<{ name: string }>> }).rules;
    for (const list of Object.values(rules)) {
      const counts = new Map<string, number>();
      for (const r of list) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
      for (const [name, n] of counts) if (n > 1) duplicates.push([name, n]);
    }
  };

  const wrap = (zpa: SimProduct): SimProduct => ({
    name: zpa.name,
    state: () => zpa.state(),
    reset: () => zpa.reset(),
    async handle(req, ctx) {
      const reply = await zpa.handle(req, ctx);
      watch();
      const fault = req.method === 'GET' ? undefined : take(req.method, req.path);
      if (!fault) return reply;
      fired.push({ method: req.method, path: req.path, status: fault.status });
      return {
        status: fault.status,
        body: { id: 'bad.gateway', reason: `injected ${fault.status} after ZPA answered ${reply.status}` },
      };
    },
  });

  /** For `zscalerTestEnv({ sim: { products } })`: ZDX as usual, ZPA wrapped. */
  const products = (clock: SimClock, opts: SimulatorOptions): SimProduct[] => {
    inner = createZpaSimulator(clock, {
      customerId: opts.zpaCustomerId ?? SIM_CREDENTIALS.zpaCustomerId,
      rateLimits: opts.zpaRateLimits,
      concurrencyWindowMs: opts.zpaConcurrencyWindowMs,
    });
    return [createZdxSimulator(clock, { tier: opts.zdxTier, rateLimit: opts.zdxRateLimit }), wrap(inner)];
  };

  return {
    products,
    add(f: GatewayFault) {
      faults.push({
        ...f,
        left: f.count ?? (f.rate === undefined ? 1 : Number.POSITIVE_INFINITY),
        random: f.rate === undefined ? undefined : seededRandom(f.seed ?? 1),
      });
    },
    clear() {
      faults.length = 0;
      fired.length = 0;
      duplicates.length = 0;
    },
    fired,
    duplicates,
  };
}
