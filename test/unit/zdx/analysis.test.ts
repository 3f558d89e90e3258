/**
 * ZDX score analysis client (shared/zdx/analysis.ts): the documented request, and the undocumented start reply and
 * unfinished read, read leniently.
 */
import { describe, expect, it } from 'vitest';
import { readAnalysis, startAnalysis } from '../../../shared/zdx/analysis.js';
import { fakeZdx, type FakeAnswer, type FakeRequest } from './fakeZdx.js';

const INPUT = { deviceId: 132559212, appId: 1, t0: 1_800_000_030, t1: 1_800_000_330 };

async function withZdx<T>(
  answer: (req: FakeRequest) => FakeAnswer,
  use: (api: ReturnType<typeof fakeZdx>['api']) => Promise<T>,
) {
  const { api, requests, close } = fakeZdx(answer);
  try {
    return { value: await use(api), requests };
  } finally {
    await close();
  }
}

describe('startAnalysis', () => {
  it('posts the documented body and takes the id as analysis_id or id, string or number', async () => {
    for (const body of [{ analysis_id: '7700001' }, { id: 7700001 }, { analysisId: 7700001 }]) {
      const { value, requests } = await withZdx(
        () => ({ status: 200, body }),
        (api) => startAnalysis(api, INPUT),
      );
      expect(value).toBe('7700001');
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /analysis']);
      expect(requests[0]!.body).toEqual({ device_id: 132559212, app_id: 1, t0: 1_800_000_030, t1: 1_800_000_330 });
    }
  });

  it('refuses a start reply without an id', async () => {
    await expect(
      withZdx(
        () => ({ status: 200, body: { ok: true } }),
        (api) => startAnalysis(api, INPUT),
      ),
    ).rejects.toThrow(/named no analysis id/);
  });
});

describe('readAnalysis', () => {
  const read = (body: unknown) =>
    withZdx(
      () => ({ status: 200, body }),
      (api) => readAnalysis(api, '42'),
    );

  it("returns ZDX's verdict", async () => {
    const { value, requests } = await read({
      err_msg: '',
      result: { issue: 'Wi-Fi', confidence: 85, message: 'Weak signal', times: [1, 2] },
    });
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /analysis/42']);
    expect(value).toEqual({ state: 'done', issue: 'Wi-Fi', confidence: 85, message: 'Weak signal', times: [1, 2] });
  });

  it('takes a reply without a result as not finished', async () => {
    expect((await read({ err_msg: '', result: null })).value).toBeUndefined();
    expect((await read({})).value).toBeUndefined();
  });

  it("reports ZDX's err_msg as a failure", async () => {
    expect((await read({ err_msg: 'not enough data', result: null })).value).toEqual({
      state: 'failed',
      reason: 'ZDX said: not enough data',
    });
  });

  it('reads an empty issue as a verdict that found nothing', async () => {
    expect((await read({ err_msg: '', result: { issue: '', confidence: 0, message: '', times: [] } })).value).toEqual({
      state: 'done',
      issue: '',
      confidence: 0,
      message: '',
      times: [],
    });
  });
});
