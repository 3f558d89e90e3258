import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { SOURCE_NAME } from '../../../shared/incidents/event.js';
import { capUserEmails, distinctEmails, listText, MAX_USER_EMAILS } from '../../../shared/incidents/emails.js';
import { emailsFromUserTags, MAX_ID_CHARS, requiredId, vendorTime } from '../../../shared/incidents/source.js';
import { findSource, INCIDENT_SOURCES } from '../../../shared/incidents/sources.js';
import { webhookSectionSchemas } from '../../../shared/webhooks/secrets.js';
import { thrown } from './helpers.js';

describe('requiredId', () => {
  it('accepts vendor ids and numbers, refuses empty, oversized and refused-character ids', () => {
    expect(requiredId(' Q1 ', 'id')).toBe('Q1');
    expect(requiredId(7832917645312, 'id')).toBe('7832917645312');
    for (const bad of ['', '  ', 'x'.repeat(MAX_ID_CHARS + 1), 'a\uFFFE', 'a\u0000', undefined, {}])
      expect(thrown(() => requiredId(bad, 'id'))).toBeInstanceOf(ValidationError);
  });
});

describe('vendorTime', () => {
  it('reads ISO strings and epochs in s, ms, µs and ns; gives nothing for junk', () => {
    const iso = '2025-12-03T15:40:12.000Z';
    const ms = Date.parse(iso);
    expect(vendorTime(iso)).toBe(iso);
    expect(vendorTime(ms / 1000)).toBe(iso);
    expect(vendorTime(ms)).toBe(iso);
    expect(vendorTime(String(ms))).toBe(iso);
    expect(vendorTime(ms * 1000)).toBe(iso);
    expect(vendorTime(ms * 1e6)).toBe(iso);
    for (const junk of ['soon', '', -1, 0, Number.NaN, null, {}]) expect(vendorTime(junk)).toBeUndefined();
  });
});

describe('user tags and caps', () => {
  it('reads user:<email> tags only; the cap keeps the first 50 distinct addresses and counts the rest', () => {
    expect(emailsFromUserTags(['env:prod', 'USER:Alice@Corp.Example', 'user:not-an-email', 7])).toEqual([
      'alice@corp.example',
    ]);
    const many = Array.from({ length: 60 }, (_, i) => `u${i}@corp.example`);
    expect(distinctEmails(many.slice(0, 30), many)).toEqual(many);
    expect(MAX_USER_EMAILS).toBe(50);
    expect(capUserEmails(many)).toEqual({ kept: many.slice(0, 50), omitted: 10 });
    expect(capUserEmails(many.slice(0, 50))).toEqual({ kept: many.slice(0, 50), omitted: 0 });
    expect(capUserEmails([])).toEqual({ kept: [], omitted: 0 });
  });

  it('writes a list of any length as at most ten items and a count', () => {
    expect(listText([])).toBe('');
    expect(listText(['a', 'b'])).toBe('a, b');
    const many = Array.from({ length: 10_000 }, (_, i) => `u${i}@corp.example`);
    expect(listText(many)).toBe(`${many.slice(0, 10).join(', ')} … and 9,990 more`);
    expect(listText(many, 2)).toBe('u0@corp.example, u1@corp.example … and 9,998 more');
    expect(listText(many.slice(0, 10))).toBe(many.slice(0, 10).join(', '));
  });
});

describe('the source registry', () => {
  it('names each source once, in the source-name form, with a section of the webhooks secret', () => {
    const names = INCIDENT_SOURCES.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of INCIDENT_SOURCES) {
      expect(s.name).toMatch(SOURCE_NAME);
      expect(Object.keys(webhookSectionSchemas)).toContain(s.section);
    }
    expect(findSource('rootly')?.name).toBe('rootly');
    expect(findSource('Rootly')).toBeUndefined();
    expect(findSource('__proto__')).toBeUndefined();
  });
});
