import { describe, expect, it } from 'vitest';
import { TraceConflictError } from '../../../shared/traces/port.js';
import { zdxTracePort } from '../../../shared/traces/zdxPort.js';
import { ZscalerApiError } from '../../../shared/zscaler/errors.js';
import { fakeZdx, zdxError, type FakeAnswer, type FakeRequest } from '../zdx/fakeZdx.js';

const zdxTrace = (id: number, status: string, sessionName = 'zea:pagerduty:Q1') => ({
  trace_id: id,
  status,
  trace_details: { session_name: sessionName, device_id: 7 },
  created_at: 1_800_000_000,
  started_at: 1_800_000_030,
  ended_at: null,
});

async function withPort<T>(
  answer: (req: FakeRequest) => FakeAnswer,
  use: (port: ReturnType<typeof zdxTracePort>) => Promise<T>,
): Promise<T> {
  const { api, close } = fakeZdx(answer);
  try {
    return await use(zdxTracePort(api));
  } finally {
    await close();
  }
}

const start = (port: ReturnType<typeof zdxTracePort>) =>
  port.startTrace(7, { sessionName: 'zea:pagerduty:Q1', sessionLengthMinutes: 5 });

describe('zdxTracePort', () => {
  it("reads ZDX's traces in the port's words; a status it does not know counts as running", async () => {
    const traces = await withPort(
      () => ({
        status: 200,
        body: [
          zdxTrace(342941739947001, 'completed'),
          zdxTrace(342941739947002, 'IN_PROGRESS'),
          zdxTrace(342941739947003, 'started'),
        ],
      }),
      (p) => p.listTraces(7),
    );
    expect(traces).toEqual([
      {
        id: '342941739947001',
        status: 'completed',
        active: false,
        sessionName: 'zea:pagerduty:Q1',
        startedAt: 1_800_000_030,
        endedAt: null,
      },
      {
        id: '342941739947002',
        status: 'IN_PROGRESS',
        active: true,
        sessionName: 'zea:pagerduty:Q1',
        startedAt: 1_800_000_030,
        endedAt: null,
      },
      {
        id: '342941739947003',
        status: 'started',
        active: true,
        sessionName: 'zea:pagerduty:Q1',
        startedAt: 1_800_000_030,
        endedAt: null,
      },
    ]);
  });

  it('answers a trace ZDX no longer has as absent, and stopping it as done', async () => {
    const gone = () => zdxError(404, 'Deep trace 5 not found for device 7');
    expect(await withPort(gone, (p) => p.getTrace(7, '5'))).toBeUndefined();
    await expect(withPort(gone, (p) => p.stopTrace(7, '5'))).resolves.toBeUndefined();
  });

  it('starts a trace with the request ZDX documents and returns its id', async () => {
    const requests: FakeRequest[] = [];
    const zdx = (req: FakeRequest): FakeAnswer => {
      requests.push(req);
      return { status: 200, body: { trace_id: 342941739947009, status: 'not_started', expected_time: 5 } };
    };
    const id = await withPort(zdx, (p) =>
      p.startTrace(7, {
        sessionName: 'zea:pagerduty:Q1',
        appId: 3,
        webProbeId: 31,
        cloudPathProbeId: 32,
        sessionLengthMinutes: 15,
      }),
    );
    expect(id).toBe('342941739947009');
    expect(requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/devices/7/deeptraces',
        body: {
          session_name: 'zea:pagerduty:Q1',
          app_id: 3,
          web_probe_id: 31,
          cloudpath_probe_id: 32,
          session_length_minutes: 15,
          probe_device: true,
        },
      }),
    ]);
  });

  it('turns a start refused for an active trace into TraceConflictError, by status 409 or by what ZDX says', async () => {
    for (const refusal of [
      zdxError(409, 'Conflict'),
      zdxError(400, 'A deep trace session is already in progress for this device'),
    ]) {
      const e = await withPort(() => refusal, start).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(TraceConflictError);
      expect((e as Error).cause).toBeInstanceOf(ZscalerApiError);
      expect((e as Error).message).toContain('ZDX refused to start a deep trace on device 7');
    }
  });

  it('passes any other refusal on as it came', async () => {
    const e = await withPort(() => zdxError(400, 'session_length_minutes must be one of 5, 15, 30, 60'), start).catch(
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ZscalerApiError);
    expect(e).toMatchObject({ status: 400 });
  });
});
