/**
 * The transport applies the retry-safety table (retry.ts) per attempt: what it re-sends, and the
 * OutcomeUnknownError it throws instead of re-sending a write that may have taken effect. Answered in memory by
 * an undici MockAgent (every request counted; a network failure is a `replyWithError` with undici's code).
 */
import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../../shared/zscaler/http.js';
import { OutcomeUnknownError, ZscalerApiError } from '../../../shared/zscaler/errors.js';
import { DEFAULT_RETRY } from '../../../shared/zscaler/retry.js';
import { MIN_ATTEMPT_MS, Transport } from '../../../shared/zscaler/transport.js';
import { runWithDeadline } from '../../../shared/deadline.js';
import { DeadlineExceededError } from '../../../shared/errors.js';

const ORIGIN = 'https://zpa.test';
type Step = { status: number; body?: unknown; headers?: Record<string, string> } | { error: string };

/** A client whose n-th request gets `steps[n]` (the last step repeats); `sent` counts requests. */
function scripted(steps: Step[]) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  for (let i = 0; i < 8; i++) {
    const step = steps[Math.min(i, steps.length - 1)]!;
    const scope = pool.intercept({ path: () => true, method: () => true });
    if ('error' in step) {
      scope.replyWithError(Object.assign(new Error(`socket failure ${step.error}`), { code: step.error }));
    } else {
      scope.reply(() => ({
        statusCode: step.status,
        data: step.body === undefined ? '' : JSON.stringify(step.body),
        responseOptions: { headers: { 'content-type': 'application/json', ...step.headers } },
      }));
    }
  }
  const transport = new Transport({
    dispatcher: agent,
    timeoutMs: 1_000,
    retry: { ...DEFAULT_RETRY, baseDelayMs: 1, maxDelayMs: 5 },
    sleep: async () => undefined,
  });
  const api = new ApiClient({
    baseUrl: ORIGIN,
    transport,
    tokens: { getToken: async () => 'tok', invalidate: () => undefined, tokenRequests: 0 },
  });
  // What reached the "server": each interceptor answers once, so the used ones are the requests sent.
  return { api, sent: () => 8 - agent.pendingInterceptors().length, close: () => agent.close() };
}

const BODY = { name: 'zea-bypass:adhoc:1', description: 'secret-ish text that must never reach an error' };

