/**
 * Plausible, deterministic metric series for ZDX replies: `{metric, unit, datapoints:[{timestamp, value}]}`.
 */
import { HEALTH_FAULTS, HOP_FAULTS, LEG_FAULTS, WEB_PROBE_FAULTS, type PlantedFault } from './plantedFaults.js';
import { noise } from './seed.js';

export interface Datapoint {
  timestamp: number;
  value: number;
}

export interface Series {
  metric: string;
  unit: string;
  datapoints: Datapoint[];
}

/** At most this many points per series; long windows are sampled more coarsely. */
const MAX_POINTS = 120;

export interface SeriesSpec {
  metric: string;
  unit: string;
  base: number;
  spread: number;
  /** Round to this many decimals; default 0. */
  decimals?: number;
}

/** One series over [from, to] (epoch seconds) at `stepSec`, aligned to the step. */
export function series(spec: SeriesSpec, seed: number, from: number, to: number, stepSec: number): Series {
  const step = Math.max(stepSec, Math.ceil((to - from) / MAX_POINTS / stepSec) * stepSec);
  const datapoints: Datapoint[] = [];
  const f = 10 ** (spec.decimals ?? 0);
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const raw = spec.base + (noise(seed, t, spec.metric.length) - 0.5) * 2 * spec.spread;
    datapoints.push({ timestamp: t, value: Math.max(0, Math.round(raw * f) / f) });
  }
  return { metric: spec.metric, unit: spec.unit, datapoints };
}

export const WEB_PROBE_METRICS: SeriesSpec[] = [
  { metric: 'score', unit: '', base: 80, spread: 12 },
  { metric: 'pft', unit: 'ms', base: 850, spread: 300 },
  { metric: 'dns_time', unit: 'ms', base: 18, spread: 10 },
  { metric: 'tcp_connect_time', unit: 'ms', base: 25, spread: 10 },
  { metric: 'ssl_handshake_time', unit: 'ms', base: 45, spread: 15 },
  { metric: 'server_response_time', unit: 'ms', base: 220, spread: 90 },
  { metric: 'availability', unit: '%', base: 99.5, spread: 0.5, decimals: 1 },
];

export const LATENCY_METRICS: SeriesSpec[] = [
  { metric: 'latency_avg', unit: 'ms', base: 24, spread: 10, decimals: 1 },
  { metric: 'packet_loss', unit: '%', base: 0.3, spread: 0.3, decimals: 2 },
  { metric: 'num_hops', unit: '', base: 11, spread: 3 },
];

/** The legs ZDX measures for a cloud path (docs/zscaler-api.md §3.2: End-to-End, Client–Egress, Egress–App...). */
export const CLOUD_PATH_LEGS: Array<{ leg_src: string; leg_dst: string; base: number }> = [
  { leg_src: 'Client', leg_dst: 'Egress', base: 4 },
  { leg_src: 'Egress', leg_dst: 'ZIA Service Edge', base: 9 },
  { leg_src: 'ZIA Service Edge', leg_dst: 'Application', base: 14 },
  { leg_src: 'Client', leg_dst: 'Application', base: 27 },
];

const HEALTH: Array<{ category: string; instances: Array<{ name: string; metrics: SeriesSpec[] }> }> = [
  {
    category: 'cpu',
    instances: [{ name: 'total', metrics: [{ metric: 'cpu_total', unit: '%', base: 35, spread: 25 }] }],
  },
  {
    category: 'memory',
    instances: [{ name: 'total', metrics: [{ metric: 'mem_used_pct', unit: '%', base: 62, spread: 15 }] }],
  },
  {
    category: 'disk',
    instances: [{ name: 'C:', metrics: [{ metric: 'disk_io_pct', unit: '%', base: 12, spread: 10 }] }],
  },
  {
    category: 'network',
    instances: [
      {
        name: 'wifi',
        metrics: [
          // Signal quality in percent, as the ZDX portal shows it (the unit is our choice: ZDX documents none).
          { metric: 'wifi_signal', unit: '%', base: 78, spread: 8 },
          { metric: 'throughput_rx', unit: 'kbps', base: 4200, spread: 2500 },
        ],
      },
    ],
  },
];

/** Device health as `[{category, instances:[{metric, metrics:[series]}]}]` (docs/zscaler-api.md §3.2). */
export function healthMetrics(seed: number, from: number, to: number, stepSec: number, fault?: PlantedFault) {
  const over = fault ? HEALTH_FAULTS[fault] : undefined;
  return HEALTH.map((c) => ({
    category: c.category,
    instances: c.instances.map((i) => ({
      metric: i.name,
      metrics: i.metrics.map((m) => series({ ...m, ...over?.[m.metric] }, seed, from, to, stepSec)),
    })),
  }));
}

