import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { activeOccurrence, isAllowed, parseWindowsFile, parseWindowsJson } from '../../../shared/bypass/windows.js';
import {
  markSegmentDescription,
  parseRuleDescription,
  parseRuleName,
  parseSegmentMarker,
  ruleDescription,
  ruleNameFor,
} from '../../../shared/bypass/markers.js';

const guardrails = { allowedSegments: ['payroll-app', 'app-*', '216196257331300020'], maxWindowMinutes: 240 };
const win = (over: Record<string, unknown> = {}) => ({
  id: 'w1',
  segments: ['payroll-app'],
  schedule: { cron: '0 2 * * SUN', timezone: 'Europe/Berlin', durationMinutes: 120 },
  reason: 'patching',
  ...over,
});

describe('windows file', () => {
  it('ships with no live window (a deploy bypasses nothing until someone declares one); the example is valid', () => {
    const shipped = parseWindowsJson(readFileSync('config/maintenance-windows.json', 'utf8'));
    expect(shipped.windows).toEqual([]);
    const example = parseWindowsJson(readFileSync('config/maintenance-windows.example.json', 'utf8'));
    expect(example.windows.map((w) => w.id)).toEqual(['payroll-db-patching', 'hr-portal-migration']);
  });

  it('fills defaults: mode rule, onDrift restore, enabled, dry-run off', () => {
    const f = parseWindowsFile({ guardrails, windows: [win()] });
    expect(f.windows[0]).toMatchObject({ mode: 'rule', onDrift: 'restore', enabled: true, segmentGroups: [] });
    expect(f.guardrails.dryRun).toBe(false);
  });

  it.each([
    [
      'a segment outside the allowlist',
      { guardrails, windows: [win({ segments: ['crown-jewels'] })] },
      /segment "crown-jewels" is not in guardrails.allowedSegments/,
    ],
    [
      'a window longer than the maximum',
      { guardrails, windows: [win({ schedule: { cron: '0 2 * * *', timezone: 'UTC', durationMinutes: 600 } })] },
      /lasts 600 min, longer than maxWindowMinutes 240/,
    ],
    [
      'a bad cron expression',
      { guardrails, windows: [win({ schedule: { cron: 'every sunday', durationMinutes: 60 } })] },
      /schedule/,
    ],
    [
      'an unknown time zone',
      {
        guardrails,
        windows: [win({ schedule: { cron: '0 2 * * *', timezone: 'Mars/Olympus', durationMinutes: 60 } })],
      },
      /schedule/,
    ],
    ['a duplicate id', { guardrails, windows: [win(), win()] }, /duplicate id "w1"/],
    ['a window without targets', { guardrails, windows: [win({ segments: [] })] }, /names no segments/],
    [
      'a one-off window that ends before it starts',
      { guardrails, windows: [win({ schedule: { start: '2026-12-01T10:00:00Z', end: '2026-12-01T09:00:00Z' } })] },
      /ends before it starts/,
    ],
    ['a bad id', { guardrails, windows: [win({ id: 'Bad Id!' })] }, /windows\[0\]\.id/],
    ['missing guardrails', { windows: [] }, /guardrails/],
  ])('refuses %s with a clear message', (_n, data, message) => {
    expect(() => parseWindowsFile(data)).toThrow(message);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseWindowsJson('{ nope')).toThrow(/not JSON/);
  });
});

describe('schedule', () => {
  const w = parseWindowsFile({ guardrails, windows: [win()] }).windows[0]!;
  it("is active from the cron start, in the window's time zone, for its duration", () => {
    // Sunday 2026-11-22 02:00 Europe/Berlin = 01:00Z
    expect(activeOccurrence(w, new Date('2026-11-22T00:59:59Z'))).toBeUndefined();
    expect(activeOccurrence(w, new Date('2026-11-22T01:00:00Z'))).toEqual({
      start: new Date('2026-11-22T01:00:00Z'),
      end: new Date('2026-11-22T03:00:00Z'),
    });
    expect(activeOccurrence(w, new Date('2026-11-22T02:59:59Z'))?.end).toEqual(new Date('2026-11-22T03:00:00Z'));
    expect(activeOccurrence(w, new Date('2026-11-22T03:00:00Z'))).toBeUndefined();
  });
  it('follows daylight saving time (02:00 Berlin is 00:00Z in summer)', () => {
    expect(activeOccurrence(w, new Date('2026-07-05T00:30:00Z'))?.start).toEqual(new Date('2026-07-05T00:00:00Z'));
  });
  it('handles one-off windows and disabled windows', () => {
    const f = parseWindowsFile({
      guardrails,
      windows: [
        win({ id: 'once', schedule: { start: '2026-12-01T10:00:00Z', end: '2026-12-01T11:00:00Z' } }),
        win({ id: 'off', enabled: false }),
      ],
    });
    expect(activeOccurrence(f.windows[0]!, new Date('2026-12-01T10:30:00Z'))).toBeDefined();
    expect(activeOccurrence(f.windows[0]!, new Date('2026-12-01T11:00:00Z'))).toBeUndefined();
    expect(activeOccurrence(f.windows[1]!, new Date('2026-11-22T01:30:00Z'))).toBeUndefined();
  });
  it('matches the allowlist by name, wildcard or id', () => {
    const g = { ...guardrails, dryRun: false };
    expect(isAllowed(g, 'PAYROLL-APP')).toBe(true);
    expect(isAllowed(g, 'app-017')).toBe(true);
    expect(isAllowed(g, 'billing', '216196257331300020')).toBe(true);
    expect(isAllowed(g, 'application-x')).toBe(false);
  });
});

