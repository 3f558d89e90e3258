/**
 * ZDX rate limits (docs/zscaler-api.md §4): per calling IP, 5 requests/second plus a per-minute limit by tier.
 * Fixed windows aligned to real seconds and minutes (Kong-style, which is what the headers imply). The
 * windows run on REAL time, not the SimClock: a client pacing itself at 5/s in real time must never be
 * refused just because simulated time is scaled.
 *
 * Headers on every reply — both dialects, because the docs and the SDKs disagree (docs/zscaler-api.md §5.12):
 *  - documented: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (UTC epoch seconds) — the minute tier;
 *  - read by the SDKs: `X-Ratelimit-Limit-Second`, `X-Ratelimit-Remaining-Second` (+ `-Minute`);
 *  - on 429 only: `Retry-After` in plain seconds.
 */
export type ZdxTier = 'T1' | 'T2' | 'T3' | 'T4';

export interface RateLimitConfig {
  perSecond: number;
  perMinute: number;
}

export const ZDX_TIERS: Record<ZdxTier, RateLimitConfig> = {
  T1: { perSecond: 5, perMinute: 30 },
  T2: { perSecond: 5, perMinute: 60 },
  T3: { perSecond: 5, perMinute: 120 },
  T4: { perSecond: 5, perMinute: 180 },
};

interface Usage {
  second: number;
  inSecond: number;
  minute: number;
  inMinute: number;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export class ZdxRateLimiter {
  private readonly usage = new Map<string, Usage>();

  constructor(
    readonly config: RateLimitConfig,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Counts the request if it is allowed; refused requests do not use up the window. */
  check(clientIp: string): RateDecision {
    const now = this.nowMs();
    const second = Math.floor(now / 1000);
    const minute = Math.floor(now / 60_000);
    let u = this.usage.get(clientIp);
    if (!u) {
      u = { second, inSecond: 0, minute, inMinute: 0 };
      this.usage.set(clientIp, u);
    }
    if (u.second !== second) Object.assign(u, { second, inSecond: 0 });
    if (u.minute !== minute) Object.assign(u, { minute, inMinute: 0 });

    const overSecond = u.inSecond >= this.config.perSecond;
    const overMinute = u.inMinute >= this.config.perMinute;
    const allowed = !overSecond && !overMinute;
    if (allowed) {
      u.inSecond += 1;
      u.inMinute += 1;
    }
    const minuteResetSec = (minute + 1) * 60;
    const headers: Record<string, string> = {
      'RateLimit-Limit': String(this.config.perMinute),
      'RateLimit-Remaining': String(Math.max(0, this.config.perMinute - u.inMinute)),
      'RateLimit-Reset': String(minuteResetSec),
      'X-Ratelimit-Limit-Second': String(this.config.perSecond),
      'X-Ratelimit-Remaining-Second': String(Math.max(0, this.config.perSecond - u.inSecond)),
      'X-Ratelimit-Limit-Minute': String(this.config.perMinute),
      'X-Ratelimit-Remaining-Minute': String(Math.max(0, this.config.perMinute - u.inMinute)),
    };
    if (!allowed) {
      // Wait for the window that refused us; whole seconds, at least 1.
      const untilMs = overMinute ? minuteResetSec * 1000 : (second + 1) * 1000;
      headers['Retry-After'] = String(Math.max(1, Math.ceil((untilMs - now) / 1000)));
    }
    return { allowed, headers };
  }

  snapshot(): Record<string, Usage> {
    return Object.fromEntries(this.usage);
  }

  reset(): void {
    this.usage.clear();
  }
}
