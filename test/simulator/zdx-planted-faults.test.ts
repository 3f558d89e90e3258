/**
 * Planted faults in the simulated ZDX (simulator/zdx/plantedFaults.ts), over HTTP: the seeded faulty devices' deep
 * traces carry their fault in the documented result shapes (per leg, per hop, per phase, per health metric), a
 * healthy device's do not, the option plants or clears a fault, and score analysis answers with the fault.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createZdxSimulator, startSimulator, type RunningSimulator } from '../../simulator/index.js';
import { startZdxSim, zdxClient } from './helpers.js';

const ALICE = 132559212;
const IVAN = 132560401; // wifi
const JUDY = 132560501; // server
const MALLORY = 132560601; // isp
const NIAJ = 132560701; // device

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

type Series = { metric: string; unit: string; datapoints: Array<{ timestamp: number; value: number }> };
const avg = (s: Series | undefined) => {
  const v = s!.datapoints.map((d) => d.value);
  return v.reduce((a, b) => a + b, 0) / v.length;
};

/** Runs a 5-minute trace of Outlook on the device to completion and reads every result endpoint. */
async function finishedTrace(client: typeof zdx, s: RunningSimulator, deviceId: number) {
  const started = await client.post(`/devices/${deviceId}/deeptraces`, {
    session_name: `planted-${deviceId}`,
    app_id: 1,
    web_probe_id: 101,
    cloudpath_probe_id: 151,
    session_length_minutes: 5,
    probe_device: true,
  });
  expect(started.status).toBe(200);
  s.advance(30_000 + 5 * 60_000);
  const base = `/devices/${deviceId}/deeptraces/${started.body.trace_id}`;
  const web = (await client.get<Series[]>(`${base}/webprobe-metrics`)).body;
  const legs = (
    await client.get<Array<{ leg_src: string; leg_dst: string; stats: Series[] }>>(`${base}/cloudpath-metrics`)
  ).body;
  const hops = (await client.get(`${base}/cloudpath`)).body as Array<{
    timestamp: number;
    cloudpath: {
      src: string;
      dst: string;
      hops: Array<{ ip: string; latency_avg: number; pkt_sent: number; pkt_rcvd: number }>;
    };
  }>;
  const health = (await client.get(`${base}/health-metrics`)).body as Array<{
    category: string;
    instances: Array<{ metric: string; metrics: Series[] }>;
  }>;
  const metric = (name: string) => web.find((m) => m.metric === name);
  const leg = (src: string, metricName: string) =>
    legs.find((l) => l.leg_src === src)!.stats.find((m) => m.metric === metricName);
  const healthMetric = (name: string) =>
    health.flatMap((c) => c.instances.flatMap((i) => i.metrics)).find((m) => m.metric === name);
  const hopLoss = (i: number) => {
    const all = hops.map((h) => h.cloudpath.hops[i]!);
    return (100 * all.reduce((a, h) => a + h.pkt_sent - h.pkt_rcvd, 0)) / all.reduce((a, h) => a + h.pkt_sent, 0);
  };
  const hopLatency = (i: number) => hops.reduce((a, h) => a + h.cloudpath.hops[i]!.latency_avg, 0) / hops.length;
  return { started, web, legs, hops, health, metric, leg, healthMetric, hopLoss, hopLatency };
}

