import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { listCloudPathProbes, listDeviceApps, listWebProbes } from '../../../shared/zdx/apps.js';
import { MAX_REPORT_RANGE_SEC, newestNonEmpty, reportRanges } from '../../../shared/zdx/reportRanges.js';
import { fakeZdx } from './fakeZdx.js';

const NOW = 1_800_000_000;

describe('reportRanges', () => {
  it('covers the lookback with ranges of at most 2 hours, newest first, without gaps; the oldest is cut at the lookback', () => {
    expect(reportRanges(5, NOW)).toEqual([
      { from: NOW - 7200, to: NOW },
      { from: NOW - 14400, to: NOW - 7200 },
      { from: NOW - 18000, to: NOW - 14400 },
    ]);
    const day = reportRanges(24, NOW);
    expect(day).toHaveLength(12);
    expect(day.every((r) => r.to - r.from <= MAX_REPORT_RANGE_SEC)).toBe(true);
    expect(day.at(-1)!.from).toBe(NOW - 24 * 3600);
  });

  it('asks one range for a lookback within 2 hours', () => {
    expect(reportRanges(1, NOW)).toEqual([{ from: NOW - 3600, to: NOW }]);
    expect(reportRanges(2, NOW)).toEqual([{ from: NOW - 7200, to: NOW }]);
  });
});

describe('newestNonEmpty', () => {
  beforeEach(() => void vi.useFakeTimers({ now: NOW * 1000, toFake: ['Date'] }));
  afterEach(() => void vi.useRealTimers());

  it('stops at the first range that has something', async () => {
    const asked: number[] = [];
    const found = await newestNonEmpty(24, async (r) => {
      asked.push(r.to);
      return r.to <= NOW - 2 * 7200 ? ['x'] : [];
    });
    expect(found).toEqual(['x']);
    expect(asked).toEqual([NOW, NOW - 7200, NOW - 14400]);
  });

  it('gives up empty once the lookback is exhausted', async () => {
    let asked = 0;
    const nothing = async () => {
      asked++;
      return [];
    };
    expect(await newestNonEmpty(6, nothing)).toEqual([]);
    expect(asked).toBe(3);
  });
});

describe('app and probe lookups ask ZDX in ranges of at most 2 hours', () => {
  beforeEach(() => void vi.useFakeTimers({ now: NOW * 1000, toFake: ['Date'] }));
  afterEach(() => void vi.useRealTimers());

  // The device reported last 5 hours ago: only the third 2-hour range back has data.
  const lastSeen = NOW - 5 * 3600;
  const zdx = () =>
    fakeZdx((req) => {
      const from = Number(req.query.get('from'));
      const to = Number(req.query.get('to'));
      const seen = from <= lastSeen && lastSeen <= to;
      if (req.path === '/devices/7/apps')
        return { status: 200, body: seen ? [{ id: 3, name: 'Payroll Portal', score: 41 }] : [] };
      if (req.path === '/devices/7/apps/3/web-probes')
        return { status: 200, body: seen ? [{ id: 31, name: 'Payroll web' }] : [] };
      if (req.path === '/devices/7/apps/3/cloudpath-probes')
        return { status: 200, body: seen ? [{ id: 32, name: 'Payroll path' }] : [] };
      return { status: 404, body: { code: 404, message: 'not found' } };
    });

  it("steps back range by range until ZDX has the device's apps and probes", async () => {
    const { api, requests, close } = zdx();
    expect(await listDeviceApps(api, 7, 24)).toEqual([{ id: 3, name: 'Payroll Portal', score: 41 }]);
    expect(await listWebProbes(api, 7, 3, 24)).toEqual([{ id: 31, name: 'Payroll web' }]);
    expect(await listCloudPathProbes(api, 7, 3, 24)).toEqual([{ id: 32, name: 'Payroll path' }]);
    expect(requests).toHaveLength(9);
    for (const r of requests) expect(Number(r.query.get('to')) - Number(r.query.get('from'))).toBeLessThanOrEqual(7200);
    expect(requests.slice(0, 3).map((r) => Number(r.query.get('to')))).toEqual([NOW, NOW - 7200, NOW - 14400]);
    await close();
  });

  it('never asks further back than the configured lookback', async () => {
    const { api, requests, close } = zdx();
    expect(await listDeviceApps(api, 7, 4)).toEqual([]);
    expect(requests.map((r) => Number(r.query.get('from')))).toEqual([NOW - 7200, NOW - 14400]);
    await close();
  });
});
