/**
 * `npm run simulator`: the Zscaler simulator as a standalone process for demos and manual testing.
 * Env: SIM_PORT (default 8089), SIM_HOST (default 127.0.0.1), SIM_TIME_SCALE (default 1), SIM_ZDX_TIER (default T4),
 * SIM_PRODUCTS (comma-separated, default `zdx,zpa`).
 */
import { PRODUCT_NAMES, SIM_CREDENTIALS, startSimulator, ZDX_TIERS, type ProductName, type ZdxTier } from './index.js';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return n;
}

const tier = (process.env.SIM_ZDX_TIER ?? 'T4') as ZdxTier;
if (!(tier in ZDX_TIERS)) throw new Error(`SIM_ZDX_TIER must be one of ${Object.keys(ZDX_TIERS).join(', ')}`);

const products = (process.env.SIM_PRODUCTS ?? PRODUCT_NAMES.join(','))
  .split(',')
  .map((p) => p.trim())
  .filter((p) => p !== '') as ProductName[];
const unknown = products.filter((p) => !PRODUCT_NAMES.includes(p));
if (unknown.length > 0)
  throw new Error(`SIM_PRODUCTS: unknown product(s) ${unknown.join(', ')}; known: ${PRODUCT_NAMES.join(', ')}`);

const sim = await startSimulator({
  products,
  port: numberFromEnv('SIM_PORT', 8089),
  host: process.env.SIM_HOST ?? '127.0.0.1',
  timeScale: numberFromEnv('SIM_TIME_SCALE', 1),
  zdxTier: tier,
});

// Names only: the secrets are in simulator/credentials.ts and must not end up in logs.
console.log(`simulator listening on ${sim.url}`);
console.log(
  `  time scale ${sim.clock.scale}, ZDX tier ${tier}, products: ${sim.products.map((p) => p.name).join(', ')}`,
);
console.log(
  `  ZPA legacy:  POST ${sim.url}/signin  client_id=${SIM_CREDENTIALS.zpa.clientId}  customer ${SIM_CREDENTIALS.zpaCustomerId}`,
);
console.log(`  ZDX legacy:  POST ${sim.url}/v1/oauth/token  key_id=${SIM_CREDENTIALS.zdx.keyId}`);
console.log(
  `  OneAPI:      POST ${sim.url}/oauth2/v1/token  client_id=${SIM_CREDENTIALS.oneapi.clientId}  audience=${SIM_CREDENTIALS.oneapi.audience}`,
);
console.log(`  inspect:     GET ${sim.url}/__sim/state`);

const shutdown = () => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
