/** The text and secret boundaries every sink shares: cutting to a vendor's limit, and scrubbing credentials. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitText, scrub } from '../../../shared/reporting/vendorHttp.js';

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('fitText', () => {
  it('keeps text within the limit unchanged', () => {
    expect(fitText('short', 10)).toBe('short');
  });

  it('cuts longer text to exactly the limit, saying how much was cut', () => {
    const out = fitText('a'.repeat(1000), 200);
    expect(out).toHaveLength(200);
    const cut = Number(/cut: (\d+) more/.exec(out)?.[1]);
    expect(out.indexOf('\n…')).toBe(1000 - cut);
  });

  it('property: never longer than the limit, a prefix of the text, never half a character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 120, max: 500 }), (text, max) => {
        const out = fitText(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (text.length <= max) {
          expect(out).toBe(text);
          return;
        }
        const kept = out.slice(0, out.indexOf('\n… (cut: '));
        expect(text.startsWith(kept)).toBe(true);
        expect(loneSurrogate.test(kept)).toBe(false);
        expect(Number(/cut: (\d+) more/.exec(out)?.[1])).toBe(text.length - kept.length);
      }),
    );
  });
});

describe('scrub', () => {
  it('removes the call’s own credentials and secret-looking values', () => {
    expect(scrub('GenieKey abcdef123456 said no; Bearer xyz.abc', ['abcdef123456'])).toBe(
      'GenieKey [REDACTED] said no; [REDACTED]',
    );
  });

  it('property: no credential survives, wherever it sits in the text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 8, maxLength: 40 }), fc.string(), (a, secret, b) => {
        fc.pre(!secret.includes('[REDACTED]'));
        expect(scrub(`${a}${secret}${b}`, [secret])).not.toContain(secret);
      }),
    );
  });
});
