/**
 * The fault kinds of `POST /__sim/faults` beyond canned replies, each over real HTTP against a running
 * simulator: a held-back reply (delayMs), a connection reset before the product did the work, a reset after
 * it did (the answer is lost), and faults that hit a seeded random share of matching requests (rate).
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SIM_CREDENTIALS,
  startSimulator,
  type CallRecord,
  type PendingFault,
  type RunningSimulator,
} from '../../simulator/index.js';
import { call, postForm, postJson, zdxClient } from './helpers.js';

const DEVICE = 132559212;
const FWD_RULES = `/mgmtconfig/v1/admin/customers/${SIM_CREDENTIALS.zpaCustomerId}/policySet/rules/policyType/CLIENT_FORWARDING_POLICY`;

let sim: RunningSimulator;
let zdx: Awaited<ReturnType<typeof zdxClient>>;
beforeAll(async () => {
  sim = await startSimulator({ zdxRateLimit: false, zpaRateLimits: false });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await postJson(`${sim.url}/__sim/reset`, {});
  zdx = await zdxClient(sim);
});

const fault = (spec: Record<string, unknown>) => postJson(`${sim.url}/__sim/faults`, spec);
const calls = async () => (await call<CallRecord[]>(`${sim.url}/__sim/calls`)).body;
const traces = async () =>
  (await call(`${sim.url}/__sim/state`)).body.products.zdx.traces as Array<{ trace_details: { session_name: string } }>;

/** The error a fetch got, with the socket-level cause (`ECONNRESET`) if any. */
async function fetchError(url: string, init: RequestInit): Promise<{ name: string; code: string | undefined }> {
  try {
    const res = await fetch(url, init);
    throw new Error(`expected a failed request, got ${res.status}`);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { name: e.name, code: e.cause?.code };
  }
}

const startTrace = (name: string, signal?: AbortSignal) =>
  fetch(`${sim.url}/v1/devices/${DEVICE}/deeptraces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${zdx.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ session_name: name }),
    signal,
  });

async function zpaToken(): Promise<string> {
  const r = await postForm(`${sim.url}/signin`, {
    client_id: SIM_CREDENTIALS.zpa.clientId,
    client_secret: SIM_CREDENTIALS.zpa.clientSecret,
  });
  return r.body.access_token as string;
}

describe('delayMs: a held-back reply', () => {
  it("holds the product's own answer back, then delivers it", async () => {
    expect((await fault({ path: '/devices$', method: 'GET', delayMs: 400 })).status).toBe(200);
    const t = performance.now();
    const r = await zdx.get('/devices');
    expect(performance.now() - t).toBeGreaterThanOrEqual(380);
    expect(r.status).toBe(200);
    expect(r.body.devices.length).toBeGreaterThan(0);
    // Used up after one request: the log shows the next one untouched.
    expect((await zdx.get('/devices')).status).toBe(200);
    expect((await calls()).filter((c) => c.path === '/v1/devices').map((c) => c.fault)).toEqual(['delay', undefined]);
  });

  it('holds a canned reply back too', async () => {
    await fault({ path: '/devices$', status: 503, delayMs: 300, headers: { 'retry-after': '1' } });
    const t = performance.now();
    const r = await zdx.get('/devices');
    expect(performance.now() - t).toBeGreaterThanOrEqual(280);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.body).toEqual({ code: 503, message: 'Service unavailable' });
  });

  it('lets a client time out although the product did the work: the trace exists', async () => {
    await fault({ path: '/deeptraces$', method: 'POST', delayMs: 2000 });
    await expect(startTrace('timed-out', AbortSignal.timeout(200))).rejects.toThrow();
    expect((await traces()).map((t) => t.trace_details.session_name)).toEqual(['timed-out']);
  });

  it('does not keep close() waiting', async () => {
    const other = await startSimulator({ products: ['zdx'], zdxRateLimit: false });
    const client = await zdxClient(other);
    other.injectFault({ path: '/devices$', delayMs: 60_000 });
    const pending = client.get('/devices').catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t = performance.now();
    await other.close();
    expect(performance.now() - t).toBeLessThan(2000);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe("drop: 'before' — the connection is reset and nothing happened", () => {
  it('resets the connection (ECONNRESET) and the product never sees the request', async () => {
    await fault({ path: '/deeptraces$', method: 'POST', drop: 'before' });
    const err = await fetchError(`${sim.url}/v1/devices/${DEVICE}/deeptraces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${zdx.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session_name: 'lost-before' }),
    });
    expect(err).toEqual({ name: 'TypeError', code: 'ECONNRESET' });
    expect(await traces()).toEqual([]);
    const logged = (await calls()).find((c) => c.path.endsWith('/deeptraces'));
    expect(logged).toMatchObject({ method: 'POST', product: 'zdx', status: 0, fault: 'drop-before' });
    // Used up: the retry goes through and starts the one trace.
    expect((await startTrace('lost-before')).status).toBe(200);
    expect(await traces()).toHaveLength(1);
  });

  it('can wait first (a hang, then a reset)', async () => {
    await fault({ path: '/devices$', drop: 'before', delayMs: 300 });
    const t = performance.now();
    const err = await fetchError(`${sim.url}/v1/devices`, { headers: { authorization: `Bearer ${zdx.token}` } });
    expect(performance.now() - t).toBeGreaterThanOrEqual(280);
    expect(err.code).toBe('ECONNRESET');
  });

  it('surfaces as ECONNRESET through an undici keep-alive Agent, which recovers on the next request', async () => {
    const agent = new Agent({ keepAliveTimeout: 10_000 });
    try {
      const headers = { authorization: `Bearer ${zdx.token}` };
      const warm = await request(`${sim.url}/v1/devices`, { headers, dispatcher: agent });
      expect(warm.statusCode).toBe(200);
      await warm.body.text();
      await fault({ path: '/devices$', drop: 'before' });
      await expect(request(`${sim.url}/v1/devices`, { headers, dispatcher: agent })).rejects.toMatchObject({
        code: 'ECONNRESET',
      });
      const after = await request(`${sim.url}/v1/devices`, { headers, dispatcher: agent });
      expect(after.statusCode).toBe(200);
      await after.body.text();
    } finally {
      await agent.close();
    }
  });
});

