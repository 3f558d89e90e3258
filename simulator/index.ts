/**
 * Public entry of the Zscaler simulator. `startSimulator` here mounts both products by default (ZDX and
 * ZPA); `server.ts` holds the core and mounts ZDX only, for tests that do not need ZPA.
 */
import { SIM_CREDENTIALS } from './credentials.js';
import type { SimClock } from './clock.js';
import type { SimProduct } from './router.js';
import { defaultZdxOnly, startSimulator as startCore, type ProductFactory, type RunningSimulator, type SimulatorOptions } from './server.js';
import { createZpaSimulator } from './zpa/index.js';

export { SimClock } from './clock.js';
export { SIM_CREDENTIALS } from './credentials.js';
export { Router, json, type RouteHandler, type SimProduct, type SimReply, type SimRequest } from './router.js';
export type { CallProduct, CallRecord, ProductFactory, RunningSimulator, SimState, SimulatorOptions } from './server.js';
export type { FaultSpec, FaultTarget } from './faults.js';
export type { TokenKind } from './auth/tokens.js';
export type { AcceptedCredentials } from './auth/credentialStore.js';
export { createZdxSimulator, ZDX_TIERS, type RateLimitConfig, type ZdxRateLimitOption, type ZdxSimulatorOptions, type ZdxTier } from './zdx/index.js';
export { createZpaSimulator };

/** ZDX (with the tier/rate-limit options) plus ZPA for the simulator's fake customer id. */
export const defaultProducts: ProductFactory = (clock: SimClock, opts: SimulatorOptions): SimProduct[] => [
  ...defaultZdxOnly(clock, opts),
  createZpaSimulator(clock, { customerId: SIM_CREDENTIALS.zpaCustomerId, rateLimits: opts.zpaRateLimits }),
];

/** Starts the simulator on loopback with ZDX and ZPA mounted unless `opts.products` says otherwise. */
export function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startCore({ ...opts, products: opts.products ?? defaultProducts });
}
