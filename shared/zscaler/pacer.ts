/**
 * Client-side pacing to the published limits, so we wait before sending instead of collecting 429s.
 * A sliding window admits at most `limit` requests in any `windowMs` interval — which also satisfies ZPA's
 * fixed window that "starts at the first call" — plus a small margin for network jitter.
 */
export class SlidingWindow {
  private readonly sent: number[] = [];
  /** The budget; a pacer may lower or raise it when the server states its limit. */
  limit: number;
  private tail: Promise<void> = Promise.resolve();
  private pausedUntil = 0;

  constructor(
    limit: number,
    readonly windowMs: number,
    private readonly marginMs = 50,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = limit;
  }

  /**
   * Resolves when a request may be sent; callers are admitted in arrival order. With a deadline (epoch ms), a
   * slot that would come later rejects at once with {@link PacingDeadlineError} instead of waiting past it, and
   * takes no slot: the invocation gives the work back, the next caller keeps its place.
   */
  acquire(deadlineMs = Number.POSITIVE_INFINITY): Promise<void> {
    const turn = this.tail.then(() => this.waitForSlot(deadlineMs));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** After a 429: send nothing more until `ms` from now. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** How long a request would wait now (for windows that are checked together). */
  waitMs(now = this.now()): number {
    while (this.sent.length && now - this.sent[0]! >= this.windowMs + this.marginMs) this.sent.shift();
    const waitWindow = this.sent.length >= this.limit ? this.sent[0]! + this.windowMs + this.marginMs - now : 0;
    return Math.max(this.pausedUntil - now, waitWindow, 0);
  }

  private async waitForSlot(deadlineMs: number): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.sent.length && now - this.sent[0]! >= this.windowMs + this.marginMs) this.sent.shift();
      const waitPause = this.pausedUntil - now;
      const waitWindow = this.sent.length >= this.limit ? this.sent[0]! + this.windowMs + this.marginMs - now : 0;
      const wait = Math.max(waitPause, waitWindow);
      if (wait <= 0) {
        this.sent.push(now);
        return;
      }
      if (now + wait > deadlineMs) throw new PacingDeadlineError(wait);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** The next slot comes after the caller's deadline: nothing was sent, the work is for a later run. */
export class PacingDeadlineError extends Error {
  constructor(readonly waitMs: number) {
    super(`the rate limit's next slot is ${waitMs} ms away, past the deadline`);
  }
}

/** Chooses the window a request counts against. */
export interface Pacer {
  /** @throws PacingDeadlineError when the slot would come after `deadlineMs`. */
  acquire(method: string, deadlineMs?: number): Promise<void>;
  pause(method: string, ms: number): void;
  /** Every response's headers (lower-cased names): a pacer may learn the server's limits from them. */
  observe?(method: string, headers: Readonly<Record<string, string>>): void;
}

/** ZPA's budgets: `getPer10s` GETs and `writePer10s` POST/PUT/DELETEs per `windowMs` (10 s when published). */
export interface ZpaRateLimits {
  getPer10s: number;
  writePer10s: number;
  windowMs: number;
}

/** ZPA: 20 GET and 10 POST/PUT/DELETE per 10 s per organisation and calling IP. */
export const ZPA_PUBLISHED_LIMITS: Readonly<ZpaRateLimits> = Object.freeze({
  getPer10s: 20,
  writePer10s: 10,
  windowMs: 10_000,
});

/** ZDX: 5 requests per second per calling IP, on every licence tier. */
export const ZDX_PUBLISHED_REQUESTS_PER_SECOND = 5;

export function zpaPacer(limits: ZpaRateLimits = ZPA_PUBLISHED_LIMITS): Pacer {
  const reads = new SlidingWindow(limits.getPer10s, limits.windowMs);
  const writes = new SlidingWindow(limits.writePer10s, limits.windowMs);
  const pick = (m: string) => (m.toUpperCase() === 'GET' ? reads : writes);
  return { acquire: (m, d) => pick(m).acquire(d), pause: (m, ms) => pick(m).pause(ms) };
}

/** ZDX's per-minute budget of its highest licence tier (T4): no tenant is allowed more (docs/zscaler-api.md §4). */
export const ZDX_HIGHEST_TIER_REQUESTS_PER_MINUTE = 180;

/**
 * ZDX: 5 requests per second per calling IP on every licence tier, and a per-minute budget that depends on the
 * tier (T1 30 … T4 180). Both windows are always held. The minute budget starts at `perMinute` when configured,
 * else at the highest tier's 180, and follows what ZDX says on every response (`RateLimit-Limit`, or the SDKs'
 * `X-Ratelimit-Limit-Minute`; docs/zscaler-api.md §5.12), never above a configured value: a T1 tenant is paced
 * at 30 from its first answer on, without anyone setting it. A response saying the minute's budget is spent
 * (`…-Remaining` 0) pauses the minute window until ZDX's reset, which also covers requests this pacer did not
 * count (another caller on the same IP).
 */
export function zdxPacer(perSecond = ZDX_PUBLISHED_REQUESTS_PER_SECOND, perMinute?: number): Pacer {
  const second = new SlidingWindow(perSecond, 1000);
  const minute = new SlidingWindow(perMinute ?? ZDX_HIGHEST_TIER_REQUESTS_PER_MINUTE, 60_000);
  return {
    // The minute window first (its wait is the long one), then the second window: both are counted.
    acquire: async (_m, d) => {
      await minute.acquire(d);
      await second.acquire(d);
    },
    pause: (_m, ms) => {
      second.pause(ms);
      minute.pause(ms);
    },
    observe: (_m, headers) => {
      const stated = minuteLimitOf(headers);
      if (stated !== undefined) minute.limit = perMinute === undefined ? stated : Math.min(perMinute, stated);
      const remaining = minuteRemainingOf(headers);
      const resetMs = resetInMs(headers['ratelimit-reset'] ?? headers['x-ratelimit-reset-minute']);
      if (remaining === 0 && resetMs !== undefined) minute.pause(resetMs);
    },
  };
}

/**
 * The minute budget ZDX states: `RateLimit-Limit` (documented; a plain number, or the structured `N, N;w=60` form
 * some gateways send — only a 60 s window counts) or `X-Ratelimit-Limit-Minute`. The OneAPI gateway's own
 * `x-ratelimit-limit` (5,000 a minute, every product) is deliberately not read: it is not ZDX's limit.
 */
function minuteLimitOf(h: Readonly<Record<string, string>>): number | undefined {
  return positiveInt(h['x-ratelimit-limit-minute']) ?? structuredMinute(h['ratelimit-limit']);
}

function minuteRemainingOf(h: Readonly<Record<string, string>>): number | undefined {
  const v = h['x-ratelimit-remaining-minute'] ?? h['ratelimit-remaining'];
  if (v === undefined) return undefined;
  const n = Number(v.split(',')[0]?.trim());
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function structuredMinute(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((p) => p.trim());
  const windowed = parts.find((p) => /;\s*w=60\b/.test(p));
  if (windowed) return positiveInt(windowed.split(';')[0]);
  // A bare number is ZDX's documented form (its minute tier); other structured windows say nothing of the minute.
  return parts.length === 1 && !parts[0]!.includes(';') ? positiveInt(parts[0]) : undefined;
}

function positiveInt(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A reset as ZDX documents it (UTC epoch seconds) or as seconds from now; capped at a minute. */
function resetInMs(v: string | undefined, nowMs = Date.now()): number | undefined {
  const n = Number(v?.split(',')[0]?.trim());
  if (v === undefined || !Number.isFinite(n) || n < 0) return undefined;
  const ms = n > 1_000_000_000 ? n * 1000 - nowMs : n * 1000;
  return Math.min(60_000, Math.max(0, ms));
}
