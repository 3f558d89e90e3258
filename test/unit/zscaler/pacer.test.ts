import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../../shared/zscaler/pacer.js';
import { refreshAfterMs } from '../../../shared/zscaler/auth/provider.js';

describe('SlidingWindow', () => {
  it('never admits more than `limit` requests in any window, in arrival order', async () => {
    const w = new SlidingWindow(3, 200, 10);
    const admitted: Array<{ i: number; at: number }> = [];
    await Promise.all(Array.from({ length: 7 }, (_, i) => w.acquire().then(() => admitted.push({ i, at: Date.now() }))));
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
