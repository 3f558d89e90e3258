import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../simulator/index.js';
import { postJson, startZdxSim, zdxClient } from './helpers.js';

let sim: RunningSimulator;
let zdx: Awaited<ReturnType<typeof zdxClient>>;
beforeAll(async () => {
  sim = await startZdxSim();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  zdx = await zdxClient(sim);
});

const ALICE = 132559212;
const CAROL = 132559455;
const start = {
  session_name: 'incident-42',
  app_id: 1,
  web_probe_id: 101,
  cloudpath_probe_id: 151,
  session_length_minutes: 15,
  probe_device: true,
};

describe('deep trace lifecycle', () => {
  it('goes not_started → started → completed on the simulated clock', async () => {
    const created = await zdx.post(`/devices/${ALICE}/deeptraces`, start);
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ trace_id: expect.any(Number), status: 'not_started', expected_time: 15 });
    const id = created.body.trace_id as number;

    const t0 = await zdx.get(`/devices/${ALICE}/deeptraces/${id}`);
    expect(t0.body).toMatchObject({
      trace_id: id,
      status: 'not_started',
      started_at: null,
      ended_at: null,
      expected_time_minutes: 15,
    });
    expect(t0.body.trace_details).toEqual({
      session_name: 'incident-42',
      user_id: 81234501,
      username: 'alice@corp.example',
      device_id: ALICE,
      device_name: 'ALICE-LT-7420',
      app_id: 1,
      app_name: 'Microsoft Outlook',
      web_probe_id: 101,
      web_probe_name: 'Outlook Web',
      cloudpath_probe_id: 151,
      cloud_path_name: 'Outlook Cloud Path',
      session_length: 15,
      probe_device: true,
    });
    expect(t0.body.created_at).toBe(Math.floor(t0.body.created_at));
    expect((await zdx.get(`/devices/${ALICE}/deeptraces/${id}/webprobe-metrics`)).body).toEqual([]);
    expect((await zdx.get(`/devices/${ALICE}/deeptraces/${id}/health-metrics`)).body).toEqual([]);

    await postJson(`${sim.url}/__sim/advance`, { ms: 31_000 });
    const t1 = await zdx.get(`/devices/${ALICE}/deeptraces/${id}`);
    expect(t1.body.status).toBe('started');
    expect(t1.body.started_at).toBe(t0.body.created_at + 30);
    expect(t1.body.ended_at).toBeNull();

    sim.advance(5 * 60_000);
    const web = await zdx.get(`/devices/${ALICE}/deeptraces/${id}/webprobe-metrics`);
    expect(web.body.map((s: { metric: string }) => s.metric)).toContain('pft');
    expect(web.body[0].datapoints.length).toBeGreaterThanOrEqual(5);
    const cp = await zdx.get(`/devices/${ALICE}/deeptraces/${id}/cloudpath-metrics`);
    expect(cp.body[0]).toMatchObject({ leg_src: 'Client', leg_dst: 'Egress', stats: expect.any(Array) });
    const health = await zdx.get(`/devices/${ALICE}/deeptraces/${id}/health-metrics`);
    expect(health.body[0]).toMatchObject({ category: 'cpu', instances: expect.any(Array) });

    sim.advance(10 * 60_000);
    const t2 = await zdx.get(`/devices/${ALICE}/deeptraces/${id}`);
    expect(t2.body.status).toBe('completed');
    expect(t2.body.ended_at).toBe(t1.body.started_at + 15 * 60);
  });

  it('accepts the trace id in the path and lists sessions per device', async () => {
    const { body } = await zdx.post(`/devices/${CAROL}/deeptraces`, { session_name: 'minimal' });
    const list = await zdx.get(`/devices/${CAROL}/deeptraces`);
    expect(list.body).toHaveLength(1);
    expect(list.body[0].trace_id).toBe(body.trace_id);
    expect(list.body[0].trace_details.session_length).toBe(5);
    expect(list.body[0].trace_details.probe_device).toBe(false);
    expect((await zdx.get(`/devices/${ALICE}/deeptraces`)).body).toEqual([]);
    // Another device's id space: the trace is not found there.
    expect((await zdx.get(`/devices/${ALICE}/deeptraces/${body.trace_id}`)).status).toBe(404);
  });

  it('accepts the Go SDK spelling cloud_path_probe_id', async () => {
    const { body } = await zdx.post(`/devices/${ALICE}/deeptraces`, { session_name: 'go', cloud_path_probe_id: 351 });
    const t = await zdx.get(`/devices/${ALICE}/deeptraces/${body.trace_id}`);
    expect(t.body.trace_details).toMatchObject({
      cloudpath_probe_id: 351,
      cloud_path_name: 'Zoom Cloud Path',
      app_id: 3,
    });
  });
});