describe("drop: 'after' — the work is done, the answer is lost", () => {
  it('creates the ZDX trace, resets the connection, and a blind retry meets the trace it already started', async () => {
    await fault({ path: '/deeptraces$', method: 'POST', drop: 'after' });
    const err = await fetchError(`${sim.url}/v1/devices/${DEVICE}/deeptraces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${zdx.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session_name: 'answer-lost' }),
    });
    expect(err).toEqual({ name: 'TypeError', code: 'ECONNRESET' });
    expect((await traces()).map((t) => t.trace_details.session_name)).toEqual(['answer-lost']);
    const logged = (await calls()).find((c) => c.path.endsWith('/deeptraces'));
    expect(logged).toMatchObject({ method: 'POST', status: 200, fault: 'drop-after' });
    // One active trace per device: retrying without looking first is refused.
    expect((await startTrace('answer-lost')).status).toBe(409);
    const listed = await zdx.get(`/devices/${DEVICE}/deeptraces`);
    expect(listed.body.map((t: { trace_details: { session_name: string } }) => t.trace_details.session_name)).toEqual([
      'answer-lost',
    ]);
  });

  it('creates the ZPA rule, resets the connection, and the rule is there on the next read', async () => {
    const token = await zpaToken();
    const auth = { authorization: `Bearer ${token}` };
    const ps = await call(
      `${sim.url}/mgmtconfig/v1/admin/customers/${SIM_CREDENTIALS.zpaCustomerId}/policySet/policyType/CLIENT_FORWARDING_POLICY`,
      { headers: auth },
    );
    const before = (await call(`${sim.url}${FWD_RULES}`, { headers: auth })).body.list.length as number;
    await fault({ path: '/rule$', method: 'POST', drop: 'after' });
    const err = await fetchError(
      `${sim.url}/mgmtconfig/v1/admin/customers/${SIM_CREDENTIALS.zpaCustomerId}/policySet/${ps.body.id}/rule`,
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'zea-bypass:win:lost', action: 'BYPASS' }),
      },
    );
    expect(err.code).toBe('ECONNRESET');
    const rules = (await call(`${sim.url}${FWD_RULES}`, { headers: auth })).body.list as Array<{ name: string }>;
    expect(rules).toHaveLength(before + 1);
    expect(rules.map((r) => r.name)).toContain('zea-bypass:win:lost');
    expect((await calls()).find((c) => c.fault)).toMatchObject({ product: 'zpa', status: 201, fault: 'drop-after' });
  });

  it('on a token endpoint: the token is issued but the client never gets it', async () => {
    await fault({ path: '^/signin', target: 'auth', drop: 'after' });
    const err = await fetchError(`${sim.url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: SIM_CREDENTIALS.zpa.clientId,
        client_secret: SIM_CREDENTIALS.zpa.clientSecret,
      }).toString(),
    });
    expect(err.code).toBe('ECONNRESET');
    expect(sim.tokensIssued().zpa).toBe(1);
    await zpaToken();
    expect(sim.tokensIssued().zpa).toBe(2);
  });
});

