import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../simulator/index.js';
import { call, oneApiToken, startZdxSim, zdxClient } from './helpers.js';

let sim: RunningSimulator;
let zdx: Awaited<ReturnType<typeof zdxClient>>;
beforeAll(async () => {
  sim = await startZdxSim();
  zdx = await zdxClient(sim);
});
afterAll(async () => {
  await sim.close();
});

const ALICE_DEVICE = 132559212;
const BOB_DEVICE = 132559347;
const CAROL_DEVICES = [132559455, 132559456];
const nowSec = () => sim.clock.nowSec();

interface DevicePage {
  devices: Array<{ id: number; name: string; userid: number }>;
  next_offset: string | null;
}

async function allPages(query: string, limit?: number): Promise<{ ids: number[]; pages: number }> {
  const ids: number[] = [];
  let offset: string | null = null;
  let pages = 0;
  do {
    const params = new URLSearchParams(query);
    if (limit) params.set('limit', String(limit));
    if (offset) params.set('offset', offset);
    const r: { status: number; body: DevicePage } = await zdx.get<DevicePage>(`/devices?${params}`);
    expect(r.status).toBe(200);
    ids.push(...r.body.devices.map((d) => d.id));
    offset = r.body.next_offset;
    pages += 1;
  } while (offset !== null && pages < 100);
  return { ids, pages };
}

describe('GET /devices', () => {
  it('finds alice and carol by email in the default 2-hour window, with numeric ids', async () => {
    const r = await zdx.get<DevicePage>('/devices?emails=alice@corp.example&emails=carol@corp.example');
    expect(r.status).toBe(200);
    expect(r.body.devices.map((d) => d.id).sort()).toEqual([ALICE_DEVICE, ...CAROL_DEVICES].sort());
    expect(r.body.devices[0]).toEqual({ id: ALICE_DEVICE, name: 'ALICE-LT-7420', userid: 81234501 });
    expect(r.body.next_offset).toBeNull();
  });

  it('does not find bob (last active 6 h ago) in the default window, only in a widened one', async () => {
    const narrow = await zdx.get<DevicePage>('/devices?emails=bob@corp.example');
    expect(narrow.body.devices).toEqual([]);
    const wide = await zdx.get<DevicePage>(
      `/devices?emails=bob@corp.example&from=${nowSec() - 8 * 3600}&to=${nowSec()}`,
    );
    expect(wide.body.devices.map((d) => d.id)).toEqual([BOB_DEVICE]);
    // A window in the past that ends before bob's last activity finds him too.
    const past = await zdx.get<DevicePage>(
      `/devices?emails=bob@corp.example&from=${nowSec() - 9 * 3600}&to=${nowSec() - 7 * 3600}`,
    );
    expect(past.body.devices.map((d) => d.id)).toEqual([BOB_DEVICE]);
  });

  it('returns nothing for dave, who has no devices', async () => {
    const r = await zdx.get<DevicePage>(`/devices?emails=dave@corp.example&from=${nowSec() - 30 * 86400}`);
    expect(r.body.devices).toEqual([]);
  });

  it('filters by userids', async () => {
    const r = await zdx.get<DevicePage>('/devices?userids=81234503');
    expect(r.body.devices.map((d) => d.id)).toEqual(CAROL_DEVICES);
  });

  it('pages with next_offset (default limit 10) covering every active device exactly once', async () => {
    const first = await zdx.get<DevicePage>('/devices');
    expect(first.body.devices).toHaveLength(10);
    expect(typeof first.body.next_offset).toBe('string');

    const { ids, pages } = await allPages('');
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(25);
    expect(ids).not.toContain(BOB_DEVICE);

    const week = await allPages(`from=${nowSec() - 7 * 86400}&to=${nowSec()}`, 7);
    expect(week.ids).toHaveLength(28);
    expect(new Set(week.ids).size).toBe(28);
    expect(week.pages).toBe(4);
    expect(week.ids).toContain(BOB_DEVICE);
  });

  it.each([['limit=0'], ['limit=501'], ['limit=abc'], ['offset=garbage'], ['from=yesterday'], [`from=2000&to=1000`]])(
    'rejects %s with 400 {code, message}',
    async (q) => {
      const r = await zdx.get(`/devices?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe(400);
    },
  );

  it('is served on the OneAPI prefix /zdx/v1 as well', async () => {
    const token = await oneApiToken(sim);
    const r = await call(`${sim.url}/zdx/v1/devices?emails=alice@corp.example`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(200);
    expect(r.body.devices.map((d: { id: number }) => d.id)).toEqual([ALICE_DEVICE]);
  });
});

describe('device detail, apps and probes', () => {
  it('GET /devices/{id} has hardware, network and software blocks', async () => {
    const r = await zdx.get(`/devices/${ALICE_DEVICE}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: ALICE_DEVICE, name: 'ALICE-LT-7420' });
    expect(r.body.hardware).toMatchObject({
      hw_model: expect.any(String),
      tot_mem: expect.any(Number),
      num_cores: expect.any(Number),
    });
    expect(r.body.network[0]).toMatchObject({ ipv4: expect.stringMatching(/^10\./), ssid: expect.any(String) });
    expect(r.body.software).toMatchObject({ user: 'alice@corp.example', hostname: 'ALICE-LT-7420' });
  });

  it('GET /devices/{id} for an unknown device is 404', async () => {
    const r = await zdx.get('/devices/999');
    expect(r.status).toBe(404);
    expect(r.body.code).toBe(404);
  });

  it('GET /devices/{id}/apps lists the four apps with scores', async () => {
    const r = await zdx.get(`/devices/${ALICE_DEVICE}/apps`);
    expect(r.body.map((a: { id: number; name: string }) => [a.id, a.name])).toEqual([
      [1, 'Microsoft Outlook'],
      [2, 'Salesforce'],
      [3, 'Zoom'],
      [4, 'Payroll Portal'],
    ]);
    for (const a of r.body) expect(a.score).toBeGreaterThanOrEqual(0);
  });

  it('web probes and cloud-path probes per app', async () => {
    const web = await zdx.get(`/devices/${ALICE_DEVICE}/apps/1/web-probes`);
    expect(web.body.map((p: { id: number }) => p.id)).toEqual([101, 102]);
    expect(web.body[0]).toEqual({
      id: 101,
      name: 'Outlook Web',
      num_probes: expect.any(Number),
      avg_score: expect.any(Number),
      avg_pft: expect.any(Number),
    });
    const cp = await zdx.get(`/devices/${ALICE_DEVICE}/apps/1/cloudpath-probes`);
    expect(cp.body).toHaveLength(1);
    expect(cp.body[0]).toMatchObject({ id: 151, name: 'Outlook Cloud Path', num_probes: expect.any(Number) });
    expect(cp.body[0].avg_latencies[0]).toEqual({ leg_src: 'Client', leg_dst: 'Egress', latency: expect.any(Number) });
    expect((await zdx.get(`/devices/${ALICE_DEVICE}/apps/9/web-probes`)).status).toBe(404);
  });

  it('health metrics are categories of metric series inside the window', async () => {
    const to = nowSec();
    const r = await zdx.get(`/devices/${ALICE_DEVICE}/health-metrics?from=${to - 3600}&to=${to}`);
    expect(r.body.map((c: { category: string }) => c.category)).toEqual(['cpu', 'memory', 'disk', 'network']);
    const points = r.body[0].instances[0].metrics[0].datapoints as Array<{ timestamp: number; value: number }>;
    expect(points.length).toBeGreaterThan(5);
    for (const p of points) expect(p.timestamp).toBeGreaterThanOrEqual(to - 3600);
  });
});

