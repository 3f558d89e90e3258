/**
 * What looks wrong in a finished deep trace, and where: the worst cloud-path leg and hop, the web probe's slowest
 * phase, Wi-Fi and device trouble, and ZDX's own score analysis. Pure: it reads the result payloads in their
 * documented shapes (docs/zscaler-api.md §3.2, §3.5) and never calls anything.
 *
 * ZDX documents the shapes but not the metric names inside them, nor what counts as "bad": names are matched
 * loosely (`dns_time`, `DNS Time`, `dns` all count as DNS) and the thresholds below are our own choice, written
 * down in docs/zscaler-api.md §3.5 as inferred. An unknown payload is skipped, never fatal: the report then says
 * which part had no data rather than failing the trace's report.
 */
import * as z from 'zod/mini';
import type { ScoreAnalysis } from '../zdx/analysis.js';
import type { TraceResults } from '../zdx/deepTraces.js';

// ---------------------------------------------------------------------------------------------------------
// Thresholds (our choice; docs/zscaler-api.md §3.5)

/** A leg, a hop or a web probe losing this share of packets (percent) looks wrong. */
export const LOSS_PCT = 1;
/** The Client → Egress leg is the user's own network (Wi-Fi, home router): slower than this looks wrong. */
export const CLIENT_LEG_MS = 30;
/** Any other single leg slower than this looks wrong. */
export const LEG_MS = 100;
/** A hop adding this much latency over the hop before it looks congested. */
export const HOP_JUMP_MS = 40;
/** A hop losing this much more (percent points) than the hop before it. */
export const HOP_LOSS_PCT = 2;
/** Web probe phases (average, ms) beyond which the phase looks slow. */
export const PHASE_MS: Readonly<Record<PhaseName, number>> = {
  dns: 150,
  tcp: 200,
  ssl: 300,
  server: 1_000,
  fetch: 2_000,
};
/** Wi-Fi signal below this (percent quality, or dBm) looks weak. */
export const WIFI_WEAK_PCT = 40;
export const WIFI_WEAK_DBM = -70;
/** Average device CPU and memory use (percent) beyond which the device itself is the suspect. */
export const CPU_PCT = 85;
export const MEMORY_PCT = 90;
/** Web-probe availability (percent) below this looks wrong. */
export const AVAILABILITY_PCT = 99;

// ---------------------------------------------------------------------------------------------------------
// Documented shapes, read leniently

const datapoint = z.looseObject({ value: z.optional(z.nullable(z.number())) });
const seriesSchema = z.looseObject({
  metric: z.string(),
  unit: z.optional(z.nullable(z.string())),
  datapoints: z.array(z.unknown()),
});
const legSchema = z.looseObject({ leg_src: z.string(), leg_dst: z.string(), stats: z.array(z.unknown()) });
const hopSchema = z.looseObject({
  ip: z.optional(z.nullable(z.string())),
  latency_avg: z.optional(z.nullable(z.number())),
  pkt_sent: z.optional(z.nullable(z.number())),
  pkt_rcvd: z.optional(z.nullable(z.number())),
});
const pathSchema = z.looseObject({
  src: z.optional(z.nullable(z.string())),
  dst: z.optional(z.nullable(z.string())),
  num_unresp_hops: z.optional(z.nullable(z.number())),
  hops: z.array(z.unknown()),
});
const cloudPathEntry = z.looseObject({ cloudpath: z.unknown() });
const healthCategory = z.looseObject({ category: z.string(), instances: z.array(z.unknown()) });
const healthInstance = z.looseObject({ metric: z.optional(z.string()), metrics: z.array(z.unknown()) });

export interface Stat {
  metric: string;
  unit?: string;
  avg: number;
  max: number;
  samples: number;
}

/**
 * Average and worst of one series. ZDX's `-1` means no data; other negative values are kept only in dBm (a Wi-Fi
 * signal of -67 dBm is real), since no other unit can be negative.
 */