describe('markers', () => {
  it('round-trips rule names and descriptions', () => {
    expect(parseRuleName(ruleNameFor('window', 'w1'))).toEqual({ kind: 'window', key: 'w1' });
    expect(parseRuleName(ruleNameFor('adhoc', '216196257331300018'))).toEqual({
      kind: 'adhoc',
      key: '216196257331300018',
    });
    expect(parseRuleName('Existing intercept rule')).toBeUndefined();
    const d = parseRuleDescription(
      ruleDescription({ until: new Date('2026-11-22T03:00:00Z'), by: 'U123 (alice)', reason: 'patching  db\nnow' }),
    );
    expect(d).toEqual({ until: new Date('2026-11-22T03:00:00Z'), by: 'U123_(alice)', reason: 'patching db now' });
  });
  it('restores a segment description exactly, including "no description at all"', () => {
    for (const original of ['Payroll (prod)', '', undefined]) {
      const marked = markSegmentDescription(original, {
        windowId: 'w1',
        until: new Date('2026-11-22T03:00:00Z'),
        prevBypassType: 'NEVER',
      });
      expect(parseSegmentMarker(marked)).toEqual({
        windowId: 'w1',
        until: new Date('2026-11-22T03:00:00Z'),
        prevBypassType: 'NEVER',
        originalDescription: original,
      });
    }
    expect(parseSegmentMarker('just a description')).toBeUndefined();
  });
});

describe('cron windows across DST and tick boundaries', () => {
  const file = (schedule: Record<string, unknown>) =>
    parseWindowsFile({ guardrails: { ...guardrails, maxWindowMinutes: 480 }, windows: [win({ schedule })] })
      .windows[0]!;
  it('runs once, for its duration, on the night the clocks go back (02:00 happens twice in Berlin)', () => {
    const w = file({ cron: '0 2 * * SUN', timezone: 'Europe/Berlin', durationMinutes: 120 });
    // 2026-10-25: 02:00 CEST = 00:00Z; the repeated 02:00 CET = 01:00Z is not a second start.
    expect(activeOccurrence(w, new Date('2026-10-25T01:30:00Z'))).toEqual({
      start: new Date('2026-10-25T00:00:00Z'),
      end: new Date('2026-10-25T02:00:00Z'),
    });
    expect(activeOccurrence(w, new Date('2026-10-25T02:30:00Z'))).toBeUndefined();
  });
  it('stays active in the last second before the next tick', () => {
    const w = file({ cron: '0 */2 * * *', timezone: 'UTC', durationMinutes: 120 });
    expect(activeOccurrence(w, new Date('2026-11-22T01:59:59.500Z'))).toEqual({
      start: new Date('2026-11-22T00:00:00Z'),
      end: new Date('2026-11-22T02:00:00Z'),
    });
    expect(activeOccurrence(w, new Date('2026-11-22T02:00:00.000Z'))?.start).toEqual(new Date('2026-11-22T02:00:00Z'));
  });
  it('refuses occurrences that would overlap into a bypass that never ends', () => {
    expect(() => file({ cron: '*/30 * * * *', timezone: 'UTC', durationMinutes: 60 })).toThrow(
      /lasts 60 min but starts every 30 min: occurrences would overlap/,
    );
  });
});

describe('cron windows: hourly windows on the night clocks go back, and a cheap date-independent overlap check', () => {
  const file = (schedule: Record<string, unknown>) =>
    parseWindowsFile({ guardrails: { ...guardrails, maxWindowMinutes: 1500 }, windows: [win({ schedule })] })
      .windows[0]!;
  it('an hourly 60-minute window has no gap in the repeated hour', () => {
    const w = file({ cron: '0 * * * *', timezone: 'Europe/Berlin', durationMinutes: 60 });
    for (const t of ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-25T02:30:00Z'])
      expect(activeOccurrence(w, new Date(t)), t).toBeDefined();
  });
  it('accepts a daily window as long as a day, whatever the date the file is checked on', () => {
    expect(() => file({ cron: '0 2 * * *', timezone: 'Europe/Berlin', durationMinutes: 1440 })).not.toThrow();
    expect(() => file({ cron: '0 2 * * *', timezone: 'Europe/Berlin', durationMinutes: 1441 })).toThrow(
      /starts every 1440 min/,
    );
  });
});