describe('GET /users', () => {
  it("searches by email with q and lists the user's devices", async () => {
    const r = await zdx.get('/users?q=carol@corp.example');
    expect(r.body.users).toHaveLength(1);
    expect(r.body.users[0]).toMatchObject({ id: 81234503, name: 'Carol Chen', email: 'carol@corp.example' });
    expect(r.body.users[0].devices.map((d: { id: number }) => d.id)).toEqual(CAROL_DEVICES);
    expect(r.body.next_offset).toBeNull();
  });

  it('finds dave with an empty device list', async () => {
    const r = await zdx.get('/users?q=dave');
    expect(r.body.users).toEqual([{ id: 81234504, name: 'Dave Davis', email: 'dave@corp.example', devices: [] }]);
  });

  it('pages through all 24 users', async () => {
    const seen: number[] = [];
    let offset: string | null = '';
    while (offset !== null) {
      const r: { body: { users: Array<{ id: number }>; next_offset: string | null } } = await zdx.get(
        `/users?limit=10${offset ? `&offset=${offset}` : ''}`,
      );
      seen.push(...r.body.users.map((u) => u.id));
      offset = r.body.next_offset;
    }
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
  });

  it('GET /users/{id}', async () => {
    expect((await zdx.get('/users/81234501')).body.email).toBe('alice@corp.example');
    expect((await zdx.get('/users/1')).status).toBe(404);
  });
});

describe('the 2-hour range of the report endpoints', () => {
  it('refuses app, probe and health reads over more than 2 hours with 400, and takes exactly 2 hours', async () => {
    const to = nowSec();
    const range = (hours: number) => `from=${to - hours * 3600}&to=${to}`;
    for (const path of [
      `/devices/${ALICE_DEVICE}/apps`,
      `/devices/${ALICE_DEVICE}/apps/4/web-probes`,
      `/devices/${ALICE_DEVICE}/apps/4/cloudpath-probes`,
      `/devices/${ALICE_DEVICE}/health-metrics`,
    ]) {
      const wide = await zdx.get(`${path}?${range(24)}`);
      expect(wide.status, path).toBe(400);
      expect(String(wide.body.message), path).toMatch(/must not exceed 2 hours/);
      expect((await zdx.get(`${path}?${range(2)}`)).status, path).toBe(200);
    }
  });

  it('lets the device search look further back (it is how a user idle for hours is found)', async () => {
    const r = await zdx.get(`/devices?emails=bob@corp.example&from=${nowSec() - 24 * 3600}&to=${nowSec()}`);
    expect(r.status).toBe(200);
    expect(r.body.devices.map((d: { id: number }) => d.id)).toEqual([BOB_DEVICE]);
  });
});
