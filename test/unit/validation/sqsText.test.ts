/** The characters a queued command may carry: SQS's documented set, the cleaner for free text, the id check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanText,
  holdsRefusedCharacter,
  refusedCharacter,
  sqsAllows,
  sqsRefusedCharacter,
} from '../../../shared/validation/sqsText.js';
import { hostileText } from '../../fuzz/arbitraries.js';

/**
 * SQS's allowed character set, written out again here from its documentation so the module is checked against
 * an independent statement of it: #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF.
 */
const documented = (cp: number) =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff);
const isNonCharacter = (cp: number) => (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;

describe('sqsAllows', () => {
  it('is exactly the documented set, code point by code point over the whole range', () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) if (sqsAllows(cp) !== documented(cp)) expect(cp).toBe('a mismatch');
    expect(sqsAllows(0x110000)).toBe(false);
  });

  it('names the first character a body holds that SQS refuses, as U+XXXX', () => {
    expect(sqsRefusedCharacter('{"a":"ok ✓ 😀"}')).toBeUndefined();
    expect(sqsRefusedCharacter('{"a":"x\uFFFFy\uFFFE"}')).toBe('U+FFFF');
    expect(sqsRefusedCharacter('a\u0001')).toBe('U+0001');
    expect(sqsRefusedCharacter('a\uD800b')).toBe('U+D800');
    // Inside SQS's set, though refused at the edge as a non-character.
    expect(sqsRefusedCharacter('\uFDD0\u{1FFFE}')).toBeUndefined();
    expect(refusedCharacter('\uFDD0')).toBe('U+FDD0');
    expect(refusedCharacter('x\u{1FFFE}')).toBe('U+1FFFE');
  });

  it('property: JSON.stringify of any string leaves only U+FFFE/U+FFFF for SQS to refuse', () => {
    // Why the values are checked and not only the body: JSON escapes the rest, not these two.
    fc.assert(
      fc.property(hostileText(100), (s) => {
        const bad = sqsRefusedCharacter(JSON.stringify({ s }));
        expect(bad === undefined || bad === 'U+FFFE' || bad === 'U+FFFF').toBe(true);
        expect(bad !== undefined).toBe(s.includes('\uFFFE') || s.includes('\uFFFF'));
      }),
      { numRuns: 2000 },
    );
  });
});

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
      fc.property(hostileText(200), fc.integer({ min: 1, max: 300 }), (s, max) => {
        const out = cleanText(s, max);
        const cps = Array.from(out, (c) => c.codePointAt(0) ?? -1);
        expect(cps.every((cp) => documented(cp) && !isNonCharacter(cp))).toBe(true);
        expect(cps.length).toBeLessThanOrEqual(max);
        expect(holdsRefusedCharacter(out)).toBe(false);
        // No half of a surrogate pair is left: re-encoding is lossless.
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
      }),
    );
  });

  it('property: text without refused characters is only trimmed (and cut), never changed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
        if (holdsRefusedCharacter(s)) return;
        expect(cleanText(s, 1000)).toBe(s.trim());
      }),
    );
  });
});
