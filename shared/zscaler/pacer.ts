/**
 * Client-side pacing to the published limits, so we wait before sending instead of collecting 429s.
 * A sliding window admits at most `limit` requests in any `windowMs` interval — which also satisfies ZPA's
 * fixed window that "starts at the first call" — plus a small margin for network jitter.
 */
export class SlidingWindow {
  private readonly sent: number[] = [];
  private tail: Promise<void> = Promise.resolve();
  private pausedUntil = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly marginMs = 50,
    private readonly now: () => number = Date.now,
  ) {}

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

/**
 * ZDX: 5 requests per second per calling IP on every licence tier, and on some tiers a per-minute budget too
 * (e.g. 30 a minute): both windows are held, the per-minute one only when configured.
 */
export function zdxPacer(perSecond = ZDX_PUBLISHED_REQUESTS_PER_SECOND, perMinute?: number): Pacer {
  const second = new SlidingWindow(perSecond, 1000);
  if (!perMinute) return { acquire: (_m, d) => second.acquire(d), pause: (_m, ms) => second.pause(ms) };
  const minute = new SlidingWindow(perMinute, 60_000);
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
  };
}
