/**
 * Plausible, deterministic metric series for ZDX replies: `{metric, unit, datapoints:[{timestamp, value}]}`.
 */
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
          { metric: 'wifi_signal', unit: 'dBm', base: 58, spread: 10 },
          { metric: 'throughput_rx', unit: 'kbps', base: 4200, spread: 2500 },
        ],
      },
    ],
  },
];

/** Device health as `[{category, instances:[{metric, metrics:[series]}]}]` (docs/zscaler-api.md §3.2). */
export function healthMetrics(seed: number, from: number, to: number, stepSec: number) {
  return HEALTH.map((c) => ({
    category: c.category,
    instances: c.instances.map((i) => ({
      metric: i.name,
      metrics: i.metrics.map((m) => series(m, seed, from, to, stepSec)),
    })),
  }));
}
