/**
 * The same contract replay as contract.test.ts, but over real HTTP through the whole simulator: `startSimulator`
 * with ZPA mounted, a OneAPI token from the ZIdentity endpoint, and every recorded request sent to the OneAPI
 * `/zpa` path it was recorded on, so authentication, body parsing and reply writing are part of the contract.
 */
import { describe } from 'vitest';
import { SIM_CREDENTIALS, startSimulator, type ZpaSimulatorOptions } from '../../../simulator/index.js';
import { contractCases } from './cassettes.js';
import { CUSTOMER_ID } from './helpers.js';
import type { Transport } from './replay.js';

async function serve(opts: Partial<ZpaSimulatorOptions>) {
  const sim = await startSimulator({
    products: ['zpa'],
    zpaCustomerId: CUSTOMER_ID,
    zpaRateLimits: opts.rateLimits,
    zpaConcurrencyWindowMs: opts.concurrencyWindowMs,
    // The replay moves the system clock past retry-after; the token must outlive that.
    tokenLifetimeSec: 86_400,
  });
  const c = SIM_CREDENTIALS.oneapi;
  const tokenReply = await fetch(`${sim.url}/oauth2/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      audience: c.audience,
    }).toString(),
  });
  const { access_token: token } = (await tokenReply.json()) as { access_token: string };
  const send: Transport = async (req) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.rawBody !== '';
    const res = await fetch(`${sim.url}/zpa${req.path}${req.query ? `?${req.query}` : ''}`, {
      method: req.method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: hasBody ? req.rawBody : undefined,
    });
    return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: await res.text() };
  };
  return { send, close: () => sim.close() };
}

describe('ZPA simulator contract (over HTTP)', () => {
  contractCases(serve);
});
