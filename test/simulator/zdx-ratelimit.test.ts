import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../simulator/index.js';
import { startSimulator } from '../../simulator/index.js';
import { ZdxRateLimiter } from '../../simulator/zdx/ratelimit.js';
import { call, sleep, zdxToken } from './helpers.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Waits, if needed, so that at least `marginMs` remain in the current real-time window of `windowMs`. */
async function alignTo(windowMs: number, marginMs: number) {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await sleep(left + 5);
}

/**
 * n concurrent ZDX calls, fired early in a real second and minute so that no window boundary splits them. The
 * token is fetched in the same second, so the limit has counted one request (the legacy token endpoint is a ZDX
 * call) before the burst.
 */
async function burst(s: RunningSimulator, n: number, headers: Record<string, string> = {}) {
  await alignTo(60_000, 3_000);
  await alignTo(1_000, 700);
  const token = await zdxToken(s);
  return Promise.all(
    Array.from({ length: n }, () =>
      call(`${s.url}/v1/devices?limit=1`, { headers: { authorization: `Bearer ${token}`, ...headers } }),
    ),
  );
}

describe('ZDX rate limiting over HTTP', () => {
  it('answers 429 {code, message} with RateLimit-*, X-Ratelimit-*-Second and Retry-After when the per-second limit is exceeded', async () => {
    sim = await startSimulator({ zdxRateLimit: { perSecond: 2 } });
    const replies = await burst(sim, 6);
    const refused = replies.filter((r) => r.status === 429);
    // The token request took one of the second's two.
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(refused).toHaveLength(5);
    const r = refused[0]!;
    expect(r.body).toEqual({ code: 429, message: 'Rate limit exceeded' });
    expect(r.headers.get('x-ratelimit-limit-second')).toBe('2');
    expect(r.headers.get('x-ratelimit-remaining-second')).toBe('0');
    expect(r.headers.get('ratelimit-limit')).toBe('180');
    const reset = Number(r.headers.get('ratelimit-reset'));
    // UTC epoch seconds, at most a minute ahead.
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
    expect(r.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  });

  it("counts the legacy token endpoint on the ZDX host against ZDX's per-IP limit", async () => {
    sim = await startSimulator({ zdxRateLimit: { perSecond: 2, perMinute: 1000 } });
    await alignTo(1_000, 700);
    const token = () =>
      call(`${sim!.url}/v1/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key_id: 'x', key_secret: 'y', timestamp: Math.floor(Date.now() / 1000) }),
      });
    const replies = await Promise.all([token(), token(), token()]);
    // Two are answered by the token endpoint (whatever it says of the credentials); the third is over the limit.
    expect(replies.filter((r) => r.status === 429)).toHaveLength(1);
    expect(replies.find((r) => r.status !== 429)!.headers.get('x-ratelimit-limit-second')).toBe('2');
  });

  it('emits the rate headers on every successful ZDX reply, counting down', async () => {
    sim = await startSimulator({ zdxRateLimit: { perSecond: 100, perMinute: 50 } });
    const [a, b] = await burst(sim, 2);
    for (const r of [a!, b!]) {
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBe('50');
      expect(r.headers.get('x-ratelimit-limit-second')).toBe('100');
      expect(r.headers.get('retry-after')).toBeNull();
    }
    const remaining = [a!, b!].map((r) => Number(r.headers.get('ratelimit-remaining'))).sort();
    expect(remaining).toEqual([47, 48]);
  });

  it('applies the per-minute tier (T1 = 30/min)', async () => {
    sim = await startSimulator({ zdxTier: 'T1', zdxRateLimit: { perSecond: 1000 } });
    const replies = await burst(sim, 40);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(29);
    const refused = replies.filter((r) => r.status === 429);
    expect(refused).toHaveLength(11);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.headers.get('ratelimit-remaining')).toBe('0');
    expect(replies[0]!.headers.get('ratelimit-limit')).toBe('30');
  });

  it('limits per client IP', async () => {
    sim = await startSimulator({ zdxRateLimit: { perSecond: 1000, perMinute: 3 } });
    const one = await burst(sim, 5, { 'x-forwarded-for': '198.51.100.1' });
    const two = await burst(sim, 3, { 'x-forwarded-for': '198.51.100.2' });
    expect(one.filter((r) => r.status === 429)).toHaveLength(2);
    expect(two.filter((r) => r.status === 200)).toHaveLength(3);
  });

  it('runs on real time: a client pacing at 5/s is never refused even at timeScale 3600', async () => {
    sim = await startSimulator({ timeScale: 3600, tokenLifetimeSec: 86400 * 30 });
    const token = await zdxToken(sim);
    await sleep(1_000); // the token request counted in its second
    const statuses: number[] = [];
    // 200 ms after each reply: consecutive arrivals are then at least 200 ms apart however the machine is loaded.
    for (let i = 0; i < 8; i += 1) {
      statuses.push(
        (await call(`${sim.url}/v1/devices/132559212/apps`, { headers: { authorization: `Bearer ${token}` } })).status,
      );
      await sleep(200);
    }
    expect(statuses).toEqual(Array(8).fill(200));
  });

  it('can be switched off', async () => {
    sim = await startSimulator({ zdxRateLimit: false });
    const replies = await burst(sim, 12);
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(replies[0]!.headers.get('ratelimit-limit')).toBeNull();
  });
});

describe('ZdxRateLimiter windows', () => {
  it('resets each fixed window and reports Retry-After to the window end', () => {
    let now = 1_800_000_000_000; // aligned to a minute
    const limiter = new ZdxRateLimiter({ perSecond: 2, perMinute: 5 }, () => now);
    expect(limiter.check('a').allowed).toBe(true);
    expect(limiter.check('a').allowed).toBe(true);
    now += 400;
    const refused = limiter.check('a');
    expect(refused.allowed).toBe(false);
    expect(refused.headers['Retry-After']).toBe('1');
    now += 600; // next second
    expect(limiter.check('a').allowed).toBe(true);
    expect(limiter.check('a').allowed).toBe(true);
    now += 1000;
    expect(limiter.check('a').allowed).toBe(true);
    now += 1000;
    const perMinute = limiter.check('a');
    expect(perMinute.allowed).toBe(false);
    expect(perMinute.headers['RateLimit-Remaining']).toBe('0');
    expect(Number(perMinute.headers['Retry-After'])).toBe(57);
    expect(perMinute.headers['RateLimit-Reset']).toBe(String(1_800_000_000 + 60));
    now = 1_800_000_060_000;
    expect(limiter.check('a').allowed).toBe(true);
  });
});
