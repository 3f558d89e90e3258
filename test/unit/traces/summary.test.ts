/**
 * The summary of a finished trace names every series (the 22 a trace reports: health, web probe, cloud path per
 * leg), grouped; when the text would be too long it says how many it left out instead of cutting silently.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUMMARY_MAX_CHARS, summaryText, type SeriesSummary } from '../../../shared/traces/summary.js';

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
        const text = summaryText('dev', series(n), max);
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
