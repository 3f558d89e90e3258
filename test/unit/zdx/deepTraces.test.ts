import { describe, expect, it } from 'vitest';
import { isActive, isActiveTraceRefusal, startTrace } from '../../../shared/zdx/deepTraces.js';
import { fakeZdx, zdxError, type FakeAnswer } from './fakeZdx.js';

describe('isActive', () => {
  it('ends a trace only at a known terminal status', () => {
    for (const status of ['completed', 'Completed', 'FAILED', 'failed ']) expect(isActive(status), status).toBe(false);
  });

  it('takes the documented running states, and any status it does not know, as still running', () => {
    for (const status of ['not_started', 'started', 'In Progress', 'IN_PROGRESS', 'queued', 'stopping', ''])
      expect(isActive(status), status).toBe(true);
  });
});

describe('isActiveTraceRefusal', () => {
  /** What the start of a trace throws when ZDX answers `answer`. */
  async function refusal(answer: FakeAnswer): Promise<unknown> {
    const { api, close } = fakeZdx(() => answer);
    try {
      await startTrace(api, 7, { sessionName: 'zea:test:1', sessionLengthMinutes: 5 });
      throw new Error('the start was not refused');
    } catch (e) {
      return e;
    } finally {
      await close();
    }
  }

  it('recognises a 409, whatever its body says', async () => {
    expect(
      isActiveTraceRefusal(await refusal(zdxError(409, 'A deep trace session is already in progress for this device'))),
    ).toBe(true);
    expect(isActiveTraceRefusal(await refusal({ status: 409, body: {} }))).toBe(true);
  });

  it('recognises another client error whose message or code says a trace is already running', async () => {
    expect(
      isActiveTraceRefusal(await refusal(zdxError(400, 'A deep trace session is already in progress for this device'))),
    ).toBe(true);
    expect(isActiveTraceRefusal(await refusal(zdxError(400, 'Device already has an active deep trace')))).toBe(true);
    expect(
      isActiveTraceRefusal(await refusal(zdxError(403, 'Request rejected', 'DEEPTRACE_SESSION_IN_PROGRESS'))),
    ).toBe(true);
    expect(isActiveTraceRefusal(await refusal(zdxError(422, 'Another session is running on this device')))).toBe(true);
  });

  it('does not take other refusals for one', async () => {
    expect(
      isActiveTraceRefusal(await refusal(zdxError(400, 'session_length_minutes must be one of 5, 15, 30, 60'))),
    ).toBe(false);
    expect(isActiveTraceRefusal(await refusal(zdxError(404, 'Device 7 not found')))).toBe(false);
    // Retryable: the HTTP core's business, never turned into a conflict.
    expect(isActiveTraceRefusal(await refusal(zdxError(429, 'Too many requests while a session is in progress')))).toBe(
      false,
    );
    expect(isActiveTraceRefusal(await refusal(zdxError(503, 'A deep trace session is already in progress')))).toBe(
      false,
    );
    expect(isActiveTraceRefusal(new Error('A deep trace session is already in progress'))).toBe(false);
  });
});
