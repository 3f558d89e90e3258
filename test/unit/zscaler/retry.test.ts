import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY,
  backoffMs,
  classifyFailure,
  isRetryableStatus,
  mayResend,
  parseRateLimitReset,
  parseRetryAfter,
  type FailureKind,
} from '../../../shared/zscaler/retry.js';

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
  it("retries 429, 5xx and ZPA's concurrent-write error ids, not other 4xx", () => {
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

describe('retry safety: what a failure says about the server', () => {
  const kindOf = (f: { status?: number; errorId?: string; code?: string }) => classifyFailure(DEFAULT_RETRY, f);

  it("429 is a refusal by the rate limiter; 503 and ZPA's refusal ids are refusals: nothing was done", () => {
    expect(kindOf({ status: 429 })).toBe('rate-limited');
    expect(kindOf({ status: 503 })).toBe('refused');
    expect(kindOf({ status: 503, errorId: 'retryable.server.error' })).toBe('refused');
    expect(kindOf({ status: 409, errorId: 'api.concurrent.access.error' })).toBe('refused');
    expect(kindOf({ status: 400, errorId: 'db.simultaneous.request' })).toBe('refused');
  });

  it('a connection that never opened is "not sent"', () => {
    for (const code of ['ECONNREFUSED', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])
      expect(kindOf({ code }), code).toBe('not-sent');
  });

  it('a reset, a timeout or a closed socket after sending, and 500/502/504, leave the outcome unknown', () => {
    for (const code of [
      'ECONNRESET',
      'EPIPE',
      'ETIMEDOUT',
      'UND_ERR_SOCKET',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
      'UND_ERR_CLOSED',
    ]) {
      expect(kindOf({ code }), code).toBe('outcome-unknown');
    }
    for (const status of [500, 502, 504]) expect(kindOf({ status }), String(status)).toBe('outcome-unknown');
  });

  it('other answers and unknown network codes are not worth another try', () => {
    for (const status of [200, 201, 204, 400, 401, 403, 404, 409, 422])
      expect(kindOf({ status }), String(status)).toBeUndefined();
    expect(kindOf({ status: 400, errorId: 'resource.not.found' })).toBeUndefined();
    expect(kindOf({ code: 'ERR_INVALID_URL' })).toBeUndefined();
    expect(kindOf({})).toBeUndefined();
  });
});

describe('retry safety: what may be sent again blind', () => {
  const KINDS: FailureKind[] = ['rate-limited', 'refused', 'not-sent', 'outcome-unknown'];
  /** The table as encoded: method × failure kind → re-sent. */
  const table = (declared?: boolean) =>
    Object.fromEntries(
      ['GET', 'HEAD', 'PUT', 'DELETE', 'POST'].map((m) => [
        m,
        KINDS.map((k) => (mayResend(DEFAULT_RETRY, m, k, declared) ? 'resend' : 'read back')),
      ]),
    );

  it('GET/HEAD/PUT/DELETE after anything; POST only when the server did nothing', () => {
    expect(table()).toEqual({
      //        429        503/ids    never sent  sent, no answer / 500 502 504
      GET: ['resend', 'resend', 'resend', 'resend'],
      HEAD: ['resend', 'resend', 'resend', 'resend'],
      PUT: ['resend', 'resend', 'resend', 'resend'],
      DELETE: ['resend', 'resend', 'resend', 'resend'],
      POST: ['resend', 'resend', 'resend', 'read back'],
    });
  });

  it('a request declares itself: a documented-idempotent POST is re-sent, a PUT that wants a read-back is not', () => {
    expect(mayResend(DEFAULT_RETRY, 'POST', 'outcome-unknown', true)).toBe(true);
    expect(mayResend(DEFAULT_RETRY, 'PUT', 'outcome-unknown', false)).toBe(false);
    // The declaration only matters when the outcome is unknown: a refusal is re-sent whatever it says.
    expect(table(false).PUT).toEqual(['resend', 'resend', 'resend', 'read back']);
    expect(table(true).POST).toEqual(['resend', 'resend', 'resend', 'resend']);
  });

  it('methods are matched whatever their case', () => {
    expect(mayResend(DEFAULT_RETRY, 'post', 'outcome-unknown')).toBe(false);
    expect(mayResend(DEFAULT_RETRY, 'delete', 'outcome-unknown')).toBe(true);
  });
});
