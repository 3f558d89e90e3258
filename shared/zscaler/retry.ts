/**
 * What to retry, written as data, and how long to wait. Bounded twice: by attempts and by the invocation's
 * deadline (the caller checks that the wait fits before sleeping).
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** HTTP statuses worth another try. */
  statuses: readonly number[];
  /** Zscaler error ids worth another try whatever the status (ZPA answers some with 400 or 409). */
  errorIds: readonly string[];
  /** Node/undici error codes of connection-level failures. */
  networkCodes: readonly string[];
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 400,
  maxDelayMs: 10_000,
  statuses: [429, 500, 502, 503, 504],
  errorIds: ['api.concurrent.access.error', 'db.simultaneous.request', 'retryable.server.error'],
  networkCodes: [
    'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  ],
};

export const isRetryableStatus = (p: RetryPolicy, status: number, errorId: string | undefined): boolean =>
  p.statuses.includes(status) || (errorId !== undefined && p.errorIds.includes(errorId));

/**
 * Parses `Retry-After` in all the forms Zscaler sends: `13s` (ZPA, with the suffix that breaks naive
 * integer parsing), plain seconds (`4`, ZDX), or an HTTP date. Returns milliseconds, or undefined.
 */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const secs = /^(\d+(?:\.\d+)?)\s*s?$/i.exec(v);
  if (secs) return Math.round(Number(secs[1]) * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Parses a rate-limit reset header: OneAPI's `x-ratelimit-reset` is seconds until reset, ZDX documents
 * `RateLimit-Reset` as a UTC epoch in seconds. A value that looks like an epoch is treated as one.
 */
export function parseRateLimitReset(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const n = Number(value.split(',')[0]?.trim());
  if (!Number.isFinite(n) || n < 0) return undefined;
  return n > 1_000_000_000 ? Math.max(0, n * 1000 - nowMs) : n * 1000;
}

/** Full-jitter exponential backoff, never below a server-given floor. */
export function backoffMs(p: RetryPolicy, attempt: number, floorMs = 0, random = Math.random): number {
  const exp = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.max(floorMs, Math.round(jittered));
}