describe('rate: a seeded random share of matching requests', () => {
  async function pattern(n: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await zdx.get('/devices?limit=1')).status);
    return statuses;
  }

  it('faults about that share, and the same seed faults exactly the same requests again', async () => {
    const queued = await fault({ path: '/devices', status: 503, rate: 0.3, seed: 20240601 });
    expect(queued.body.queued).toMatchObject({ rate: 0.3, seed: 20240601 });
    const first = await pattern(200);
    const faulted = first.filter((s) => s === 503).length;
    expect(first.every((s) => s === 200 || s === 503)).toBe(true);
    expect(faulted).toBeGreaterThan(30);
    expect(faulted).toBeLessThan(90);
    // Lasts until cleared; counts what it saw.
    const pending = (await call<PendingFault[]>(`${sim.url}/__sim/faults`)).body;
    expect(pending).toEqual([expect.objectContaining({ remaining: null, matched: 200, fired: faulted })]);

    await postJson(`${sim.url}/__sim/reset`, {});
    zdx = await zdxClient(sim);
    await fault({ path: '/devices', status: 503, rate: 0.3, seed: 20240601 });
    expect(await pattern(200)).toEqual(first);
  });

  it('rate 0 never fires, rate 1 always does', async () => {
    await fault({ path: '/devices', status: 500, rate: 0 });
    expect((await pattern(20)).every((s) => s === 200)).toBe(true);
    await call(`${sim.url}/__sim/faults`, { method: 'DELETE' });
    await fault({ path: '/devices', status: 500, rate: 1 });
    expect((await pattern(20)).every((s) => s === 500)).toBe(true);
  });

  it('with count, stops after firing that many times', async () => {
    await fault({ path: '/devices', status: 502, rate: 0.5, seed: 7, count: 3 });
    const statuses = await pattern(60);
    expect(statuses.filter((s) => s === 502)).toHaveLength(3);
    expect((await call(`${sim.url}/__sim/faults`)).body).toEqual([]);
  });

  it('combines with drops: a share of requests lose their answer', async () => {
    await fault({ path: '/devices$', drop: 'after', rate: 0.5, seed: 99 });
    let reset = 0;
    for (let i = 0; i < 40; i++) {
      try {
        await fetch(`${sim.url}/v1/devices`, { headers: { authorization: `Bearer ${zdx.token}` } });
      } catch {
        reset += 1;
      }
    }
    const fired = (await call<PendingFault[]>(`${sim.url}/__sim/faults`)).body[0]!.fired;
    expect(reset).toBe(fired);
    expect(reset).toBeGreaterThan(5);
    expect(reset).toBeLessThan(35);
  });

  it('picks and reports a seed when none is given; faultSeed makes the picked seeds reproducible', async () => {
    const a = await fault({ path: '/x', status: 500, rate: 0.5 });
    expect(Number.isInteger(a.body.queued.seed)).toBe(true);
    const seedsOf = async () => {
      const s = await startSimulator({ products: ['zdx'], faultSeed: 1234 });
      try {
        return [
          s.injectFault({ path: '/x', status: 500, rate: 0.5 }).seed,
          s.injectFault({ path: '/y', status: 500, rate: 0.5 }).seed,
        ];
      } finally {
        await s.close();
      }
    };
    const [one, two] = [await seedsOf(), await seedsOf()];
    expect(one).toEqual(two);
    expect(one[0]).not.toBe(one[1]);
  });

  it('a rate fault that does not fire lets a later matching fault act', async () => {
    await fault({ path: '/devices', status: 500, rate: 0 });
    await fault({ path: '/devices', status: 503 });
    expect((await zdx.get('/devices')).status).toBe(503);
  });
});

describe('fault spec validation', () => {
  it('keeps the existing shape working and reports the queued fault', async () => {
    const r = await fault({ path: '/devices$', method: 'GET', status: 503, count: 2 });
    expect(r.body).toEqual({ queued: { path: '/devices$', method: 'GET', status: 503, count: 2 }, pending: 1 });
  });

  it.each([
    [{ path: 'x' }],
    [{ path: 'x', status: 500, drop: 'before' }],
    [{ path: 'x', drop: 'during' }],
    [{ path: 'x', delayMs: -1 }],
    [{ path: 'x', delayMs: 1.5 }],
    [{ path: 'x', delayMs: 600_001 }],
    [{ path: 'x', status: 500, rate: 1.5 }],
    [{ path: 'x', status: 500, rate: 'half' }],
    [{ path: 'x', status: 500, seed: 3 }],
    [{ path: 'x', status: 500, rate: 0.5, seed: -1 }],
    [{ path: 'x', drop: 'after', headers: { a: 'b' } }],
    [{ path: 'x', status: 500, sometimes: true }],
    [[{ path: 'x', status: 500 }]],
  ])('rejects %j with 400', async (spec) => {
    const r = await postJson(`${sim.url}/__sim/faults`, spec);
    expect(r.status).toBe(400);
    expect(typeof r.body.message).toBe('string');
  });

  it('throws the same message from injectFault', () => {
    expect(() => sim.injectFault({ path: 'x', status: 500, drop: 'after' })).toThrow(/exclude each other/);
  });
});
