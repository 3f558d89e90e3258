/**
 * Calling the ZPA product directly, the way server.ts does after authentication: build a SimRequest (JSON body
 * parsed when present) and call `handle`.
 */
import { SimClock } from '../../../simulator/clock.js';
import type { SimProduct, SimReply } from '../../../simulator/router.js';
import { createZpaSimulator, type ZpaSimulatorOptions } from '../../../simulator/zpa/index.js';

/** Deliberately not the recorded customer id, so the contract replay has to rewrite it. */
export const CUSTOMER_ID = '216196257331299999';
export const V1 = `/mgmtconfig/v1/admin/customers/${CUSTOMER_ID}`;
export const V2 = `/mgmtconfig/v2/admin/customers/${CUSTOMER_ID}`;

export function makeSim(opts: Partial<ZpaSimulatorOptions> = {}): SimProduct {
  return createZpaSimulator(new SimClock(), {
    customerId: CUSTOMER_ID,
    rateLimits: false,
    concurrencyWindowMs: 0,
    ...opts,
  });
}

export interface CallOptions {
  body?: unknown;
  /** Sent verbatim instead of JSON.stringify(body) (e.g. bare 18-digit integers). */
  raw?: string;
  query?: string | Record<string, string>;
  ip?: string;
}

export async function call(
  sim: SimProduct,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<SimReply & { json: any }> {
  const rawBody = opts.raw ?? (opts.body === undefined ? '' : JSON.stringify(opts.body));
  let body: unknown;
  try {
    body = rawBody === '' ? undefined : JSON.parse(rawBody);
  } catch {
    body = undefined;
  }
  const reply = await sim.handle(
    { method, path, params: {}, query: new URLSearchParams(opts.query ?? ''), headers: {}, rawBody, body },
    { clientIp: opts.ip ?? '10.0.0.1' },
  );
  // Round-trip through JSON like the wire would, so tests see exactly what a client parses.
  return { ...reply, json: reply.body === undefined ? undefined : JSON.parse(JSON.stringify(reply.body)) };
}

/** Looks a seeded object up by exact name through the API. */
export async function idByName(sim: SimProduct, collection: string, name: string): Promise<string> {
  const r = await call(sim, 'GET', `${V1}/${collection}`, { query: { search: `name EQ ${name}` } });
  const id = r.json?.list?.[0]?.id;
  if (typeof id !== 'string') throw new Error(`no ${collection} named ${name}`);
  return id;
}

export async function policySetId(sim: SimProduct, type: string): Promise<string> {
  return (await call(sim, 'GET', `${V1}/policySet/policyType/${type}`)).json.id;
}

export async function ruleList(sim: SimProduct, type: string): Promise<any[]> {
  return (
    (await call(sim, 'GET', `${V1}/policySet/rules/policyType/${type}`, { query: { pagesize: '500' } })).json.list ?? []
  );
}
