/**
 * A short, human-readable summary of a finished deep trace. ZDX result payloads are nested series of
 * `{metric, unit, datapoints:[{timestamp, value}]}` whose exact nesting differs per endpoint, so we walk
 * them and summarise every series we find (average and worst), ignoring ZDX's `-1` "no data" values. What looks
 * wrong, and where, is diagnosis.ts: its verdict is the report's first line.
 */
import type { TraceResults } from '../zdx/deepTraces.js';
import { detailLines, headline, type Diagnosis } from './diagnosis.js';

export interface SeriesSummary {
  group: string;
  metric: string;
  unit?: string;
  avg: number;
  max: number;
  samples: number;
}

export function summariseSeries(results: TraceResults): SeriesSummary[] {
  const out: SeriesSummary[] = [];
  const visit = (node: unknown, group: string) => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, group);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.metric === 'string' && Array.isArray(o.datapoints)) {
      const values = o.datapoints
        .map((d) => (d as { value?: unknown }).value)
        // ZDX's -1 is "no data"; other negatives are real only in dBm (a Wi-Fi signal of -67 dBm).
        .filter((v): v is number => typeof v === 'number' && v !== -1 && (v >= 0 || o.unit === 'dBm'));
      if (values.length) {
        const avg = values.reduce((a, b) => a + b, 0) / values.length;
        out.push({
          group,
          metric: o.metric,
          unit: typeof o.unit === 'string' ? o.unit : undefined,
          avg: round(avg),
          max: round(Math.max(...values)),
          samples: values.length,
        });
      }
      return;
    }
    const label = [o.category, o.leg_src && o.leg_dst ? `${o.leg_src}→${o.leg_dst}` : undefined]
      .filter(Boolean)
      .join(' ');
    for (const v of Object.values(o)) visit(v, label ? `${group} ${label}`.trim() : group);
  };
  visit(results.healthMetrics, 'health');
  visit(results.webProbeMetrics, 'web probe');
  visit(results.cloudPathMetrics, 'cloud path');
  // The hops (`/cloudpath`) are per-hop readings, not series: the diagnosis reads them (the worst hop).
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The longest summary text: it fits a Slack message block (3,000) and a PagerDuty note with room to spare. */
export const SUMMARY_MAX_CHARS = 2_800;

export interface SummaryOptions {
  /** What looks wrong (diagnosis.ts): its verdict is the first line, its numbers follow. */
  diagnosis?: Diagnosis;
  /** The device in the ZDX portal, when the configuration gives the portal's address. */
  portalUrl?: string;
  maxChars?: number;
}

/**
 * The report of a finished trace. First line: "Deep trace on <device> finished: <what looks wrong, and where>" (or
 * that nothing does). Then the numbers behind it (web-probe phases, every leg, the worst hop, device health, ZDX's
 * analysis or why it is missing), the portal link, and every series, grouped (health, web probe, cloud path per
 * leg), one line each. Nothing is dropped silently: when the text would pass {@link SUMMARY_MAX_CHARS}, it says how
 * many lines or series were left out (all are in the outcome's data and the log).
 */
export function summaryText(deviceName: string, series: SeriesSummary[], opts: SummaryOptions = {}): string {
  const maxChars = opts.maxChars ?? SUMMARY_MAX_CHARS;
  const d = opts.diagnosis;
  if (!d && !series.length) return `Deep trace on ${deviceName} finished with no metric data.`;
  const first = d
    ? `Deep trace on ${deviceName} finished: ${headline(d)}`
    : `Deep trace on ${deviceName} finished (${series.length} series):`;
  // Room is always left for the line that says what was cut, so nothing is ever cut silently.
  const lines = [clip(first, Math.max(CUT_NOTE_RESERVE, maxChars - CUT_NOTE_RESERVE))];
  let length = lines[0]!.length;
  const fits = (line: string, reserve = 0) => length + line.length + 1 + reserve <= maxChars;
  const push = (line: string) => {
    lines.push(line);
    length += line.length + 1;
  };

  const head = [...(d ? detailLines(d) : []), ...(opts.portalUrl ? [`ZDX portal: ${opts.portalUrl}`] : [])].map((l) =>
    clip(l, DETAIL_MAX_CHARS),
  );
  for (const [i, line] of head.entries()) {
    const cut = `… and ${head.length - i} more lines, and ${series.length} series (all in the outcome data and the log)`;
    if (!fits(line, cut.length + 1)) {
      if (fits(cut)) push(cut);
      return lines.join('\n');
    }
    push(line);
  }
  if (!series.length) return lines.join('\n');
  if (d) {
    const heading = `Series (${series.length}):`;
    const more = `… and ${series.length} series (all in the outcome data and the log)`;
    if (!fits(heading, more.length + 1)) {
      if (fits(more)) push(more);
      return lines.join('\n');
    }
    push(heading);
  }
  let group: string | undefined;
  for (const [i, s] of series.entries()) {
    const heading = s.group !== group ? `${s.group}:` : undefined;
    const line = `• ${s.metric} avg ${s.avg}${s.unit ? ` ${s.unit}` : ''}, max ${s.max}`;
    const more = `… and ${series.length - i} more series (all in the outcome data and the log)`;
    const add = (heading ? heading.length + 1 : 0) + line.length + 1;
    if (length + add + more.length + 1 > maxChars) {
      if (fits(more)) push(more);
      break;
    }
    if (heading) lines.push(heading);
    lines.push(line);
    length += add;
    group = s.group;
  }
  return lines.join('\n');
}

/** The longest "… and N more" line, kept free after the first line. */
const CUT_NOTE_RESERVE = 100;

/** One detail line at most this long (a leg list of a path with many legs stays readable). */
const DETAIL_MAX_CHARS = 600;

const clip = (line: string, max: number) => (line.length <= max ? line : `${line.slice(0, max - 1)}…`);

/**
 * The device's page in the ZDX portal. The configured address is a template with `{deviceId}` where the id goes, or
 * a base the id is appended to (ZDX documents no portal path for a device, so the operator gives it).
 */
export function portalDeviceUrl(template: string | undefined, deviceId: number): string | undefined {
  if (!template) return undefined;
  const id = encodeURIComponent(String(deviceId));
  return template.includes('{deviceId}')
    ? template.replaceAll('{deviceId}', id)
    : `${template.replace(/\/+$/, '')}/${id}`;
}
