/**
 * ZDX report endpoints for devices, their apps and probes, and users (docs/zscaler-api.md §3.2). Paths are relative
 * to `/v1` (legacy) or `/zdx/v1` (OneAPI); server.ts strips the prefix.
 */
import type { SimClock } from '../clock.js';
import { json, type Router, type SimReply, type SimRequest } from '../router.js';
import { CLOUD_PATH_LEGS, LATENCY_METRICS, WEB_PROBE_METRICS, healthMetrics, series } from './metrics.js';
import { intListParam, listParam, paginate, parseReportWindow, parseWindow, pathId, zdxError } from './query.js';
import type { PlantedFault } from './plantedFaults.js';
import { appScore, noise, type ZdxApp, type ZdxDevice, type ZdxSeed, type ZdxUser } from './seed.js';

export interface ZdxContext {
  clock: SimClock;
  seed: ZdxSeed;
  device(id: number | undefined): ZdxDevice | undefined;
  user(id: number | undefined): ZdxUser | undefined;
  /** Counts a request against a device, for `state()`. */
  touch(deviceId: number): void;
  /** The fault planted on the device (the seed's, or the `plantedFaults` option's), if any; absent: none at all. */
  faultOf?(deviceId: number): PlantedFault | undefined;
}

const ACTIVE_HISTORY_SEC = 30 * 86400;
const lastActive = (ctx: ZdxContext, d: ZdxDevice) => ctx.clock.nowSec() - d.idleSec;

export function registerDeviceRoutes(router: Router, ctx: ZdxContext): void {
  const withDevice = (handler: (d: ZdxDevice, req: SimRequest) => SimReply) => (req: SimRequest) => {
    const d = ctx.device(pathId(req.params.deviceId));
    if (!d) return zdxError(404, `Device ${req.params.deviceId} not found`);
    ctx.touch(d.id);
    return handler(d, req);
  };
  const withApp = (handler: (d: ZdxDevice, app: ZdxApp, req: SimRequest) => SimReply) =>
    withDevice((d, req) => {
      const app = ctx.seed.apps.find((a) => a.id === pathId(req.params.appId));
      return app ? handler(d, app, req) : zdxError(404, `App ${req.params.appId} not found for device ${d.id}`);
    });

  router
    .add('GET', '/devices', (req) => {
      const { from, to } = parseWindow(req.query, ctx.clock.nowSec());
      const emails = listParam(req.query, 'emails').map((e) => e.toLowerCase());
      const userIds = intListParam(req.query, 'userids');
      const matching = ctx.seed.devices.filter((d) => {
        const u = ctx.user(d.userId);
        if (emails.length > 0 && !emails.includes(u?.email ?? '')) return false;
        if (userIds.length > 0 && !userIds.includes(d.userId)) return false;
        // A device is in the window when it was active during it. Seeded devices have reported for 30 days
        // up to their last activity, so bob (idle 6 h) misses the default 2-hour window but not a wider one.
        const last = lastActive(ctx, d);
        return last >= from && last - ACTIVE_HISTORY_SEC <= to;
      });
      const { page, next_offset } = paginate(matching, req.query);
      return json(200, { devices: page.map((d) => ({ id: d.id, name: d.name, userid: d.userId })), next_offset });
    })
    .add(
      'GET',
      '/devices/:deviceId',
      withDevice((d) => json(200, deviceDetail(d, ctx.user(d.userId)))),
    )
    .add(
      'GET',
      '/devices/:deviceId/apps',
      withDevice((d, req) => {
        parseReportWindow(req.query, ctx.clock.nowSec());
        return json(
          200,
          ctx.seed.apps.map((a) => ({ id: a.id, name: a.name, score: appScore(d.id, a) })),
        );
      }),
    )
    .add(
      'GET',
      '/devices/:deviceId/apps/:appId',
      withApp((d, app, req) => {
        const { from, to } = parseReportWindow(req.query, ctx.clock.nowSec());
        const base = appScore(d.id, app);
        return json(200, series({ metric: 'score', unit: '', base, spread: 6 }, d.id + app.id, from, to, 300));
      }),
    )
    .add(
      'GET',
      '/devices/:deviceId/apps/:appId/web-probes',
      withApp((d, app, req) => {
        parseReportWindow(req.query, ctx.clock.nowSec());
        return json(
          200,
          app.webProbes.map((p) => ({
            id: p.id,
            name: p.name,
            num_probes: 24,
            avg_score: Math.round(appScore(d.id, app) - 3 + noise(d.id, p.id) * 6),
            avg_pft: Math.round(500 + noise(p.id, d.id) * 900),
          })),
        );
      }),
    )
    .add(
      'GET',
      '/devices/:deviceId/apps/:appId/web-probes/:probeId',
      withApp((d, app, req) => {
        const probe = app.webProbes.find((p) => p.id === pathId(req.params.probeId));
        if (!probe) return zdxError(404, `Web probe ${req.params.probeId} not found`);
        const { from, to } = parseReportWindow(req.query, ctx.clock.nowSec());
        return json(
          200,
          WEB_PROBE_METRICS.map((m) => series(m, d.id + probe.id, from, to, 300)),
        );
      }),
    )
    .add(
      'GET',
      '/devices/:deviceId/apps/:appId/cloudpath-probes',
      withApp((d, app, req) => {
        parseReportWindow(req.query, ctx.clock.nowSec());
        const p = app.cloudPathProbe;
        const avg_latencies = CLOUD_PATH_LEGS.map((l) => ({
          leg_src: l.leg_src,
          leg_dst: l.leg_dst,
          latency: Math.round((l.base + noise(d.id, p.id, l.base) * l.base) * 10) / 10,
        }));
        return json(200, [{ id: p.id, name: p.name, num_probes: 24, avg_latencies }]);
      }),
    )
    .add(
      'GET',
      '/devices/:deviceId/apps/:appId/cloudpath-probes/:probeId',
      withApp((d, app, req) => {
        if (app.cloudPathProbe.id !== pathId(req.params.probeId))
          return zdxError(404, `Cloud path probe ${req.params.probeId} not found`);
        const { from, to } = parseReportWindow(req.query, ctx.clock.nowSec());
        return json(
          200,
          CLOUD_PATH_LEGS.map((l) => ({
            leg_src: l.leg_src,
            leg_dst: l.leg_dst,
            stats: LATENCY_METRICS.map((m) => series(m, d.id + l.base, from, to, 300)),
          })),
        );
      }),
    )
    .add(
      'GET',
      '/devices/:deviceId/health-metrics',
      withDevice((d, req) => {
        const { from, to } = parseReportWindow(req.query, ctx.clock.nowSec());
        return json(200, healthMetrics(d.id, from, to, 300));
      }),
    )
    .add('GET', '/apps', () =>
      json(
        200,
        ctx.seed.apps.map((a) => {
          const scores = ctx.seed.devices.map((d) => appScore(d.id, a));
          const score = Math.round(scores.reduce((s, v) => s + v, 0) / Math.max(1, scores.length));
          return { id: a.id, name: a.name, score, total_users: new Set(ctx.seed.devices.map((d) => d.userId)).size };
        }),
      ),
    )
    .add('GET', '/users', (req) => {
      parseWindow(req.query, ctx.clock.nowSec());
      const q = (req.query.get('q') ?? '').toLowerCase();
      // Users are listed whatever the window (so a user without devices, like dave, can still be found).
      const matching = ctx.seed.users.filter((u) => !q || u.email.includes(q) || u.name.toLowerCase().includes(q));
      const { page, next_offset } = paginate(matching, req.query);
      return json(200, { users: page.map((u) => userView(ctx, u)), next_offset });
    })
    .add('GET', '/users/:userId', (req) => {
      const u = ctx.user(pathId(req.params.userId));
      return u ? json(200, userView(ctx, u)) : zdxError(404, `User ${req.params.userId} not found`);
    });
}

