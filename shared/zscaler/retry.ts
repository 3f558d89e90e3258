/**
 * What to retry, written as data, and how long to wait. Bounded twice: by attempts and by the invocation's
 * deadline (the caller checks that the wait fits before sleeping).
 *
 * Whether a failed request may be sent again *blind* depends on two things, both data here:
 *  - what the failure says about the server (`classifyFailure`): it refused the request (429, 503, ZPA's
 *    concurrent-write ids), the request never left (connection refused, DNS, connect timeout), or it was sent
 *    and no answer says what happened (reset, timeout, closed socket, 500, 502, 504: the outcome is unknown);
 *  - whether sending it twice does more than sending it once (`idempotentMethods`, or the request's own
 *    declaration: `SendOptions.idempotent`).
 * A refused or unsent request is re-sent whatever its method; an unknown outcome only when the request is
 * idempotent (`mayResend`). Otherwise the core throws `OutcomeUnknownError` and the caller reads back.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** HTTP statuses worth another try. */
  statuses: readonly number[];
  /** Of `statuses`, those that say the server did not do the work (it refused the request): 429, 503. */
  refusedStatuses: readonly number[];
  /** Zscaler error ids worth another try whatever the status (ZPA answers some with 400 or 409): refusals, nothing was done. */
  errorIds: readonly string[];
  /** Node/undici error codes of connection-level failures. */
  networkCodes: readonly string[];
  /** Of `networkCodes`, those raised before the request left this process: the server never saw it. */
  notSentCodes: readonly string[];
  /** Methods whose repetition has no effect beyond the first send: re-sent after an unknown outcome. */
  idempotentMethods: readonly string[];
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 400,
  maxDelayMs: 10_000,
  statuses: [429, 500, 502, 503, 504],
  refusedStatuses: [429, 503],
  errorIds: ['api.concurrent.access.error', 'db.simultaneous.request', 'retryable.server.error'],
  networkCodes: [
    'ECONNRESET',
    'ECONNREFUSED',
    'EPIPE',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_CLOSED',
  ],
  notSentCodes: ['ECONNREFUSED', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'],
  // GET/HEAD/OPTIONS change nothing; PUT (a full replacement) and DELETE leave the same state however often
  // they arrive. POST creates: never re-sent blind.
  idempotentMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'],
};

export const isRetryableStatus = (p: RetryPolicy, status: number, errorId: string | undefined): boolean =>
  p.statuses.includes(status) || (errorId !== undefined && p.errorIds.includes(errorId));

/**
 * What a failed attempt says about the server's side:
 *  - `rate-limited`: 429, refused by the rate limiter before any work;
 *  - `refused`: 503 or a ZPA refusal id (`api.concurrent.access.error`, `db.simultaneous.request`,
 *    `retryable.server.error`): not done;
 *  - `not-sent`: the request never reached the server (connection refused, DNS, connect timeout);
 *  - `outcome-unknown`: sent, and nothing says whether it took effect (reset, timeout, closed socket; 500, 502, 504,
 *    where the server or a gateway in front of it may have done the work before failing);
 *  - undefined: not worth another try (a 4xx, an unknown network code), or not a failure.
 */
export type FailureKind = 'rate-limited' | 'refused' | 'not-sent' | 'outcome-unknown';

export function classifyFailure(
  p: RetryPolicy,
  f: { status?: number; errorId?: string; code?: string },
): FailureKind | undefined {
  if (f.status !== undefined) {
    if (f.errorId !== undefined && p.errorIds.includes(f.errorId)) return 'refused';
    if (!p.statuses.includes(f.status)) return undefined;
    if (f.status === 429) return 'rate-limited';
    return p.refusedStatuses.includes(f.status) ? 'refused' : 'outcome-unknown';
  }
  if (f.code === undefined || !p.networkCodes.includes(f.code)) return undefined;
  return p.notSentCodes.includes(f.code) ? 'not-sent' : 'outcome-unknown';
}

/**
 * Whether a request that failed this way may be sent again without asking the server what happened first.
 * `declared` is the request's own word (`SendOptions.idempotent`): true for a POST the API documents as
 * idempotent, false for a PUT its caller would rather read back (a full replacement built from an earlier read).
 */
export function mayResend(p: RetryPolicy, method: string, kind: FailureKind, declared?: boolean): boolean {
  if (kind !== 'outcome-unknown') return true;
  return declared ?? p.idempotentMethods.includes(method.toUpperCase());
}

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
