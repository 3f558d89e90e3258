/**
 * diagnose() on payloads in ZDX's documented shapes (docs/zscaler-api.md §3.2): each kind of trouble is named with
 * where it is (leg, hop, phase), a healthy trace says nothing looks wrong, and what is missing is said, not hidden.
 */
import { describe, expect, it } from 'vitest';
import { detailLines, diagnose, headline } from '../../../shared/traces/diagnosis.js';
import type { TraceResults } from '../../../shared/zdx/deepTraces.js';

const series = (metric: string, unit: string, values: number[]) => ({
  metric,
  unit,
  datapoints: values.map((value, i) => ({ timestamp: 1_800_000_000 + i * 60, value })),
});

const web = (o: Partial<Record<'pft' | 'dns' | 'tcp' | 'ssl' | 'server', number>> = {}) => [
  series('score', '', [82, 80]),
  series('pft', 'ms', [o.pft ?? 850, o.pft ?? 850]),
  series('dns_time', 'ms', [o.dns ?? 18, o.dns ?? 18]),
  series('tcp_connect_time', 'ms', [o.tcp ?? 25, o.tcp ?? 25]),
  series('ssl_handshake_time', 'ms', [o.ssl ?? 45, o.ssl ?? 45]),
  series('server_response_time', 'ms', [o.server ?? 220, o.server ?? 220]),
  series('availability', '%', [100, 99.8]),
];

const leg = (src: string, dst: string, latency: number, loss: number) => ({
  leg_src: src,
  leg_dst: dst,
  stats: [series('latency_avg', 'ms', [latency, latency]), series('packet_loss', '%', [loss, loss])],
});

const legs = (o: { client?: [number, number]; isp?: [number, number] } = {}) => [
  leg('Client', 'Egress', ...(o.client ?? [4, 0.2])),
  leg('Egress', 'ZIA Service Edge', ...(o.isp ?? [9, 0.1])),
  leg('ZIA Service Edge', 'Application', 14, 0.1),
  leg('Client', 'Application', 27 + (o.client?.[0] ?? 4) + (o.isp?.[0] ?? 9), 0.3),
];

type Hop = [ip: string, latency: number, lossPct: number];
const HEALTHY_HOPS: Hop[] = [
  ['192.168.1.1', 3, 0],
  ['100.64.0.1', 8, 0],
  ['203.0.113.9', 12, 0],
  ['198.51.100.22', 15, 0],
  ['165.225.72.38', 18, 0],
  ['52.97.146.162', 27, 0],
];
const cloudPath = (hops: Hop[] = HEALTHY_HOPS) =>
  [1_800_000_000, 1_800_000_060].map((timestamp) => ({
    timestamp,
    cloudpath: {
      src: 'ALICE-LT-7420',
      dst: 'outlook.office365.com',
      num_hops: hops.length,
      latency: hops.at(-1)![1],
      loss: hops.at(-1)![2],
      num_unresp_hops: 0,
      tunnel_type: 'ZTunnel 2.0',
      hops: hops.map(([ip, latency, loss]) => ({
        ip,
        gw_mac: '',
        gw_mac_vendor: '',
        pkt_sent: 100,
        pkt_rcvd: 100 - loss,
        latency_min: latency * 0.8,
        latency_max: latency * 1.3,
        latency_avg: latency,
        latency_diff: 0,
      })),
    },
  }));

const health = (o: { cpu?: number; mem?: number; wifi?: number; wifiUnit?: string } = {}) => [
  {
    category: 'cpu',
    instances: [{ metric: 'total', metrics: [series('cpu_total', '%', [o.cpu ?? 35, o.cpu ?? 35])] }],
  },
  {
    category: 'memory',
    instances: [{ metric: 'total', metrics: [series('mem_used_pct', '%', [o.mem ?? 62, o.mem ?? 62])] }],
  },
  {
    category: 'network',
    instances: [
      {
        metric: 'wifi',
        metrics: [
          series('wifi_signal', o.wifiUnit ?? '%', [o.wifi ?? 78, o.wifi ?? 78]),
          series('throughput_rx', 'kbps', [4200]),
        ],
      },
    ],
  },
];

