/**
 * A short, human-readable summary of a finished deep trace. ZDX result payloads are nested series of
 * `{metric, unit, datapoints:[{timestamp, value}]}` whose exact nesting differs per endpoint, so we walk
 * them and summarise every series we find (average and worst), ignoring ZDX's `-1` "no data" values.
 */
import type { TraceResults } from '../zdx/deepTraces.js';

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
        .filter((v): v is number => typeof v === 'number' && v >= 0);
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
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The longest summary text: it fits a Slack message block (3,000) and a PagerDuty note with room to spare. */
export const SUMMARY_MAX_CHARS = 2_800;

/**
 * Every series, grouped (health, web probe, cloud path per leg), one line each; none is dropped silently: when the
 * text would pass {@link SUMMARY_MAX_CHARS}, it ends with how many series were left out (all are in the outcome's
 * data and the log).
 */
export function summaryText(deviceName: string, series: SeriesSummary[], maxChars = SUMMARY_MAX_CHARS): string {
  if (!series.length) return `Deep trace on ${deviceName} finished with no metric data.`;
  const lines = [`Deep trace on ${deviceName} finished (${series.length} series):`];
  let length = lines[0]!.length;
  let group: string | undefined;
  for (const [i, s] of series.entries()) {
    const heading = s.group !== group ? `${s.group}:` : undefined;
    const line = `• ${s.metric} avg ${s.avg}${s.unit ? ` ${s.unit}` : ''}, max ${s.max}`;
    const more = `… and ${series.length - i} more series (all in the outcome data and the log)`;
    const add = (heading ? heading.length + 1 : 0) + line.length + 1;
    if (length + add + more.length + 1 > maxChars) {
      lines.push(more);
      break;
    }
    if (heading) lines.push(heading);
    lines.push(line);
    length += add;
    group = s.group;
  }
  return lines.join('\n');
}
