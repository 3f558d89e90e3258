import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, PayloadTooLargeError, UnauthorizedError, ValidationError } from '../../../shared/errors.js';
import {
  assertBodySize,
  assertFreshTimestamp,
  assertSecrets,
  decodeBody,
  DEFAULT_MAX_BODY_BYTES,
  headerValue,
  hmacSha256,
  safeEqual,
  safeEqualAny,
} from '../../../shared/webhooks/hmac.js';
import { thrown } from '../incidents/helpers.js';

// Wrap (not replace) timingSafeEqual so the tests can count comparisons.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

describe('hmacSha256', () => {
  it('matches RFC 4231 test case 2', () => {
    expect(hmacSha256('Jefe', 'what do ya want for nothing?').toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('treats strings as UTF-8 and accepts Buffers', () => {
    expect(hmacSha256(Buffer.from('k'), Buffer.from('café', 'utf8'))).toEqual(hmacSha256('k', 'café'));
  });
});

describe('safeEqual / safeEqualAny', () => {
  it('compares byte strings, including different lengths, without throwing', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual(Buffer.from('abc'), 'abc')).toBe(true);
  });

  it('finds a match in any position and compares every pair (no early exit)', () => {
    // Prepare
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const a = hmacSha256('s1', 'x');
    const b = hmacSha256('s2', 'x');
    // Act
    const first = safeEqualAny([a, b], [a, b]);
    // Assess: a matches at once, yet all 2 × 2 pairs were still compared
    expect(first).toBe(true);
    expect(spy).toHaveBeenCalledTimes(4);
    expect(safeEqualAny([a, b], [hmacSha256('s3', 'x'), b])).toBe(true);
    expect(safeEqualAny([a], [b])).toBe(false);
    expect(safeEqualAny([], [a])).toBe(false);
  });
});

describe('decodeBody', () => {
  it('returns an empty string for a missing body', () => {
    expect(decodeBody(undefined)).toBe('');
    expect(decodeBody(undefined, true)).toBe('');
  });

  it('passes a plain body through untouched', () => {
    expect(decodeBody('{"a":1}\n', false)).toBe('{"a":1}\n');
  });

  it('decodes a base64 body (API Gateway isBase64Encoded) to the exact UTF-8 text', () => {
    const raw = '{"title":"Café ✓ down"}';
    expect(decodeBody(Buffer.from(raw, 'utf8').toString('base64'), true)).toBe(raw);
  });

  it('rejects a base64 body that is not UTF-8 with a 400', () => {
    const err = thrown(() => decodeBody(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'), true));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe('request body is not valid UTF-8');
  });

  it('enforces maxBytes on plain and base64 bodies, accepting exactly the limit', () => {
    const atLimit = 'x'.repeat(64);
    expect(decodeBody(atLimit, false, 64)).toBe(atLimit);
    expect(decodeBody(Buffer.from(atLimit).toString('base64'), true, 64)).toBe(atLimit);
    expect(() => decodeBody(`${atLimit}x`, false, 64)).toThrow(PayloadTooLargeError);
    expect(() => decodeBody(Buffer.from(`${atLimit}x`).toString('base64'), true, 64)).toThrow(PayloadTooLargeError);
    const huge = Buffer.alloc(DEFAULT_MAX_BODY_BYTES * 2, 'a').toString('base64');
    expect(() => decodeBody(huge, true, DEFAULT_MAX_BODY_BYTES)).toThrow(
      `request body exceeds ${DEFAULT_MAX_BODY_BYTES} bytes`,
    );
  });
});

describe('assertBodySize', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(() => assertBodySize('ééé', 6)).not.toThrow();
    const err = thrown(() => assertBodySize('ééé', 5));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as PayloadTooLargeError).statusCode).toBe(413);
  });

  it('defaults to DEFAULT_MAX_BODY_BYTES', () => {
    expect(() => assertBodySize('a'.repeat(DEFAULT_MAX_BODY_BYTES))).not.toThrow();
    expect(() => assertBodySize(Buffer.alloc(DEFAULT_MAX_BODY_BYTES + 1))).toThrow(PayloadTooLargeError);
  });
});

describe('headerValue', () => {
  it('finds headers whatever their case', () => {
    const headers = { 'X-PagerDuty-Signature': 'v1=ab', 'content-type': 'application/json' };
    expect(headerValue(headers, 'x-pagerduty-signature')).toBe('v1=ab');
    expect(headerValue(headers, 'Content-Type')).toBe('application/json');
    expect(headerValue(headers, 'x-missing')).toBeUndefined();
    expect(headerValue(undefined, 'x')).toBeUndefined();
    expect(headerValue(null, 'x')).toBeUndefined();
  });
});

describe('assertFreshTimestamp', () => {
  const now = 1_700_000_000;

  it('accepts timestamps up to 300 s away in either direction', () => {
    expect(() => assertFreshTimestamp(String(now), now)).not.toThrow();
    expect(() => assertFreshTimestamp(String(now - 300), now)).not.toThrow();
    expect(() => assertFreshTimestamp(String(now + 300), now)).not.toThrow();
  });

  it('rejects stale, future, missing and malformed timestamps', () => {
    for (const ts of [String(now - 301), String(now + 301), undefined, '', 'abc', '1.5', '-1', '1e9']) {
      expect(() => assertFreshTimestamp(ts, now)).toThrow(UnauthorizedError);
    }
  });
});

describe('assertSecrets', () => {
  it('fails closed on no secrets or an empty one', () => {
    expect(() => assertSecrets(['a'], 'x')).not.toThrow();
    expect(() => assertSecrets([], 'x')).toThrow(ConfigError);
    expect(() => assertSecrets(['a', ''], 'x')).toThrow(ConfigError);
  });
});
