/**
 * ZPA's per-IP limiter: 20 GET and 10 POST/PUT/DELETE per 10 s, "the window starts at the first call"
 * (docs/zscaler-api.md §4). A fixed window per (client IP, class) opens on the first call and lasts 10 s of REAL time
 * (Date.now, read on every call so tests can move it with vi.setSystemTime); a call over budget gets 429 with
 * `retry-after: <seconds until the window closes, rounded up>s`.
 */
export interface RateLimits {
  getPer10s: number;
  writePer10s: number;
  /** Window length; 10 s in ZPA. Tests and benchmarks shorten it to run the same pacing faster. */
  windowMs?: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { getPer10s: 20, writePer10s: 10 };
const WINDOW_MS = 10_000;

interface Window {
  start: number;
  count: number;
}

export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly limits: RateLimits | false) {}

  /** Returns undefined when the call may proceed, else the whole seconds to put in `retry-after`. */
  take(clientIp: string, method: string): number | undefined {
    if (!this.limits) return undefined;
    const isGet = method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD';
    const key = `${isGet ? 'get' : 'write'}|${clientIp}`;
    const limit = isGet ? this.limits.getPer10s : this.limits.writePer10s;
    const now = Date.now();
    const windowMs = this.limits.windowMs ?? WINDOW_MS;
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= limit) return Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    w.count += 1;
    return undefined;
  }

  reset(): void {
    this.windows.clear();
  }
}