const results = (o: Partial<TraceResults> = {}): TraceResults => ({
  healthMetrics: health(),
  webProbeMetrics: web(),
  cloudPathMetrics: legs(),
  cloudPath: cloudPath(),
  ...o,
});

describe('diagnose', () => {
  it('says nothing looks wrong for a healthy trace, and still gives every number behind it', () => {
    const d = diagnose(results(), { state: 'done', issue: '', confidence: 0, message: 'No issue found', times: [] });
    expect(d.findings).toEqual([]);
    expect(headline(d)).toBe('nothing looks wrong; ZDX analysis found no issue.');
    const details = detailLines(d).join('\n');
    expect(details).toContain('Web probe: page fetch time (PFT) 850 ms avg');
    expect(details).toContain('DNS 18 ms');
    expect(details).toContain('server time 220 ms');
    expect(details).toContain('Client → Egress 0.2% loss, 4 ms avg');
    expect(details).toContain('Client → Application (end to end)');
    expect(details).toContain('Device: CPU 35% avg');
    expect(details).toContain('Wi-Fi signal 78% avg');
    expect(details).toContain('ZDX score analysis: no issue found (No issue found).');
  });

  it('names a lossy client leg and its first hop, and the weak Wi-Fi signal', () => {
    const hops: Hop[] = HEALTHY_HOPS.map(([ip, l], i) => [ip, l + 42, i === 0 ? 8 : 8]);
    const d = diagnose(
      results({
        cloudPathMetrics: legs({ client: [46, 7.9] }),
        cloudPath: cloudPath(hops),
        healthMetrics: health({ wifi: 24 }),
      }),
    );
    const line = headline(d);
    expect(line).toContain('Client → Egress leg 7.9% loss, 46 ms avg (the local network or Wi-Fi)');
    expect(line).toContain('hop 1 (192.168.1.1) on ALICE-LT-7420 → outlook.office365.com');
    expect(line).toContain('Wi-Fi signal weak: 24% avg');
    expect(d.findings[0]!.area).toBe('leg');
    expect(d.worstLeg).toMatchObject({ src: 'Client', dst: 'Egress' });
  });

  it('names a congested ISP hop (where latency and loss start), not the hops after it', () => {
    const hops: Hop[] = HEALTHY_HOPS.map(([ip, l], i) => [ip, i >= 2 ? l + 110 : l, i >= 2 ? 4 : 0]);
    const d = diagnose(results({ cloudPathMetrics: legs({ isp: [121, 4] }), cloudPath: cloudPath(hops) }));
    const line = headline(d);
    expect(line).toContain('Egress → ZIA Service Edge leg 4% loss, 121 ms avg');
    expect(line).toContain('hop 3 (203.0.113.9)');
    expect(line).toContain('hop 3 (203.0.113.9) on ALICE-LT-7420 → outlook.office365.com +114 ms to 122 ms, 4% loss');
    expect(d.worstHop).toMatchObject({ index: 3, ip: '203.0.113.9', lossJumpPct: 4 });
  });

  it("names the web probe's slow server phase", () => {
    const d = diagnose(results({ webProbeMetrics: web({ pft: 5_400, server: 4_200 }) }));
    expect(headline(d)).toBe('web probe slowest phase: server time 4,200 ms avg of 5,400 ms page fetch.');
    expect(detailLines(d)[0]).toContain('slowest: server time');
  });

  it('takes the phase furthest past its own limit: a slow DNS beats a normal server time', () => {
    const d = diagnose(results({ webProbeMetrics: web({ pft: 1_400, dns: 600, server: 500 }) }));
    expect(headline(d)).toMatch(/^web probe slowest phase: DNS 600 ms avg/);
  });

  it('names what the named phases leave unexplained as the page fetch', () => {
    const d = diagnose(results({ webProbeMetrics: web({ pft: 6_000 }) }));
    expect(headline(d)).toMatch(/^web probe slowest phase: page fetch 5,692 ms avg of 6,000 ms page fetch/);
  });

  it('names device CPU and memory pressure, and a weak signal given in dBm', () => {
    const d = diagnose(results({ healthMetrics: health({ cpu: 96, mem: 94, wifi: -82, wifiUnit: 'dBm' }) }));
    const line = headline(d);
    expect(line).toContain('device CPU 96% avg');
    expect(line).toContain('device memory 94% used avg');
    expect(line).toContain('Wi-Fi signal weak: -82 dBm avg');
  });

  it("puts ZDX's own analysis on the first line when it names an issue", () => {
    const d = diagnose(results({ healthMetrics: health({ wifi: 24 }) }), {
      state: 'done',
      issue: 'Wi-Fi',
      confidence: 85,
      message: 'Poor Wi-Fi signal is lowering the score',
      times: [1_800_000_000],
    });
    expect(headline(d)).toMatch(/^ZDX analysis: Wi-Fi \(85% confidence\) — Poor Wi-Fi signal is lowering the score;/);
  });

  it('says when the analysis was not ready or failed, and that the report is without it', () => {
    expect(detailLines(diagnose(results(), { state: 'pending', waitedMs: 2_000 })).at(-1)).toBe(
      'ZDX score analysis: not ready after 2 s; this report is without it.',
    );
    expect(detailLines(diagnose(results(), { state: 'failed', reason: 'ZDX answered 503' })).at(-1)).toBe(
      'ZDX score analysis: unavailable (ZDX answered 503); this report is without it.',
    );
  });

  it('ignores ZDX\'s -1 "no data", skips shapes it does not know, and says which parts had no data', () => {
    const d = diagnose({
      healthMetrics: [{ category: 'cpu', instances: [{ metric: 'total', metrics: [series('cpu_total', '%', [-1])] }] }],
      webProbeMetrics: [{ unexpected: true }, 'text', null],
      cloudPathMetrics: [{ leg_src: 'Client' }],
      cloudPath: [{ timestamp: 1, cloudpath: { hops: 'none' } }],
    });
    expect(d.findings).toEqual([]);
    expect(headline(d)).toBe(
      'nothing looks wrong in what ZDX returned (no data: web probe, cloud-path legs, cloud-path hops, device health).',
    );
  });

  it('does not blame a hop that only refuses to answer probes while later hops answer', () => {
    const hops: Hop[] = HEALTHY_HOPS.map(([ip, l], i) => [ip, l, i === 2 ? 100 : 0]);
    const d = diagnose(results({ cloudPath: cloudPath(hops) }));
    expect(d.findings).toEqual([]);
    expect(d.worstHop?.index).not.toBe(3);
  });

  it('accepts the probe endpoint spelling of the hops (cloudpath as an array)', () => {
    const hops: Hop[] = HEALTHY_HOPS.map(([ip, l], i) => [ip, i >= 3 ? l + 90 : l, 0]);
    const entry = cloudPath(hops)[0]!;
    const d = diagnose(results({ cloudPath: [{ timestamp: entry.timestamp, cloudpath: [entry.cloudpath] }] }));
    expect(d.worstHop).toMatchObject({ index: 4, ip: '198.51.100.22' });
    expect(headline(d)).toContain('hop 4 (198.51.100.22)');
  });

  it('lists more findings than fit the first line below it, saying how many', () => {
    const d = diagnose(
      results({
        webProbeMetrics: web({ pft: 9_000, server: 6_000 }),
        cloudPathMetrics: legs({ client: [60, 5] }),
        healthMetrics: health({ cpu: 97, mem: 95, wifi: 20 }),
      }),
    );
    expect(d.findings.length).toBeGreaterThan(4);
    expect(headline(d)).toMatch(/; and \d+ more below\.$/);
    const more = Number(/and (\d+) more/.exec(headline(d))![1]);
    expect(detailLines(d).filter((l) => l.startsWith('Also: '))).toHaveLength(more);
  });
});
