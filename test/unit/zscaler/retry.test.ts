import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, backoffMs, isRetryableStatus, parseRateLimitReset, parseRetryAfter } from '../../../shared/zscaler/retry.js';

describe('parseRetryAfter', () => {
  it('reads ZPA\'s "13s" form, which breaks naive integer parsing', () => {
    expect(parseRetryAfter('13s')).toBe(13_000);
    expect(parseRetryAfter('4s')).toBe(4_000);
    expect(parseRetryAfter(' 8S ')).toBe(8_000);
  });
  it('reads plain seconds and fractions', () => {
    expect(parseRetryAfter('4')).toBe(4_000);
    expect(parseRetryAfter('0.5')).toBe(500);
  });
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:07 GMT', now)).toBe(7_000);
  });
  it('ignores missing or unparseable values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('parseRateLimitReset', () => {
  it('treats small values as seconds-until-reset (OneAPI x-ratelimit-reset)', () => {
    expect(parseRateLimitReset('12')).toBe(12_000);
  });
  it('treats epoch values as a UTC reset time (ZDX RateLimit-Reset)', () => {
    const now = 1_800_000_000_000;
    expect(parseRateLimitReset('1800000005', now)).toBe(5_000);
  });
});

describe('retry policy', () => {
  it('retries 429, 5xx and ZPA\'s concurrent-write error ids, not other 4xx', () => {
    expect(isRetryableStatus(DEFAULT_RETRY, 429, undefined)).toBe(true);
    expect(isRetryableStatus(DEFAULT_RETRY, 503, undefined)).toBe(true);
    expect(isRetryableStatus(DEFAULT_RETRY, 409, 'api.concurrent.access.error')).toBe(true);
    expect(isRetryableStatus(DEFAULT_RETRY, 400, 'db.simultaneous.request')).toBe(true);
    expect(isRetryableStatus(DEFAULT_RETRY, 400, 'resource.not.found')).toBe(false);
    expect(isRetryableStatus(DEFAULT_RETRY, 404, undefined)).toBe(false);
  });
  it('backs off exponentially with jitter, capped, never below the server floor', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(p, 1, 0, () => 0)).toBe(50);
    expect(backoffMs(p, 1, 0, () => 1)).toBe(100);
    expect(backoffMs(p, 4, 0, () => 1)).toBe(800);
    expect(backoffMs(p, 10, 0, () => 1)).toBe(1000);
    expect(backoffMs(p, 1, 13_000, () => 1)).toBe(13_000);
  });
});
