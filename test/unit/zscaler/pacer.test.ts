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