function statOf(node: unknown): Stat | undefined {
  const s = seriesSchema.safeParse(node);
  if (!s.success) return undefined;
  const unit = s.data.unit ?? undefined;
  const values: number[] = [];
  for (const p of s.data.datapoints) {
    const v = datapoint.safeParse(p);
    const value = v.success ? v.data.value : undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value === -1) continue;
    if (value < 0 && unit?.toLowerCase() !== 'dbm') continue;
    values.push(value);
  }
  if (!values.length) return undefined;
  return {
    metric: s.data.metric,
    unit: unit || undefined,
    avg: round(values.reduce((a, b) => a + b, 0) / values.length),
    max: round(unit?.toLowerCase() === 'dbm' ? Math.min(...values) : Math.max(...values)),
    samples: values.length,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
const norm = (metric: string) => metric.toLowerCase().replace(/[\s_.-]+/g, ' ');

// ---------------------------------------------------------------------------------------------------------
// The diagnosis

export type PhaseName = 'dns' | 'tcp' | 'ssl' | 'server' | 'fetch';
export const PHASE_LABEL: Readonly<Record<PhaseName, string>> = {
  dns: 'DNS',
  tcp: 'TCP connect',
  ssl: 'SSL handshake',
  server: 'server time',
  fetch: 'page fetch',
};

export interface WebProbeView {
  /** Page fetch time (the whole load), when ZDX gave it. */
  pft?: Stat;
  phases: Array<{ phase: PhaseName; avgMs: number; maxMs?: number; derived?: boolean }>;
  slowest?: { phase: PhaseName; avgMs: number };
  availability?: Stat;
}

export interface LegView {
  src: string;
  dst: string;
  latency?: Stat;
  loss?: Stat;
  /** Spans the other legs (Client → Application): shown, never the "worst leg". */
  endToEnd: boolean;
}

export interface HopView {
  /** 1-based position on the path. */
  index: number;
  ip: string;
  path: string;
  latencyMs: number;
  /** Latency added over the previous responding hop. */
  jumpMs: number;
  lossPct: number;
  /** Loss added over the previous responding hop (percent points). */
  lossJumpPct: number;
  hops: number;
  unresponsive: number;
}

export interface HealthView {
  cpu?: Stat;
  memory?: Stat;
  wifi?: Stat;
}

export interface Finding {
  /** What the finding is about, for tests and the outcome data. */
  area: 'leg' | 'hop' | 'web probe' | 'availability' | 'wifi' | 'cpu' | 'memory' | 'analysis';
  /** How far past its threshold (1 = at it): findings are listed worst first. */
  severity: number;
  text: string;
}

export interface Diagnosis {
  findings: Finding[];
  webProbe?: WebProbeView;
  legs: LegView[];
  worstLeg?: LegView;
  worstHop?: HopView;
  health: HealthView;
  analysis?: ScoreAnalysis;
  /** Parts ZDX returned no usable data for. */
  missing: string[];
}

export function diagnose(results: TraceResults, analysis?: ScoreAnalysis): Diagnosis {
  const findings: Finding[] = [];
  const missing: string[] = [];

  const webProbe = readWebProbe(results.webProbeMetrics);
  if (!webProbe) missing.push('web probe');
  else {
    const slow = webProbe.slowest;
    if (slow && slow.avgMs > PHASE_MS[slow.phase]) {
      const of = webProbe.pft ? ` of ${fmt(webProbe.pft.avg)} ms page fetch` : '';
      findings.push({
        area: 'web probe',
        severity: slow.avgMs / PHASE_MS[slow.phase],
        text: `web probe slowest phase: ${PHASE_LABEL[slow.phase]} ${fmt(slow.avgMs)} ms avg${of}`,
      });
    }
    const av = webProbe.availability;
    if (av && av.avg < AVAILABILITY_PCT)
      findings.push({
        area: 'availability',
        severity: 1 + (AVAILABILITY_PCT - av.avg) / 10,
        text: `web probe availability ${fmt(av.avg)}%`,
      });
  }

  const legs = readLegs(results.cloudPathMetrics);
  if (!legs.length) missing.push('cloud-path legs');
  const worstLeg = pickWorstLeg(legs);
  if (worstLeg) {
    const sev = legSeverity(worstLeg);
    if (sev >= 1)
      findings.push({
        area: 'leg',
        severity: sev,
        text: `${legName(worstLeg)} leg ${legNumbers(worstLeg)}${isClientLeg(worstLeg) ? ' (the local network or Wi-Fi)' : ''}`,
      });
  }

  const worstHop = readWorstHop(results.cloudPath);
  if (!worstHop) missing.push('cloud-path hops');
  else {
    const sev = Math.max(worstHop.jumpMs / HOP_JUMP_MS, worstHop.lossJumpPct / HOP_LOSS_PCT);
    if (sev >= 1) findings.push({ area: 'hop', severity: sev, text: `${hopName(worstHop)} ${hopNumbers(worstHop)}` });
  }

  const health = readHealth(results.healthMetrics);
  if (!health.cpu && !health.memory && !health.wifi) missing.push('device health');
  if (health.wifi) {
    const w = health.wifi;
    const dbm = w.unit?.toLowerCase() === 'dbm';
    const weak = dbm ? w.avg < WIFI_WEAK_DBM : w.avg < WIFI_WEAK_PCT;
    if (weak)
      findings.push({
        area: 'wifi',
        severity: dbm ? 1 + (WIFI_WEAK_DBM - w.avg) / 10 : WIFI_WEAK_PCT / Math.max(w.avg, 1),
        text: `Wi-Fi signal weak: ${fmt(w.avg)}${dbm ? ' dBm' : '%'} avg`,
      });
  }
  if (health.cpu && health.cpu.avg >= CPU_PCT)
    findings.push({
      area: 'cpu',
      severity: health.cpu.avg / CPU_PCT,
      text: `device CPU ${fmt(health.cpu.avg)}% avg (max ${fmt(health.cpu.max)}%)`,
    });
  if (health.memory && health.memory.avg >= MEMORY_PCT)
    findings.push({
      area: 'memory',
      severity: health.memory.avg / MEMORY_PCT,
      text: `device memory ${fmt(health.memory.avg)}% used avg`,
    });

  if (analysis?.state === 'done' && hasIssue(analysis.issue))
    findings.push({
      area: 'analysis',
      // ZDX's own verdict goes first among equals: it has seen more than this one trace.
      severity: 1 + (analysis.confidence ?? 0) / 100,
      text: `ZDX analysis: ${analysis.issue}${analysis.confidence !== undefined ? ` (${analysis.confidence}% confidence)` : ''}${analysis.message ? ` — ${analysis.message}` : ''}`,
    });

  findings.sort((a, b) => b.severity - a.severity);
  return { findings, webProbe, legs, worstLeg, worstHop, health, analysis, missing };
}

/** ZDX's analysis names an issue; an empty one or a "none" is its way of saying it found nothing [inferred]. */
const hasIssue = (issue: string | undefined): issue is string =>
  !!issue?.trim() && !/^(none|no[ _-]?issue(s)?( found)?|healthy|ok|good|n\/a)$/i.test(issue.trim());

// ---------------------------------------------------------------------------------------------------------
// Web probe

/** Metric names we take for each phase [inferred: ZDX does not document them]. */
function phaseOf(metric: string): PhaseName | 'pft' | 'availability' | undefined {
  const m = norm(metric);
  if (/\b(pft|page fetch( time)?|page load( time)?)\b/.test(m)) return 'pft';
  if (/\bavail/.test(m)) return 'availability';
  if (/\bdns\b/.test(m)) return 'dns';
  if (/\b(ssl|tls|handshake)\b/.test(m)) return 'ssl';
  if (/\b(tcp|connect)\b/.test(m)) return 'tcp';
  if (/\b(server|ttfb|first byte)\b/.test(m)) return 'server';
  if (/\b(download|content|transfer)\b/.test(m)) return 'fetch';
  return undefined;
}

function readWebProbe(nodes: unknown[]): WebProbeView | undefined {
  const stats = nodes.map(statOf).filter((s): s is Stat => !!s);
  if (!stats.length) return undefined;
  let pft: Stat | undefined;
  let availability: Stat | undefined;
  const phases: WebProbeView['phases'] = [];
  for (const s of stats) {
    const p = phaseOf(s.metric);
    if (p === 'pft') pft ??= s;
    else if (p === 'availability') availability ??= s;
    else if (p && !phases.some((x) => x.phase === p)) phases.push({ phase: p, avgMs: s.avg, maxMs: s.max });
  }
  // The page fetch is the whole load; what the named phases do not explain is the fetch of the page itself.
  if (pft && !phases.some((x) => x.phase === 'fetch') && phases.length) {
    const rest = pft.avg - phases.reduce((a, x) => a + x.avgMs, 0);
    if (rest > 0) phases.push({ phase: 'fetch', avgMs: round(rest), derived: true });
  } else if (pft && !phases.length) phases.push({ phase: 'fetch', avgMs: pft.avg, maxMs: pft.max });
  // The slowest phase is the one furthest past its own threshold (a 400 ms DNS is worse than a 500 ms server).
  const slowest = [...phases].sort((a, b) => b.avgMs / PHASE_MS[b.phase] - a.avgMs / PHASE_MS[a.phase])[0];
  if (!pft && !phases.length && !availability) return undefined;
  return { pft, phases, slowest: slowest && { phase: slowest.phase, avgMs: slowest.avgMs }, availability };
}

// ---------------------------------------------------------------------------------------------------------
// Cloud-path legs

function readLegs(nodes: unknown[]): LegView[] {
  const legs: LegView[] = [];
  for (const n of nodes) {
    const l = legSchema.safeParse(n);
    if (!l.success) continue;
    const stats = l.data.stats.map(statOf).filter((s): s is Stat => !!s);
    const latency =
      stats.find((s) => /latency avg|avg latency/.test(norm(s.metric))) ??
      stats.find((s) => /latency/.test(norm(s.metric)));
    const loss = stats.find((s) => /loss/.test(norm(s.metric)));
    legs.push({ src: l.data.leg_src, dst: l.data.leg_dst, latency, loss, endToEnd: false });
  }
  // A leg that starts where another starts and ends where another ends spans them: the end-to-end view.
  for (const leg of legs)
    leg.endToEnd = legs.some((o) => o !== leg && o.src === leg.src) && legs.some((o) => o !== leg && o.dst === leg.dst);
  return legs;
}

const isClientLeg = (l: LegView) => /client|device|user/i.test(l.src) && !l.endToEnd;

function legSeverity(l: LegView): number {
  const latencyLimit = isClientLeg(l) ? CLIENT_LEG_MS : LEG_MS;
  return Math.max((l.latency?.avg ?? 0) / latencyLimit, (l.loss?.avg ?? 0) / LOSS_PCT);
}

function pickWorstLeg(legs: LegView[]): LegView | undefined {
  const candidates = legs.filter((l) => !l.endToEnd && (l.latency || l.loss));
  return [...candidates].sort((a, b) => legSeverity(b) - legSeverity(a))[0];
}

export const legName = (l: Pick<LegView, 'src' | 'dst'>) => `${l.src} → ${l.dst}`;

function legNumbers(l: LegView): string {
  const parts: string[] = [];
  if (l.loss) parts.push(`${fmt(l.loss.avg)}% loss`);
  if (l.latency) parts.push(`${fmt(l.latency.avg)} ms avg`);
  return parts.join(', ') || 'no numbers';
}

// ---------------------------------------------------------------------------------------------------------
// Cloud-path hops

interface HopAcc {
  ip: string;
  latencySum: number;
  latencyN: number;
  sent: number;
  rcvd: number;
}

/**
 * The hop that adds most: latency over the previous responding hop, or loss over it. Loss that starts at a hop
 * and carries on to the end is that hop's; a hop that drops everything while later hops answer is only refusing to
 * answer probes (counted as unresponsive), not losing traffic.
 */
function readWorstHop(nodes: unknown[]): HopView | undefined {
  const paths = new Map<string, { hops: HopAcc[]; unresponsive: number; samples: number }>();
  for (const n of nodes) {
    const e = cloudPathEntry.safeParse(n);
    // `/cloudpath` is documented as `{timestamp, cloudpath:{…}}`; the probe endpoint's as `cloudpath:[…]`: accept both.
    const raw = e.success ? e.data.cloudpath : n;
    for (const p of Array.isArray(raw) ? raw : [raw]) {
      const path = pathSchema.safeParse(p);
      if (!path.success) continue;
      const name = `${path.data.src ?? 'source'} → ${path.data.dst ?? 'destination'}`;
      const acc = paths.get(name) ?? { hops: [], unresponsive: 0, samples: 0 };
      acc.samples++;
      acc.unresponsive = Math.max(acc.unresponsive, path.data.num_unresp_hops ?? 0);
      path.data.hops.forEach((h, i) => {
        const hop = hopSchema.safeParse(h);
        if (!hop.success) return;
        const a = acc.hops[i] ?? { ip: hop.data.ip || '*', latencySum: 0, latencyN: 0, sent: 0, rcvd: 0 };
        acc.hops[i] = a;
        if (typeof hop.data.latency_avg === 'number' && hop.data.latency_avg >= 0) {
          a.latencySum += hop.data.latency_avg;
          a.latencyN++;
        }
        a.sent += Math.max(0, hop.data.pkt_sent ?? 0);
        a.rcvd += Math.max(0, hop.data.pkt_rcvd ?? 0);
      });
      paths.set(name, acc);
    }
  }
  let worst: (HopView & { score: number }) | undefined;
  for (const [name, acc] of paths) {
    let prevLatency = 0;
    let prevLoss = 0;
    acc.hops.forEach((a, i) => {
      if (!a) return;
      const loss = a.sent > 0 ? (100 * (a.sent - a.rcvd)) / a.sent : 0;
      if (a.sent > 0 && a.rcvd === 0) return; // unresponsive: says nothing about the traffic
      if (!a.latencyN) return;
      const latency = a.latencySum / a.latencyN;
      const jump = Math.max(0, latency - prevLatency);
      const lossJump = Math.max(0, loss - prevLoss);
      const score = Math.max(jump / HOP_JUMP_MS, lossJump / HOP_LOSS_PCT);
      if (!worst || score > worst.score)
        worst = {
          score,
          index: i + 1,
          ip: a.ip,
          path: name,
          latencyMs: round(latency),
          jumpMs: round(jump),
          lossPct: round(loss),
          lossJumpPct: round(lossJump),
          hops: acc.hops.length,
          unresponsive: acc.unresponsive,
        };
      prevLatency = latency;
      prevLoss = loss;
    });
  }
  if (!worst) return undefined;
  const { score: _score, ...hop } = worst;
  return hop;
}

const hopName = (h: HopView) => `hop ${h.index} (${h.ip}) on ${h.path}`;
/** The first hop's latency is all its own; a later hop's is told as what it adds, and to how much. */
const hopNumbers = (h: HopView) =>
  `${h.index === 1 || h.jumpMs >= h.latencyMs ? `${fmt(h.latencyMs)} ms` : `+${fmt(h.jumpMs)} ms to ${fmt(h.latencyMs)} ms`}, ${fmt(h.lossPct)}% loss${h.lossJumpPct > 0 && h.lossJumpPct < h.lossPct ? ` (+${fmt(h.lossJumpPct)} there)` : ''}`;

// ---------------------------------------------------------------------------------------------------------
// Device health

function readHealth(nodes: unknown[]): HealthView {
  const view: HealthView = {};
  for (const n of nodes) {
    const c = healthCategory.safeParse(n);
    if (!c.success) continue;
    const category = norm(c.data.category);
    for (const inst of c.data.instances) {
      const i = healthInstance.safeParse(inst);
      // A category may hold series directly instead of instances of series: read both.
      const series = i.success ? i.data.metrics : [inst];
      for (const s of series.map(statOf)) {
        if (!s) continue;
        const m = `${category} ${norm(s.metric)}`;
        if (/\b(wifi|wi fi|wlan|signal|rssi)\b/.test(m) && /signal|rssi|strength|quality/.test(m)) view.wifi ??= s;
        else if (/\bcpu\b/.test(m) && (s.unit === '%' || /pct|percent|total|usage|util/.test(m))) view.cpu ??= s;
        else if (/\b(mem|memory)\b/.test(m) && (s.unit === '%' || /pct|percent|used|usage|util/.test(m)))
          view.memory ??= s;
      }
    }
  }
  return view;
}

// ---------------------------------------------------------------------------------------------------------
// Text

/** Numbers as people read them: 1,234 and 4.5. */
export const fmt = (n: number) =>
  n.toLocaleString('en-US', { maximumFractionDigits: Math.abs(n) >= 100 ? 0 : 1, useGrouping: true });

/** At most this many findings on the first line; the rest are counted there and listed below it. */
export const HEADLINE_FINDINGS = 4;

/** The first line's verdict (after "Deep trace on X finished: "). */
export function headline(d: Diagnosis): string {
  if (!d.findings.length) {
    const partial = d.missing.length ? ` in what ZDX returned (no data: ${d.missing.join(', ')})` : '';
    const analysis = d.analysis?.state === 'done' ? '; ZDX analysis found no issue' : '';
    return `nothing looks wrong${partial}${analysis}.`;
  }
  const shown = d.findings.slice(0, HEADLINE_FINDINGS).map((f) => f.text);
  const more = d.findings.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more below` : ''}.`;
}

/** The numbers behind the verdict, one line per part; none is left out silently. */
export function detailLines(d: Diagnosis): string[] {
  const lines: string[] = [];
  if (d.findings.length > HEADLINE_FINDINGS)
    for (const f of d.findings.slice(HEADLINE_FINDINGS)) lines.push(`Also: ${f.text}`);
  const w = d.webProbe;
  if (w) {
    const phases = w.phases.map(
      (p) =>
        `${PHASE_LABEL[p.phase]}${p.derived ? ' (the rest)' : ''} ${fmt(p.avgMs)} ms${p.maxMs !== undefined && !p.derived ? ` (max ${fmt(p.maxMs)})` : ''}`,
    );
    const pft = w.pft ? `page fetch time (PFT) ${fmt(w.pft.avg)} ms avg (max ${fmt(w.pft.max)})` : 'no page fetch time';
    const slowest = w.slowest ? `; slowest: ${PHASE_LABEL[w.slowest.phase]}` : '';
    const av = w.availability ? `; availability ${fmt(w.availability.avg)}%` : '';
    lines.push(`Web probe: ${pft}${phases.length ? ` = ${phases.join(' + ')}` : ''}${slowest}${av}`);
  } else lines.push('Web probe: no data.');
  if (d.legs.length) {
    const legs = d.legs.map(
      (l) => `${legName(l)}${l.endToEnd ? ' (end to end)' : ''} ${legNumbers(l)}${l === d.worstLeg ? ' ← worst' : ''}`,
    );
    lines.push(`Cloud-path legs: ${legs.join(' · ')}`);
  } else lines.push('Cloud-path legs: no data.');
  const h = d.worstHop;
  if (h)
    lines.push(
      `Worst hop: ${hopName(h)}: ${fmt(h.latencyMs)} ms avg, +${fmt(h.jumpMs)} ms over the hop before, ${fmt(h.lossPct)}% loss (${h.hops} hops, ${h.unresponsive} unresponsive)`,
    );
  else lines.push('Cloud-path hops: no data.');
  const dev: string[] = [];
  if (d.health.cpu) dev.push(`CPU ${fmt(d.health.cpu.avg)}% avg (max ${fmt(d.health.cpu.max)}%)`);
  if (d.health.memory) dev.push(`memory ${fmt(d.health.memory.avg)}% avg (max ${fmt(d.health.memory.max)}%)`);
  if (d.health.wifi) {
    const u = d.health.wifi.unit?.toLowerCase() === 'dbm' ? ' dBm' : '%';
    dev.push(`Wi-Fi signal ${fmt(d.health.wifi.avg)}${u} avg (worst ${fmt(d.health.wifi.max)}${u})`);
  }
  lines.push(dev.length ? `Device: ${dev.join(', ')}` : 'Device health: no data.');
  lines.push(analysisLine(d.analysis));
  return lines;
}

function analysisLine(a: ScoreAnalysis | undefined): string {
  if (!a) return 'ZDX score analysis: not run.';
  switch (a.state) {
    case 'done':
      return hasIssue(a.issue)
        ? `ZDX score analysis: ${a.issue}${a.confidence !== undefined ? `, ${a.confidence}% confidence` : ''}${a.message ? `: ${a.message}` : ''}`
        : `ZDX score analysis: no issue found${a.message ? ` (${a.message})` : ''}.`;
    case 'pending':
      return `ZDX score analysis: not ready after ${fmt(a.waitedMs / 1000)} s; this report is without it.`;
    case 'failed':
      return `ZDX score analysis: unavailable (${a.reason}); this report is without it.`;
    case 'skipped':
      return `ZDX score analysis: not run (${a.reason}).`;
  }
}
