/**
 * The summary of a finished trace names every series (the 22 a trace reports: health, web probe, cloud path per
 * leg), grouped; when the text would be too long it says how many it left out instead of cutting silently.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../shared/traces/diagnosis.js';
import {
  SUMMARY_MAX_CHARS,
  portalDeviceUrl,
  summariseSeries,
  summaryText,
  type SeriesSummary,
} from '../../../shared/traces/summary.js';
import type { TraceResults } from '../../../shared/zdx/deepTraces.js';

const series = (n: number, group = (i: number) => ['health', 'web probe', 'cloud path client→egress'][i % 3]!) =>
  Array.from(
    { length: n },
    (_, i): SeriesSummary => ({ group: group(i), metric: `metric_${i}`, unit: 'ms', avg: i, max: i * 2, samples: 3 }),
  );

describe('summaryText', () => {
  it('lists all 22 series of a trace, the cloud-path rows included, under their group headings', () => {
    const all = series(22, (i) => (i < 8 ? 'health' : i < 14 ? 'web probe' : 'cloud path client→egress'));
    const text = summaryText('alice-laptop', all);
    expect(text.startsWith('Deep trace on alice-laptop finished (22 series):')).toBe(true);
    for (const s of all) expect(text).toContain(`• ${s.metric} avg ${s.avg} ms, max ${s.max}`);
    expect(text).toContain('\ncloud path client→egress:\n');
    expect(text).not.toContain('more series');
  });

  it('says how many series it left out when they do not fit, and stays within the limit (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 200, max: SUMMARY_MAX_CHARS }), (n, max) => {
        const text = summaryText('dev', series(n), { maxChars: max });
        expect(text.length).toBeLessThanOrEqual(max);
        const shown = text.split('\n').filter((l) => l.startsWith('• ')).length;
        const more = /… and (\d+) more series/.exec(text);
        expect(shown + (more ? Number(more[1]) : 0)).toBe(n);
      }),
    );
  });

  it('says when a trace had no data', () => {
    expect(summaryText('dev', [])).toBe('Deep trace on dev finished with no metric data.');
  });
});

const pts = (metric: string, unit: string, v: number) => ({
  metric,
  unit,
  datapoints: [
    { timestamp: 1, value: v },
    { timestamp: 2, value: v },
  ],
});
const slowServer: TraceResults = {
  healthMetrics: [
    { category: 'cpu', instances: [{ metric: 'total', metrics: [pts('cpu_total', '%', 30)] }] },
    { category: 'network', instances: [{ metric: 'wifi', metrics: [pts('wifi_signal', 'dBm', -58)] }] },
  ],
  webProbeMetrics: [pts('pft', 'ms', 5_000), pts('dns_time', 'ms', 20), pts('server_response_time', 'ms', 4_100)],
  cloudPathMetrics: [
    { leg_src: 'Client', leg_dst: 'Egress', stats: [pts('latency_avg', 'ms', 5), pts('packet_loss', '%', 0)] },
  ],
  cloudPath: [],
};

describe('summaryText with a diagnosis', () => {
  it('says what looks wrong on the first line, then the numbers, the portal link and every series', () => {
    const series = summariseSeries(slowServer);
    const text = summaryText('JUDY-MBP-A26', series, {
      diagnosis: diagnose(slowServer, { state: 'pending', waitedMs: 2_000 }),
      portalUrl: 'https://zdx.example/devices/132560501',
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'Deep trace on JUDY-MBP-A26 finished: web probe slowest phase: server time 4,100 ms avg of 5,000 ms page fetch.',
    );
    expect(lines).toContain('Cloud-path hops: no data.');
    expect(lines).toContain('ZDX score analysis: not ready after 2 s; this report is without it.');
    expect(lines).toContain('ZDX portal: https://zdx.example/devices/132560501');
    expect(lines).toContain(`Series (${series.length}):`);
    // A negative dBm signal is a reading, not ZDX's -1 "no data".
    expect(text).toContain('• wifi_signal avg -58 dBm');
    for (const s of series) expect(text).toContain(`• ${s.metric} avg ${s.avg}`);
  });

  it('keeps the first line and says what it left out when the limit is tight (property)', () => {
    const d = diagnose(slowServer);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 300, max: SUMMARY_MAX_CHARS }), (n, max) => {
        const text = summaryText('dev', series(n), { diagnosis: d, maxChars: max });
        expect(text.length).toBeLessThanOrEqual(max);
        expect(text.split('\n')[0]).toMatch(/^Deep trace on dev finished: web probe slowest phase: server time/);
        const shown = text.split('\n').filter((l) => l.startsWith('• ')).length;
        const more = /… and (?:\d+ more lines, and )?(\d+) (?:more )?series/.exec(text);
        expect(shown + (more ? Number(more[1]) : 0)).toBe(n);
      }),
    );
  });
});

describe('portalDeviceUrl', () => {
  it('fills a template or appends the id to a base, and gives nothing without configuration', () => {
    expect(portalDeviceUrl('https://admin.zdx.example/zdx/#/devices/{deviceId}?tab=overview', 42)).toBe(
      'https://admin.zdx.example/zdx/#/devices/42?tab=overview',
    );
    expect(portalDeviceUrl('https://zdx.example/devices/', 42)).toBe('https://zdx.example/devices/42');
    expect(portalDeviceUrl(undefined, 42)).toBeUndefined();
  });
});
