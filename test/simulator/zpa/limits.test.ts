import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, makeSim, policySetId, ruleList, V1 } from './helpers.js';

type Counters = { requests: number; writes: number; r429: number; r409: number };
const counters = (sim: ReturnType<typeof makeSim>) => (sim.state() as { counters: Counters }).counters;

afterEach(() => {
  vi.useRealTimers();
});

describe('ZPA rate limits (20 GET / 10 writes per 10 s per IP)', () => {
  it('answers the 21st GET with the recorded 429 body and retry-after: <N>s', async () => {
    vi.setSystemTime(new Date('2026-03-13T02:44:00Z'));
    const sim = makeSim({ rateLimits: undefined });
    for (let i = 0; i < 20; i++) expect((await call(sim, 'GET', `${V1}/segmentGroup`)).status).toBe(200);
    const limited = await call(sim, 'GET', `${V1}/segmentGroup`);
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      exception: 'invalid.toomanyrequests',
      id: 'invalid.toomanyrequests',
      reason: 'Exceeded the number of requests allowed.',
    });
    expect(limited.headers).toEqual({ 'retry-after': '10s' });
    expect(counters(sim).r429).toBe(1);
  });

  it('uses a fixed window that starts at the first call, with retry-after rounded up', async () => {
    vi.setSystemTime(new Date('2026-03-13T02:44:00.000Z'));
    const sim = makeSim({ rateLimits: { getPer10s: 2, writePer10s: 10 } });
    await call(sim, 'GET', `${V1}/segmentGroup`);
    vi.setSystemTime(new Date('2026-03-13T02:44:05.500Z'));
    await call(sim, 'GET', `${V1}/segmentGroup`);
    expect((await call(sim, 'GET', `${V1}/segmentGroup`)).headers).toEqual({ 'retry-after': '5s' });
    vi.setSystemTime(new Date('2026-03-13T02:44:09.999Z'));
    expect((await call(sim, 'GET', `${V1}/segmentGroup`)).headers).toEqual({ 'retry-after': '1s' });
    vi.setSystemTime(new Date('2026-03-13T02:44:10.000Z'));
    expect((await call(sim, 'GET', `${V1}/segmentGroup`)).status).toBe(200);
  });

  it('counts writes separately (10 per window) and per client IP', async () => {
    vi.setSystemTime(new Date('2026-03-13T02:44:00Z'));
    const sim = makeSim({ rateLimits: undefined });
    for (let i = 0; i < 10; i++)
      expect((await call(sim, 'POST', `${V1}/segmentGroup`, { body: { name: `g${i}` } })).status).toBe(201);
    const eleventh = await call(sim, 'POST', `${V1}/segmentGroup`, { body: { name: 'g10' } });
    expect(eleventh.status).toBe(429);
    expect(eleventh.headers?.['retry-after']).toMatch(/^\d+s$/);
    expect((await call(sim, 'GET', `${V1}/segmentGroup`)).status).toBe(200);
    expect((await call(sim, 'POST', `${V1}/segmentGroup`, { body: { name: 'other-ip' }, ip: '10.9.9.9' })).status).toBe(
      201,
    );
    expect(counters(sim)).toMatchObject({ requests: 13, writes: 11, r429: 1 });
  });

  it('can be disabled with rateLimits: false', async () => {
    const sim = makeSim({ rateLimits: false });
    for (let i = 0; i < 30; i++) expect((await call(sim, 'GET', `${V1}/segmentGroup`)).status).toBe(200);
  });
});