describe('deep trace limits and deletion', () => {
  it('allows only one active trace per device (409), and a new one after completion', async () => {
    expect(
      (await zdx.post(`/devices/${ALICE}/deeptraces`, { session_name: 'a', session_length_minutes: 5 })).status,
    ).toBe(200);
    const second = await zdx.post(`/devices/${ALICE}/deeptraces`, { session_name: 'b' });
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ code: 409, message: 'A deep trace session is already in progress for this device' });
    expect((await zdx.post(`/devices/${CAROL}/deeptraces`, { session_name: 'c' })).status).toBe(200);

    sim.advance(30_000 + 5 * 60_000);
    expect((await zdx.post(`/devices/${ALICE}/deeptraces`, { session_name: 'd' })).status).toBe(200);
  });

  it('DELETE stops and removes the trace, freeing the device', async () => {
    const { body } = await zdx.post(`/devices/${ALICE}/deeptraces`, start);
    sim.advance(60_000);
    const del = await zdx.del(`/devices/${ALICE}/deeptraces/${body.trace_id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ trace_id: body.trace_id });
    expect((await zdx.get(`/devices/${ALICE}/deeptraces/${body.trace_id}`)).status).toBe(404);
    expect((await zdx.get(`/devices/${ALICE}/deeptraces`)).body).toEqual([]);
    expect((await zdx.del(`/devices/${ALICE}/deeptraces/${body.trace_id}`)).status).toBe(404);
    expect((await zdx.post(`/devices/${ALICE}/deeptraces`, start)).status).toBe(200);
  });

  it('caps active traces at 15 tenant-wide', async () => {
    const { body } = await zdx.get('/devices?limit=20');
    const ids = (body.devices as Array<{ id: number }>).map((d) => d.id);
    for (const id of ids.slice(0, 15))
      expect((await zdx.post(`/devices/${id}/deeptraces`, { session_name: 'bulk' })).status).toBe(200);
    const over = await zdx.post(`/devices/${ids[15]}/deeptraces`, { session_name: 'one too many' });
    expect(over.status).toBe(409);
    expect(over.body.message).toMatch(/15/);
    const state = sim.state().products.zdx as { active_traces: number; traces: unknown[] };
    expect(state.active_traces).toBe(15);
  });

  it.each([
    ['no session_name', { app_id: 1 }],
    ['an empty session_name', { session_name: '  ' }],
    ['session_length_minutes 10', { session_name: 'x', session_length_minutes: 10 }],
    ['an unknown web probe', { session_name: 'x', web_probe_id: 999 }],
    ['a probe of another app', { session_name: 'x', app_id: 2, web_probe_id: 101 }],
    ['a non-boolean probe_device', { session_name: 'x', probe_device: 'yes' }],
    ['a non-object body', ['session_name']],
  ])('rejects %s with 400 {code, message}', async (_label, body) => {
    const r = await zdx.post(`/devices/${ALICE}/deeptraces`, body);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(400);
    expect(typeof r.body.message).toBe('string');
  });

  it('answers 404 for an unknown device', async () => {
    const r = await zdx.post('/devices/12345/deeptraces', { session_name: 'x' });
    expect(r.status).toBe(404);
  });

  it('state() reports traces with device and user, and per-device counts', async () => {
    const { body } = await zdx.post(`/devices/${CAROL}/deeptraces`, start);
    const state = sim.state().products.zdx as {
      traces: Array<Record<string, unknown>>;
      per_device: Record<string, { traces: number; active_traces: number; requests: number }>;
    };
    expect(state.traces).toHaveLength(1);
    expect(state.traces[0]).toMatchObject({
      trace_id: body.trace_id,
      device: 'CAROL-LT-T14',
      user: 'carol@corp.example',
      status: 'not_started',
    });
    expect(state.per_device[String(CAROL)]).toEqual({ requests: 1, traces: 1, active_traces: 1 });
  });
});
