import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { SOURCE_NAME } from '../../../shared/incidents/event.js';
import {
  capEmails,
  cleanText,
  emailsFromUserTags,
  MAX_ID_CHARS,
  requiredId,
  vendorTime,
} from '../../../shared/incidents/source.js';
import { findSource, INCIDENT_SOURCES } from '../../../shared/incidents/sources.js';
import { webhookSectionSchemas } from '../../../shared/webhooks/secrets.js';
import { thrown } from './helpers.js';

/** SQS's allowed character set, as documented: #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF. */
const sqsAllows = (cp: number) =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  cp >= 0x10000;
const isNonCharacter = (cp: number) => (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;

describe('cleanText', () => {
  it('drops U+FFFE, U+FFFF, other non-characters, control characters and lone surrogates', () => {
    expect(cleanText('a\uFFFEb\uFFFFc\uFDD0d\u0000e\u001Ff\uD800g\uDC00h', 100)).toBe('abcdefgh');
    expect(cleanText('tab\tand\nnewline', 100)).toBe('tab\tand\nnewline');
    expect(cleanText('emoji 😀 kept, U+1FFFF dropped: \u{1FFFF}', 100)).toBe('emoji 😀 kept, U+1FFFF dropped:');
  });

  it('cuts to the bound on a character boundary, never inside a surrogate pair', () => {
    expect(cleanText('😀😀😀😀', 3)).toBe('😀😀…');
    expect(cleanText('  short  ', 3)).toBe('sh…');
  });

  it('property: any input gives text SQS accepts, without non-characters, within the bound', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.integer({ min: 1, max: 300 }), (s, max) => {
        const out = cleanText(s, max);
        const cps = Array.from(out, (c) => c.codePointAt(0)!);
        expect(cps.every((cp) => sqsAllows(cp) && !isNonCharacter(cp))).toBe(true);
        expect(cps.length).toBeLessThanOrEqual(max);
        // No half of a surrogate pair is left: re-encoding is lossless.
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
      }),
    );
  });
});

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
  it('reads user:<email> tags only, and keeps the first 50 distinct addresses', () => {
    expect(emailsFromUserTags(['env:prod', 'USER:Alice@Corp.Example', 'user:not-an-email', 7])).toEqual([
      'alice@corp.example',
    ]);
    const many = Array.from({ length: 60 }, (_, i) => `u${i}@corp.example`);
    expect(capEmails(many.slice(0, 30), many)).toEqual(many.slice(0, 50));
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
