/**
 * The Zscaler simulator's one public entry. `startSimulator(options)` starts it on loopback with ZDX and ZPA
 * mounted (or the products you name) and returns a handle for tests; `npm run simulator` (main.ts), the local
 * stack, the tests and the benchmarks all start it through here. See simulator/README.md.
 */
import { SimClock } from './clock.js';
import { SIM_CREDENTIALS } from './credentials.js';
import type { SimProduct } from './router.js';
import { startServer, type RunningSimulator } from './server.js';
import { createZdxSimulator, type ZdxRateLimitOption, type ZdxTier } from './zdx/index.js';
import { createZpaSimulator, type RateLimits } from './zpa/index.js';

export { SimClock } from './clock.js';
export { SIM_CREDENTIALS } from './credentials.js';
export { Router, json, type RouteHandler, type SimProduct, type SimReply, type SimRequest } from './router.js';
export type { CallProduct, CallRecord, RunningSimulator, SimState } from './server.js';
export { seededRandom, type DropPoint, type FaultSpec, type FaultTarget, type PendingFault } from './faults.js';
export type { TokenKind } from './auth/tokens.js';
export type { AcceptedCredentials } from './auth/credentialStore.js';
export {
  createZdxSimulator,
  ZDX_TIERS,
  type RateLimitConfig,
  type ZdxRateLimitOption,
  type ZdxSimulatorOptions,
  type ZdxTier,
} from './zdx/index.js';
export { createZpaSimulator, type RateLimits, type ZpaSimulatorOptions } from './zpa/index.js';

export type ProductName = 'zdx' | 'zpa';
export const PRODUCT_NAMES: readonly ProductName[] = ['zdx', 'zpa'];

/** Builds the products on the simulator's clock; for custom or stand-in products. */
export type ProductFactory = (clock: SimClock, opts: SimulatorOptions) => SimProduct[];

export interface SimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Simulated seconds per real second; default 1. Ignored when `clock` is given. */
  timeScale?: number;
  /** Use this clock (e.g. one your pre-built products share) instead of a new one. */
  clock?: SimClock;
  /**
   * What to mount: product names, configured by the options below (default `['zdx', 'zpa']`); ready-made
   * products; or a factory called with the simulator's clock. A product that is not mounted answers 404.
   */
  products?: readonly ProductName[] | SimProduct[] | ProductFactory;
  /** Lifetime of every issued token in simulated seconds; default 3600. */
  tokenLifetimeSec?: number;
  /** ZDX rate-limit tier (per-minute limit T1 30, T2 60, T3 120, T4 180; 5/s in all); default T4. */
  zdxTier?: ZdxTier;
  /** Override the ZDX per-second/per-minute limits, or `false` to disable ZDX rate limiting. */
  zdxRateLimit?: ZdxRateLimitOption;
  /** ZPA per-IP limits (default 20 GET / 10 writes per 10 s), shorter windows for fast tests, or `false`. */
  zpaRateLimits?: RateLimits | false;
  /** The ZPA tenant's customer id; default SIM_CREDENTIALS.zpaCustomerId. */
  zpaCustomerId?: string;
  /** How long (real ms) a ZPA policy-set write holds that set's lock (a concurrent write gets 409); default 50. */
  zpaConcurrencyWindowMs?: number;
  /** How many app-NNN segments the ZPA seed holds (default 55). */
  zpaBulkSegments?: number;
  /** Makes the seeds picked for rate faults queued without one reproducible. */
  faultSeed?: number;
}

function productByName(name: ProductName, clock: SimClock, opts: SimulatorOptions): SimProduct {
  switch (name) {
    case 'zdx':
      return createZdxSimulator(clock, { tier: opts.zdxTier, rateLimit: opts.zdxRateLimit });
    case 'zpa':
      return createZpaSimulator(clock, {
        customerId: opts.zpaCustomerId ?? SIM_CREDENTIALS.zpaCustomerId,
        rateLimits: opts.zpaRateLimits,
        concurrencyWindowMs: opts.zpaConcurrencyWindowMs,
        bulkSegments: opts.zpaBulkSegments,
      });
  }
}

/** ZDX (with the tier/rate-limit options) plus ZPA for the configured customer id: what is mounted by default. */
export const defaultProducts: ProductFactory = (clock, opts) =>
  PRODUCT_NAMES.map((name) => productByName(name, clock, opts));

function resolveProducts(clock: SimClock, opts: SimulatorOptions): SimProduct[] {
  const spec = opts.products ?? PRODUCT_NAMES;
  if (typeof spec === 'function') return spec(clock, opts);
  const list = spec as ReadonlyArray<ProductName | SimProduct>;
  const products = list.map((p) => {
    if (typeof p !== 'string') return p;
    if (!PRODUCT_NAMES.includes(p))
      throw new Error(`unknown product ${String(p)} (known: ${PRODUCT_NAMES.join(', ')})`);
    return productByName(p, clock, opts);
  });
  const names = products.map((p) => p.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`product ${twice} is mounted twice`);
  return products;
}

/** Starts the simulator; resolves once it listens. `close()` the handle when done. */
export function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const clock = options.clock ?? new SimClock(options.timeScale ?? 1);
  return startServer({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    clock,
    products: resolveProducts(clock, options),
    tokenLifetimeSec: options.tokenLifetimeSec ?? 3600,
    faultSeed: options.faultSeed,
  });
}
