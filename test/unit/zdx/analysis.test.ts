/**
 * ZDX score analysis client (shared/zdx/analysis.ts): the documented request, the undocumented start reply and
 * unfinished read read leniently, and never more than one start and two reads.
 */
import { describe, expect, it } from 'vitest';
import { runAnalysis } from '../../../shared/zdx/analysis.js';
import { fakeZdx, type FakeAnswer, type FakeRequest } from './fakeZdx.js';

const INPUT = { deviceId: 132559212, appId: 1, t0: 1_800_000_030, t1: 1_800_000_330 };
const verdict = { err_msg: '', result: { issue: 'Wi-Fi', confidence: 85, message: 'Weak signal', times: [1, 2] } };

async function run(answer: (req: FakeRequest, reads: number) => FakeAnswer, waitMs = 50) {
  let reads = 0;
  const slept: number[] = [];
  const { api, requests, close } = fakeZdx((req) => answer(req, req.method === 'GET' ? ++reads : reads));
  try {
    const result = await runAnalysis(api, INPUT, { waitMs, sleep: async (ms) => void slept.push(ms) });
    return { result, requests, slept };
  } finally {
    await close();
  }
}

describe('runAnalysis', () => {
  it('posts the documented body and returns the verdict when the first read has it', async () => {
    const { result, requests, slept } = await run((req) =>
      req.method === 'POST' ? { status: 200, body: { analysis_id: '7700001' } } : { status: 200, body: verdict },
    );
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /analysis', 'GET /analysis/7700001']);
    expect(requests[0]!.body).toEqual({ device_id: 132559212, app_id: 1, t0: 1_800_000_030, t1: 1_800_000_330 });
    expect(result).toEqual({ state: 'done', issue: 'Wi-Fi', confidence: 85, message: 'Weak signal', times: [1, 2] });
    expect(slept).toEqual([]);
  });

  it('waits once and reads again when the first read has no result; a numeric `id` is accepted', async () => {
    const { result, requests, slept } = await run((req, reads) =>
      req.method === 'POST'
        ? { status: 200, body: { id: 42 } }
        : { status: 200, body: reads === 1 ? { err_msg: '', result: null } : verdict },
    );
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /analysis',
      'GET /analysis/42',
      'GET /analysis/42',
    ]);
    expect(slept).toEqual([50]);
    expect(result).toMatchObject({ state: 'done', issue: 'Wi-Fi' });
  });

  it('gives up after the second read: pending, with how long it waited', async () => {
    const { result, requests } = await run((req) =>
      req.method === 'POST' ? { status: 200, body: { analysis_id: 9 } } : { status: 200, body: {} },
    );
    expect(requests).toHaveLength(3);
    expect(result).toEqual({ state: 'pending', waitedMs: 50 });
  });

  it('reads once only with no time to wait', async () => {
    const { result, requests } = await run(
      (req) => (req.method === 'POST' ? { status: 200, body: { analysis_id: 9 } } : { status: 200, body: {} }),
      0,
    );
    expect(requests).toHaveLength(2);
    expect(result).toEqual({ state: 'pending', waitedMs: 0 });
  });

  it("reports ZDX's err_msg as a failure", async () => {
    const { result } = await run((req) =>
      req.method === 'POST'
        ? { status: 200, body: { analysis_id: 9 } }
        : { status: 200, body: { err_msg: 'not enough data', result: null } },
    );
    expect(result).toEqual({ state: 'failed', reason: 'ZDX said: not enough data' });
  });

  it('refuses a start reply without an id', async () => {
    await expect(run(() => ({ status: 200, body: { ok: true } }))).rejects.toThrow(/named no analysis id/);
  });
});