describe('Transport: blind re-sends only where the table allows', () => {
  it('a POST whose connection was reset after sending is not sent again: OutcomeUnknownError, retryable, method + path only', async () => {
    const s = scripted([{ error: 'ECONNRESET' }, { status: 201, body: { id: '1' } }]);
    const err = await s.api.post('/rules', BODY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({
      code: 'zscaler_outcome_unknown',
      retryable: true,
      status: undefined,
      failure: 'ECONNRESET',
      attempts: 1,
      request: { method: 'POST', path: '/rules' },
    });
    expect((err as Error).message).not.toContain('secret-ish');
    expect(JSON.stringify(err)).not.toContain('secret-ish');
    expect(s.sent()).toBe(1);
    expect(s.api.requestCount).toBe(1);
    await s.close();
  });

  it('a POST answered 502 or 504 (a gateway that may have passed it on) is not sent again; its status is on the error', async () => {
    for (const status of [500, 502, 504]) {
      const s = scripted([
        { status, body: { id: 'x', reason: 'bad gateway' } },
        { status: 201, body: { id: '1' } },
      ]);
      const err = await s.api.post('/rules', BODY).catch((e: unknown) => e);
      expect(err, String(status)).toBeInstanceOf(OutcomeUnknownError);
      expect(err).toMatchObject({ status, failure: `http_${status}`, retryable: true });
      expect(s.sent()).toBe(1);
      await s.close();
    }
  });

  it('a POST refused (429, 503, ZPA concurrency ids) or never sent (connection refused) is sent again', async () => {
    const cases: Step[] = [
      { status: 429, headers: { 'retry-after': '0s' } },
      { status: 503 },
      { status: 409, body: { id: 'api.concurrent.access.error', reason: 'busy' } },
      { status: 400, body: { id: 'db.simultaneous.request', reason: 'busy' } },
      { error: 'ECONNREFUSED' },
    ];
    for (const first of cases) {
      const s = scripted([first, { status: 201, body: { id: '1' } }]);
      expect(await s.api.post('/rules', BODY), JSON.stringify(first)).toEqual({ id: '1' });
      expect(s.sent()).toBe(2);
      await s.close();
    }
  });

  it('a not-sent failure followed by a lost answer still ends in OutcomeUnknownError, with both attempts counted', async () => {
    const s = scripted([{ error: 'ECONNREFUSED' }, { error: 'UND_ERR_SOCKET' }, { status: 201, body: { id: '1' } }]);
    await expect(s.api.post('/rules', BODY)).rejects.toMatchObject({
      name: 'OutcomeUnknownError',
      attempts: 2,
      failure: 'UND_ERR_SOCKET',
    });
    expect(s.sent()).toBe(2);
    await s.close();
  });

  it('PUT and DELETE are re-sent after a lost answer; a DELETE re-sent finds the object gone (the caller takes that as done)', async () => {
    const put = scripted([{ error: 'ECONNRESET' }, { status: 504 }, { status: 204 }]);
    await expect(put.api.put('/application/1', BODY)).resolves.toBeUndefined();
    expect(put.sent()).toBe(3);
    await put.close();
    const del = scripted([
      { error: 'ECONNRESET' },
      { status: 400, body: { id: 'resource.not.found', reason: 'No resource' } },
    ]);
    const err = await del.api.delete('/rule/1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZscalerApiError);
    expect(err).toMatchObject({ status: 400, errorId: 'resource.not.found' });
    expect(del.sent()).toBe(2);
    await del.close();
  });

  it('an endpoint declares itself: a documented-idempotent POST is re-sent, a PUT that wants a read-back is not', async () => {
    const post = scripted([{ error: 'ECONNRESET' }, { status: 200, body: { ok: true } }]);
    expect(await post.api.post('/search', {}, undefined, { idempotent: true })).toEqual({ ok: true });
    expect(post.sent()).toBe(2);
    await post.close();
    const put = scripted([{ status: 502 }, { status: 204 }]);
    await expect(put.api.put('/application/1', BODY, undefined, { idempotent: false })).rejects.toMatchObject({
      name: 'OutcomeUnknownError',
      status: 502,
      request: { method: 'PUT', path: '/application/1' },
    });
    expect(put.sent()).toBe(1);
    await put.close();
  });

  it('GET is re-sent after resets and gateway errors until it is answered', async () => {
    const s = scripted([
      { error: 'ECONNRESET' },
      { status: 502 },
      { error: 'UND_ERR_HEADERS_TIMEOUT' },
      { status: 200, body: { list: [] } },
    ]);
    expect(await s.api.get('/application')).toEqual({ list: [] });
    expect(s.sent()).toBe(4);
    await s.close();
  });
});

describe('Transport: what an attempt carries and when it may start', () => {
  const server = (seen: string[]) => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get(ORIGIN)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        seen.push(String((opts.headers as Record<string, string>).authorization));
        return { statusCode: 200, data: '{}', responseOptions: { headers: { 'content-type': 'application/json' } } };
      })
      .persist();
    return agent;
  };

  it('takes the token after the pacing wait: a request that waited leaves with the token current when it leaves', async () => {
    const seen: string[] = [];
    let current = 'token-before-the-wait';
    let admit!: () => void;
    const pacer = {
      acquire: () =>
        new Promise<void>((r) => {
          admit = r;
        }),
      pause: () => undefined,
    };
    const transport = new Transport({ dispatcher: server(seen), timeoutMs: 1_000, retry: DEFAULT_RETRY, pacer });
    const api = new ApiClient({
      baseUrl: ORIGIN,
      transport,
      tokens: { getToken: async () => current, invalidate: () => undefined, tokenRequests: 0 },
    });
    const pending = api.put('/rules/1', { a: 1 });
    await new Promise((r) => setTimeout(r, 20));
    current = 'token-after-the-wait'; // the cached token expired and was renewed while the PUT waited its turn
    admit();
    await pending;
    expect(seen).toEqual(['Bearer token-after-the-wait']);
  });

  it('does not start an attempt with less than MIN_ATTEMPT_MS left: deferred, nothing sent', async () => {
    const seen: string[] = [];
    const transport = new Transport({
      dispatcher: server(seen),
      timeoutMs: 10_000,
      retry: DEFAULT_RETRY,
      deadlineReserveMs: 0,
    });
    const api = new ApiClient({
      baseUrl: ORIGIN,
      transport,
      tokens: { getToken: async () => 'tok', invalidate: () => undefined, tokenRequests: 0 },
    });
    const err = await runWithDeadline(Date.now() + MIN_ATTEMPT_MS - 200, () => api.post('/rules', BODY)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect(seen).toEqual([]);
    // With the time an attempt needs, the same call goes out.
    await runWithDeadline(Date.now() + MIN_ATTEMPT_MS + 2_000, () => api.post('/rules', BODY));
    expect(seen).toHaveLength(1);
  });
});
