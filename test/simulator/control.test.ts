import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIM_CREDENTIALS } from '../../simulator/credentials.js';
import type { CallRecord, RunningSimulator } from '../../simulator/index.js';
import { call, postForm, postJson, startZdxSim, zdxClient } from './helpers.js';

let sim: RunningSimulator;
let zdx: Awaited<ReturnType<typeof zdxClient>>;
beforeAll(async () => {
  sim = await startZdxSim();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await postJson(`${sim.url}/__sim/reset`, {});
  zdx = await zdxClient(sim);
});

describe('POST /__sim/faults', () => {
  it('replaces the next N matching product requests, then lets them through', async () => {
    const r = await postJson(`${sim.url}/__sim/faults`, {
      path: '/devices$',
      method: 'GET',
      status: 503,
      count: 2,
      headers: { 'retry-after': '1' },
    });
    expect(r.status).toBe(200);
    const first = await zdx.get('/devices');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.body).toEqual({ code: 503, message: 'Service unavailable' });
    // Not matching: different path.
    expect((await zdx.get('/devices/132559212')).status).toBe(200);
    expect((await zdx.get('/devices')).status).toBe(503);
    expect((await zdx.get('/devices')).status).toBe(200);
    expect((await call(`${sim.url}/__sim/faults`)).body).toEqual([]);
  });

  it('serves a custom body, matches the method, and matches the path with its query', async () => {
    await postJson(`${sim.url}/__sim/faults`, {
      path: 'deeptraces',
      method: 'POST',
      status: 429,
      body: { code: 429, message: 'slow down' },
    });
    expect((await zdx.get('/devices/132559212/deeptraces')).status).toBe(200);
    const r = await zdx.post('/devices/132559212/deeptraces', { session_name: 'x' });
    expect(r.status).toBe(429);
    expect(r.body).toEqual({ code: 429, message: 'slow down' });
    await postJson(`${sim.url}/__sim/faults`, { path: 'emails=alice', status: 500 });
    expect((await zdx.get('/devices?emails=alice@corp.example')).status).toBe(500);
  });

  it('is checked after authentication, so unauthenticated calls do not use it up', async () => {
    await postJson(`${sim.url}/__sim/faults`, { path: '/devices', status: 500 });
    expect((await call(`${sim.url}/v1/devices`)).status).toBe(401);
    expect((await zdx.get('/devices')).status).toBe(500);
  });

  it('can target the token endpoints', async () => {
    await postJson(`${sim.url}/__sim/faults`, { path: '^/oauth2/v1/token', status: 503, target: 'auth' });
    const c = SIM_CREDENTIALS.oneapi;
    const fields = {
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      audience: c.audience,
    };
    expect((await postForm(`${sim.url}/oauth2/v1/token`, fields)).status).toBe(503);
    expect((await postForm(`${sim.url}/oauth2/v1/token`, fields)).status).toBe(200);
  });

  it.each([
    [{ status: 500 }],
    [{ path: '(', status: 500 }],
    [{ path: 'x', status: 99 }],
    [{ path: 'x', status: 500, count: 0 }],
  ])('rejects a bad spec %j with 400', async (spec) => {
    expect((await postJson(`${sim.url}/__sim/faults`, spec)).status).toBe(400);
  });
});

describe('call log', () => {
  it('records every request, including token requests, without bodies or secrets', async () => {
    await zdx.get('/devices?limit=2');
    await call(`${sim.url}/v1/nope`, { headers: { authorization: `Bearer ${zdx.token}` } });
    await call(`${sim.url}/definitely/unknown`);
    const r = await call<CallRecord[]>(`${sim.url}/__sim/calls`);
    expect(r.body.map((c) => [c.method, c.path, c.product, c.status])).toEqual([
      ['POST', '/__sim/reset', 'sim', 200],
      ['POST', '/v1/oauth/token', 'auth', 200],
      ['GET', '/v1/devices?limit=2', 'zdx', 200],
      ['GET', '/v1/nope', 'zdx', 404],
      ['GET', '/definitely/unknown', 'sim', 404],
    ]);
    for (const c of r.body) {
      expect(c.clientIp).toBe('127.0.0.1');
      expect(Math.abs(c.at - sim.clock.nowMs())).toBeLessThan(10_000);
    }
    const text = JSON.stringify(r.body);
    expect(text).not.toContain(SIM_CREDENTIALS.zdx.keySecret);
    expect(text).not.toContain(zdx.token);
    expect(sim.calls).toHaveLength(5);
  });

  it('GET /__sim/calls?since=N returns entries from index N', async () => {
    await zdx.get('/devices');
    const all = await call<CallRecord[]>(`${sim.url}/__sim/calls`);
    const tail = await call<CallRecord[]>(`${sim.url}/__sim/calls?since=2`);
    expect(tail.body).toEqual(all.body.slice(2));
    expect((await call(`${sim.url}/__sim/calls?since=-1`)).status).toBe(400);
  });
});

describe('state, reset and advance', () => {
  it('GET /__sim/state shows the clock, products, token counts and call count', async () => {
    const s = await call(`${sim.url}/__sim/state`);
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ tokens: { issued: { zpa: 0, zdx: 1, oneapi: 0 } }, calls: 2 });
    expect(Math.abs(s.body.now - Date.now())).toBeLessThan(10_000);
    expect(s.body.products.zdx).toMatchObject({ devices: 28, users: 24, traces: [], active_traces: 0 });
  });

  it('POST /__sim/advance moves the simulated clock', async () => {
    const before = sim.clock.nowMs();
    const r = await postJson(`${sim.url}/__sim/advance`, { ms: 3_600_000 });
    expect(r.status).toBe(200);
    expect(r.body.now - before).toBeGreaterThanOrEqual(3_600_000);
    expect((await postJson(`${sim.url}/__sim/advance`, { ms: 'soon' })).status).toBe(400);
    // curl -d sends a form content type; control bodies are JSON regardless.
    const curlish = await postForm(`${sim.url}/__sim/advance`, {}, {});
    expect(curlish.status).toBe(400);
    const raw = await call(`${sim.url}/__sim/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '{"ms":1000}',
    });
    expect(raw.status).toBe(200);
  });

  it('POST /__sim/reset clears traces, tokens and faults', async () => {
    await zdx.post('/devices/132559212/deeptraces', { session_name: 'x' });
    await postJson(`${sim.url}/__sim/faults`, { path: '.', status: 500, count: 5 });
    await postJson(`${sim.url}/__sim/reset`, {});
    const s = (await call(`${sim.url}/__sim/state`)).body;
    expect(s.products.zdx.traces).toEqual([]);
    expect(s.tokens.issued).toEqual({ zpa: 0, zdx: 0, oneapi: 0 });
    expect((await call(`${sim.url}/__sim/faults`)).body).toEqual([]);
    // Tokens from before the reset are forgotten: clients must sign in again.
    expect((await zdx.get('/devices')).status).toBe(401);
  });
});

describe('HTTP edges', () => {
  it('answers malformed JSON on a product route with 400', async () => {
    const r = await call(`${sim.url}/v1/devices/132559212/deeptraces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${zdx.token}`, 'content-type': 'application/json' },
      body: '{"session_name": ',
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ code: 400, message: 'Malformed JSON body' });
  });

  it('answers unknown paths with 404 JSON and wrong methods with 405', async () => {
    const r = await call(`${sim.url}/nowhere`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect((await call(`${sim.url}/__sim/nothing`)).status).toBe(404);
    expect((await call(`${sim.url}/signin`)).status).toBe(405);
    expect((await zdx.del('/devices/132559212')).status).toBe(405);
  });
});