describe('planted faults', () => {
  it('lists the seeded faulty devices in the state', () => {
    const state = sim.state() as unknown as {
      products: { zdx: { planted_faults: Record<string, { device: string; fault: string }> } };
    };
    expect(state.products.zdx.planted_faults).toEqual({
      [IVAN]: { device: 'IVAN-LT-A79', fault: 'wifi' },
      [JUDY]: { device: 'JUDY-MBP-A26', fault: 'server' },
      [MALLORY]: { device: 'MALLORY-LT-A63', fault: 'isp' },
      [NIAJ]: { device: 'NIAJ-LT-A10', fault: 'device' },
    });
  });

  it('a healthy device: every phase, leg and hop in normal ranges, hops in the documented shape', async () => {
    const t = await finishedTrace(zdx, sim, ALICE);
    expect(t.web.map((m) => m.metric)).toEqual([
      'score',
      'pft',
      'dns_time',
      'tcp_connect_time',
      'ssl_handshake_time',
      'server_response_time',
      'availability',
    ]);
    expect(avg(t.metric('server_response_time'))).toBeLessThan(400);
    expect(avg(t.leg('Client', 'latency_avg'))).toBeLessThan(15);
    expect(avg(t.leg('Egress', 'packet_loss'))).toBeLessThan(1);
    expect(avg(t.healthMetric('wifi_signal'))).toBeGreaterThan(60);
    expect(t.hops.length).toBeGreaterThanOrEqual(5);
    expect(t.hops[0]).toMatchObject({
      timestamp: expect.any(Number),
      cloudpath: {
        src: 'ALICE-LT-7420',
        dst: 'outlook.office365.com',
        num_hops: 6,
        latency: expect.any(Number),
        loss: expect.any(Number),
        num_unresp_hops: 0,
        tunnel_type: expect.any(String),
      },
    });
    expect(Object.keys(t.hops[0]!.cloudpath.hops[0]!).sort()).toEqual(
      [
        'gw_mac',
        'gw_mac_vendor',
        'ip',
        'latency_avg',
        'latency_diff',
        'latency_max',
        'latency_min',
        'pkt_rcvd',
        'pkt_sent',
      ].sort(),
    );
    for (let i = 0; i < 6; i++) expect(t.hopLoss(i)).toBe(0);
  });

  it('wifi: a lossy client leg from the first hop on, and a weak signal', async () => {
    const t = await finishedTrace(zdx, sim, IVAN);
    expect(avg(t.leg('Client', 'packet_loss'))).toBeGreaterThan(5);
    expect(avg(t.leg('Client', 'latency_avg'))).toBeGreaterThan(35);
    expect(avg(t.leg('Egress', 'packet_loss'))).toBeLessThan(1);
    expect(avg(t.healthMetric('wifi_signal'))).toBeLessThan(35);
    expect(t.hopLoss(0)).toBeGreaterThan(5);
    expect(t.hopLatency(0)).toBeGreaterThan(40);
  });

  it('server: a slow server phase in the web probe, the network fine', async () => {
    const t = await finishedTrace(zdx, sim, JUDY);
    expect(avg(t.metric('server_response_time'))).toBeGreaterThan(3_500);
    expect(avg(t.metric('pft'))).toBeGreaterThan(avg(t.metric('server_response_time')));
    expect(avg(t.metric('dns_time'))).toBeLessThan(50);
    expect(avg(t.leg('Client', 'packet_loss'))).toBeLessThan(1);
    expect(t.hopLoss(2)).toBe(0);
  });

  it('isp: a congested hop 3 (latency and loss from there on) and a slow Egress → ZIA Service Edge leg', async () => {
    const t = await finishedTrace(zdx, sim, MALLORY);
    expect(t.hopLatency(1)).toBeLessThan(12);
    expect(t.hopLatency(2) - t.hopLatency(1)).toBeGreaterThan(90);
    expect(t.hopLoss(1)).toBe(0);
    expect(t.hopLoss(2)).toBeGreaterThan(2);
    expect(t.hopLoss(5)).toBeGreaterThan(2);
    expect(t.hops[0]!.cloudpath.hops[2]!.ip).toBe('203.0.113.9');
    expect(avg(t.leg('Egress', 'latency_avg'))).toBeGreaterThan(100);
    expect(avg(t.leg('Client', 'latency_avg'))).toBeLessThan(15);
  });

  it('device: CPU and memory near full', async () => {
    const t = await finishedTrace(zdx, sim, NIAJ);
    expect(avg(t.healthMetric('cpu_total'))).toBeGreaterThan(90);
    expect(avg(t.healthMetric('mem_used_pct'))).toBeGreaterThan(90);
  });
});

describe('score analysis', () => {
  it('is not finished at once, then names the planted fault; stopped with DELETE', async () => {
    const started = await zdx.post('/analysis', { device_id: IVAN, app_id: 1, t0: 1_800_000_000, t1: 1_800_000_330 });
    expect(started.status).toBe(200);
    const id = started.body.analysis_id as string;
    expect(id).toMatch(/^\d+$/);
    expect((await zdx.get(`/analysis/${id}`)).body).toEqual({ err_msg: '', result: null });
    sim.advance(2_000);
    expect((await zdx.get(`/analysis/${id}`)).body).toEqual({
      err_msg: '',
      result: {
        issue: 'Wi-Fi',
        confidence: 85,
        message: expect.stringContaining('Wi-Fi'),
        times: [1_800_000_000, 1_800_000_330],
      },
    });
    expect((await zdx.del(`/analysis/${id}`)).status).toBe(200);
    expect((await zdx.get(`/analysis/${id}`)).status).toBe(404);
  });

  it('finds no issue on a healthy device', async () => {
    const { body } = await zdx.post('/analysis', { device_id: ALICE, app_id: 1, t0: 1_800_000_000, t1: 1_800_000_330 });
    sim.advance(2_000);
    expect((await zdx.get(`/analysis/${body.analysis_id}`)).body.result).toEqual({
      issue: '',
      confidence: 0,
      message: 'No issue found',
      times: [],
    });
  });

  it('refuses a start that names no device, no app or a backwards range', async () => {
    const bad = [
      { app_id: 1, t0: 1, t1: 2 },
      { device_id: ALICE, app_id: 99, t0: 1, t1: 2 },
      { device_id: ALICE, app_id: 1, t0: 5, t1: 2 },
    ];
    for (const b of bad) expect((await zdx.post('/analysis', b)).status).toBe(400);
  });
});

describe('the plantedFaults option', () => {
  it('plants a fault on any device and clears a seeded one', async () => {
    const other = await startSimulator({
      products: (clock) => [
        createZdxSimulator(clock, { rateLimit: false, plantedFaults: { [ALICE]: 'isp', [IVAN]: 'none' } }),
      ],
    });
    try {
      const client = await zdxClient(other);
      const alice = await finishedTrace(client, other, ALICE);
      expect(alice.hopLoss(2)).toBeGreaterThan(2);
      const ivan = await finishedTrace(client, other, IVAN);
      expect(avg(ivan.leg('Client', 'packet_loss'))).toBeLessThan(1);
      expect(() => createZdxSimulator(other.clock, { plantedFaults: { [ALICE]: 'gremlins' as never } })).toThrow(
        /unknown planted fault gremlins/,
      );
    } finally {
      await other.close();
    }
  });
});