/** A deep trace's web-probe series, with the fault's numbers where it has some. */
export function webProbeSeries(seed: number, from: number, to: number, stepSec: number, fault?: PlantedFault) {
  const over = fault ? WEB_PROBE_FAULTS[fault] : undefined;
  return WEB_PROBE_METRICS.map((m) => series({ ...m, ...over?.[m.metric] }, seed, from, to, stepSec));
}

/** A deep trace's cloud-path legs `[{leg_src, leg_dst, stats}]`; the end-to-end leg carries the others' trouble. */
export function cloudPathLegs(seed: number, from: number, to: number, stepSec: number, fault?: PlantedFault) {
  const over = fault ? LEG_FAULTS[fault] : undefined;
  const faulty = Object.values(over ?? {});
  return CLOUD_PATH_LEGS.map((l) => {
    const name = `${l.leg_src} → ${l.leg_dst}`;
    const endToEnd = l.leg_src === 'Client' && l.leg_dst === 'Application';
    const leg = over?.[name];
    const extraMs = endToEnd ? faulty.reduce((a, f) => a + f.latency.base, 0) : 0;
    const extraLoss = endToEnd ? faulty.reduce((a, f) => a + f.loss.base, 0) : 0;
    return {
      leg_src: l.leg_src,
      leg_dst: l.leg_dst,
      stats: LATENCY_METRICS.map((m) => {
        let spec: SeriesSpec = { ...m, base: m.metric === 'latency_avg' ? l.base + extraMs : m.base };
        if (m.metric === 'packet_loss') spec = { ...spec, base: m.base + extraLoss };
        if (leg && m.metric === 'latency_avg') spec = { ...spec, ...leg.latency };
        if (leg && m.metric === 'packet_loss') spec = { ...spec, ...leg.loss };
        return series(spec, seed + l.base, from, to, stepSec);
      }),
    };
  });
}

/**
 * The hops from the device to the app (`/cloudpath`, docs/zscaler-api.md §3.2): a gateway, three ISP hops, the ZIA
 * service edge and the app, each sample `{timestamp, cloudpath:{src, dst, num_hops, latency, loss, num_unresp_hops,
 * tunnel_type, hops:[{ip, gw_mac, gw_mac_vendor, pkt_sent, pkt_rcvd, latency_min, latency_max, latency_avg,
 * latency_diff}]}}`. Under a fault, latency and loss are added from the fault's first hop on.
 */
export function cloudPathHops(
  seed: number,
  path: { src: string; dst: string; appId: number },
  from: number,
  to: number,
  stepSec: number,
  fault?: PlantedFault,
) {
  const hopFault = fault ? HOP_FAULTS[fault] : undefined;
  const route: Array<{ ip: string; ms: number }> = [
    { ip: '192.168.1.1', ms: 2.5 },
    { ip: '100.64.12.1', ms: 7 },
    { ip: '203.0.113.9', ms: 10 },
    { ip: '198.51.100.22', ms: 13 },
    { ip: '165.225.72.38', ms: 17 },
    { ip: `40.100.${path.appId}.10`, ms: 26 },
  ];
  const sent = 100;
  const step = Math.max(stepSec, Math.ceil((to - from) / MAX_POINTS / stepSec) * stepSec);
  const out: Array<{ timestamp: number; cloudpath: Record<string, unknown> }> = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const hops = route.map((h, i) => {
      const faulty = hopFault && i + 1 >= hopFault.from;
      const avg = round1(h.ms + (faulty ? hopFault.addMs : 0) + (noise(seed, t, i) - 0.5) * 2);
      const lost = faulty ? Math.round(hopFault.lossPct + (noise(seed, t, i + 50) - 0.5) * 2) : 0;
      return {
        ip: h.ip,
        gw_mac: i === 0 ? '00:11:22:33:44:55' : '',
        gw_mac_vendor: i === 0 ? 'Example Networks' : '',
        pkt_sent: sent,
        pkt_rcvd: sent - Math.max(0, lost),
        latency_min: round1(avg * 0.8),
        latency_max: round1(avg * 1.4),
        latency_avg: avg,
        latency_diff: round1(avg * 0.6),
      };
    });
    const last = hops[hops.length - 1]!;
    out.push({
      timestamp: t,
      cloudpath: {
        src: path.src,
        dst: path.dst,
        num_hops: hops.length,
        latency: last.latency_avg,
        loss: round1((100 * (last.pkt_sent - last.pkt_rcvd)) / last.pkt_sent),
        num_unresp_hops: 0,
        tunnel_type: 'ZTunnel 2.0',
        hops,
      },
    });
  }
  return out;
}

const round1 = (n: number) => Math.max(0, Math.round(n * 10) / 10);
