import { describe, expect, it } from 'vitest';
import { PacingDeadlineError, SlidingWindow, zdxPacer } from '../../../shared/zscaler/pacer.js';
import { refreshAfterMs } from '../../../shared/zscaler/auth/provider.js';

describe('SlidingWindow', () => {
  it('never admits more than `limit` requests in any window, in arrival order', async () => {
    const w = new SlidingWindow(3, 200, 10);
    const admitted: Array<{ i: number; at: number }> = [];
    await Promise.all(
      Array.from({ length: 7 }, (_, i) => w.acquire().then(() => admitted.push({ i, at: Date.now() }))),
    );
    expect(admitted.map((a) => a.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (let k = 3; k < admitted.length; k++) {
      // the (k)th admission is at least a full window after the (k-3)th
      expect(admitted[k]!.at - admitted[k - 3]!.at).toBeGreaterThanOrEqual(200);
    }
  });
  it('holds every request back after a pause (a 429 with Retry-After)', async () => {
    const w = new SlidingWindow(100, 1000, 0);
    const start = Date.now();
    w.pause(150);
    await w.acquire();
    expect(Date.now() - start).toBeGreaterThanOrEqual(145);
  });
});

describe('token refresh timing', () => {
  it('refreshes a minute early for long tokens and at 90 % for short ones', () => {
    expect(refreshAfterMs(3600)).toBe(3_540_000);
    expect(refreshAfterMs(60)).toBe(54_000);
  });
});

describe('pacing within a deadline', () => {
  it('refuses at once, taking no slot, when the next slot comes after the deadline', async () => {
    const w = new SlidingWindow(1, 1000, 0);
    await w.acquire();
    const t0 = Date.now();
    await expect(w.acquire(Date.now() + 200)).rejects.toBeInstanceOf(PacingDeadlineError);
    expect(Date.now() - t0).toBeLessThan(100);
    // The refused caller took nothing: the next one still waits for the same slot, not a later one.
    expect(w.waitMs()).toBeGreaterThan(800);
  });

  it('holds a per-minute tier together with the per-second limit', async () => {
    const p = zdxPacer(5, 3);
    for (let i = 0; i < 3; i++) await p.acquire('GET');
    await expect(p.acquire('GET', Date.now() + 5_000)).rejects.toBeInstanceOf(PacingDeadlineError);
  });
});

describe('ZDX pacer: the minute tier follows what ZDX says', () => {
  const spend = async (p: ReturnType<typeof zdxPacer>, n: number) => {
    for (let i = 0; i < n; i++) await p.acquire('GET', Date.now() + 50);
  };

  it('paces at the highest tier (180 a minute) until ZDX states its limit, then at that limit', async () => {
    const p = zdxPacer(1_000);
    await spend(p, 5);
    p.observe!('GET', { 'ratelimit-limit': '5', 'ratelimit-remaining': '3' });
    // Five sent in this minute already: a T-whatever tenant stating 5 gets no sixth within the minute.
    await expect(p.acquire('GET', Date.now() + 1_000)).rejects.toBeInstanceOf(PacingDeadlineError);
  });

  it("reads the SDKs' X-Ratelimit-Limit-Minute and the structured N;w=60 form, and ignores other windows", async () => {
    const sdk = zdxPacer(1_000);
    sdk.observe!('GET', { 'x-ratelimit-limit-minute': '2' });
    await spend(sdk, 2);
    await expect(sdk.acquire('GET', Date.now() + 500)).rejects.toBeInstanceOf(PacingDeadlineError);

    const structured = zdxPacer(1_000);
    structured.observe!('GET', { 'ratelimit-limit': '500, 2;w=60' });
    await spend(structured, 2);
    await expect(structured.acquire('GET', Date.now() + 500)).rejects.toBeInstanceOf(PacingDeadlineError);

    // A per-second window (the token endpoint's `500;w=1`) and the OneAPI gateway's own header say nothing.
    const other = zdxPacer(1_000);
    other.observe!('GET', { 'ratelimit-limit': '2;w=1', 'x-ratelimit-limit': '2, 2;w=60' });
    await spend(other, 10);
  });

  it('never goes above a configured per-minute budget, but follows a lower stated one', async () => {
    const configured = zdxPacer(1_000, 3);
    configured.observe!('GET', { 'ratelimit-limit': '180' });
    await spend(configured, 3);
    await expect(configured.acquire('GET', Date.now() + 500)).rejects.toBeInstanceOf(PacingDeadlineError);

    const lower = zdxPacer(1_000, 100);
    lower.observe!('GET', { 'ratelimit-limit': '2' });
    await spend(lower, 2);
    await expect(lower.acquire('GET', Date.now() + 500)).rejects.toBeInstanceOf(PacingDeadlineError);
  });

  it('a spent minute (remaining 0) pauses until the reset ZDX gives, which covers requests it did not count', async () => {
    const p = zdxPacer(1_000);
    const resetSec = Math.ceil(Date.now() / 1000) + 2;
    p.observe!('GET', { 'ratelimit-limit': '180', 'ratelimit-remaining': '0', 'ratelimit-reset': String(resetSec) });
    await expect(p.acquire('GET', Date.now() + 500)).rejects.toBeInstanceOf(PacingDeadlineError);
    const t0 = Date.now();
    await p.acquire('GET', Date.now() + 5_000);
    expect(Date.now()).toBeGreaterThanOrEqual(resetSec * 1000 - 60);
    expect(Date.now() - t0).toBeLessThan(3_500);
  });
});