function userView(ctx: ZdxContext, u: ZdxUser) {
  const devices = ctx.seed.devices
    .filter((d) => d.userId === u.id)
    .map((d) => ({
      id: d.id,
      name: d.name,
      geo_loc: [
        {
          id: 'us-ca-sanjose',
          city: 'San Jose',
          state: 'California',
          country: 'United States',
          geo_lat: 37.33,
          geo_long: -121.89,
          geo_detection: 'ip',
        },
      ],
      zs_loc: [{ id: 58712, name: 'HQ-SanJose' }],
    }));
  return { id: u.id, name: u.name, email: u.email, devices };
}

function deviceDetail(d: ZdxDevice, user: ZdxUser | undefined) {
  const mac = d.os === 'macOS';
  const octet = d.id % 250;
  const hex = (n: number) => (n % 256).toString(16).padStart(2, '0');
  const macAddr = ['3c', '22', 'fb', hex(d.id >> 16), hex(d.id >> 8), hex(d.id)].join(':');
  return {
    id: d.id,
    name: d.name,
    hardware: {
      hw_model: d.model,
      hw_mfg: mac ? 'Apple Inc.' : d.model.startsWith('ThinkPad') ? 'LENOVO' : 'Dell Inc.',
      hw_type: d.name.includes('-DT-') ? 'Desktop' : 'Laptop',
      hw_serial: `ZS${d.id}`,
      tot_mem: 16384,
      gpu: mac ? 'Apple M1 Pro' : 'Intel Iris Xe Graphics',
      disk_size: 512,
      disk_model: mac ? 'APPLE SSD AP0512R' : 'PC SN810 NVMe WDC 512GB',
      disk_type: 'SSD',
      cpu_mfg: mac ? 'Apple' : 'GenuineIntel',
      cpu_model: mac ? 'Apple M1 Pro' : '11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz',
      speed_ghz: mac ? 3.2 : 3.0,
      logical_proc: mac ? 10 : 8,
      num_cores: mac ? 10 : 4,
    },
    network: [
      {
        net_type: 'Wireless',
        status: 'Connected',
        ipv4: `10.20.${octet}.${((d.id >> 8) % 250) + 2}`,
        ipv6: '',
        dns_srvs: '10.0.0.53,10.0.1.53',
        dns_suffix: 'corp.example',
        gateway: `10.20.${octet}.1`,
        mac: macAddr,
        guid: `{${d.id.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000}`,
        wifi_adapter: mac ? 'Apple Wi-Fi' : 'Intel(R) Wi-Fi 6 AX201',
        wifi_type: '802.11ax',
        ssid: 'CORP-WIFI',
        channel: '36',
        bssid: 'a4:5d:36:10:20:30',
      },
    ],
    software: {
      os_name: mac ? 'macOS' : 'Microsoft Windows 11 Enterprise',
      os_ver: mac ? '14.5' : '10.0',
      os_build: mac ? '23F79' : '22631',
      hostname: d.name,
      netbios: d.name.slice(0, 15),
      user: user?.email ?? '',
      client_conn_ver: '4.4.0.389',
      zdx_ver: '4.4.0.389',
    },
  };
}