describe('ZPA concurrent policy-set writes', () => {
  const CONFLICT = {
    id: 'api.concurrent.access.error',
    reason: 'Unable to modify the resource due to concurrent change requests. Try again',
    params: ['com.zscaler.zpn.model.PolicySet'],
  };

  it('answers 409 to a second write on the same policy set while the first is in flight', async () => {
    const sim = makeSim({ concurrencyWindowMs: 50 });
    const ps = await policySetId(sim, 'CLIENT_FORWARDING_POLICY');
    const [a, b] = await Promise.all([
      call(sim, 'POST', `${V1}/policySet/${ps}/rule`, { body: { name: 'a' } }),
      call(sim, 'POST', `${V1}/policySet/${ps}/rule`, { body: { name: 'b' } }),
    ]);
    expect([a.status, b.status]).toEqual([201, 409]);
    expect(b.json).toEqual(CONFLICT);
    expect(counters(sim).r409).toBe(1);
    expect((await ruleList(sim, 'CLIENT_FORWARDING_POLICY')).map((r) => r.name)).toEqual([
      'Existing intercept rule',
      'a',
      'Default_Rule',
    ]);
  });

  it('locks across create, update, delete and both reorders', async () => {
    const sim = makeSim({ concurrencyWindowMs: 50 });
    const ps = await policySetId(sim, 'CLIENT_FORWARDING_POLICY');
    const [existing, def] = (await ruleList(sim, 'CLIENT_FORWARDING_POLICY')).map((r) => r.id);
    const results = await Promise.all([
      call(sim, 'PUT', `${V1}/policySet/${ps}/rule/${existing}`, { body: { name: 'renamed', action: 'BYPASS' } }),
      call(sim, 'PUT', `${V1}/policySet/${ps}/rule/${existing}/reorder/1`),
      call(sim, 'PUT', `${V1}/policySet/${ps}/reorder`, { body: [existing, def] }),
      call(sim, 'DELETE', `${V1}/policySet/${ps}/rule/${existing}`),
    ]);
    expect(results.map((r) => r.status)).toEqual([204, 409, 409, 409]);
    expect(counters(sim).r409).toBe(3);
  });

  it('lets writes to different policy sets and sequential writes through', async () => {
    const sim = makeSim({ concurrencyWindowMs: 50 });
    const [fwd, access] = [await policySetId(sim, 'CLIENT_FORWARDING_POLICY'), await policySetId(sim, 'ACCESS_POLICY')];
    const both = await Promise.all([
      call(sim, 'POST', `${V1}/policySet/${fwd}/rule`, { body: { name: 'f' } }),
      call(sim, 'POST', `${V1}/policySet/${access}/rule`, { body: { name: 'a' } }),
    ]);
    expect(both.map((r) => r.status)).toEqual([201, 201]);
    expect((await call(sim, 'POST', `${V1}/policySet/${fwd}/rule`, { body: { name: 'g' } })).status).toBe(201);
    expect(counters(sim).r409).toBe(0);
  });
});

describe('ZPA state() and reset()', () => {
  it('reports segments, groups, policy sets, ordered rules and counters, and reset() restores the seed with the same ids', async () => {
    const sim = makeSim();
    const seeded = JSON.stringify(sim.state());
    const state = sim.state() as any;
    expect(state.segments).toHaveLength(60);
    expect(state.segmentGroups.map((g: any) => g.name)).toEqual([
      'Finance Apps',
      'Engineering',
      'Corporate',
      'Subsidiary EU Apps',
    ]);
    expect(state.policySets.map((p: any) => [p.typeName, p.policyType])).toEqual([
      ['ACCESS_POLICY', '1'],
      ['TIMEOUT_POLICY', '2'],
      ['CLIENT_FORWARDING_POLICY', '4'],
      ['ISOLATION_POLICY', '5'],
    ]);
    expect(state.rules.CLIENT_FORWARDING_POLICY.map((r: any) => r.name)).toEqual([
      'Existing intercept rule',
      'Default_Rule',
    ]);
    const ps = await policySetId(sim, 'CLIENT_FORWARDING_POLICY');
    await call(sim, 'POST', `${V1}/policySet/${ps}/rule`, { body: { name: 'temp' } });
    expect((sim.state() as any).counters).toEqual({ requests: 2, writes: 1, r429: 0, r409: 0 });
    sim.reset();
    const again = sim.state() as any;
    expect(again.rules.CLIENT_FORWARDING_POLICY).toHaveLength(2);
    expect(again.counters).toEqual({ requests: 0, writes: 0, r429: 0, r409: 0 });
    const ids = (s: any) => [...s.segments.map((x: any) => x.id), ...s.policySets.map((x: any) => x.id)];
    expect(ids(again)).toEqual(ids(JSON.parse(seeded)));
  });
});
