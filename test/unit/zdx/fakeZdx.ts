/**
 * A real ZDX ApiClient (the project's Transport, error mapping and all) whose requests are answered in
 * memory by `answer`, through an undici MockAgent: no sockets, no simulator, and every request recorded.
 */
import { MockAgent } from 'undici';
import { ApiClient } from '../../../shared/zscaler/http.js';
import { DEFAULT_RETRY } from '../../../shared/zscaler/retry.js';
import { Transport } from '../../../shared/zscaler/transport.js';

export interface FakeRequest {
  method: string;
  /** Path below `/v1`, without the query. */
  path: string;
  query: URLSearchParams;
  body?: unknown;
}

export type FakeAnswer = { status: number; body?: unknown };

const ORIGIN = 'https://zdx.test';

export function fakeZdx(answer: (req: FakeRequest) => FakeAnswer) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const requests: FakeRequest[] = [];
  agent
    .get(ORIGIN)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const url = new URL(opts.path, ORIGIN);
      const req: FakeRequest = {
        method: opts.method,
        path: url.pathname.replace(/^\/v1/, ''),
        query: url.searchParams,
        body: typeof opts.body === 'string' ? JSON.parse(opts.body) : undefined,
      };
      requests.push(req);
      const { status, body } = answer(req);
      return {
        statusCode: status,
        data: body === undefined ? '' : JSON.stringify(body),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
  const api = new ApiClient({
    baseUrl: `${ORIGIN}/v1`,
    // One attempt: what ZDX answered is what the code under test sees.
    transport: new Transport({ dispatcher: agent, timeoutMs: 2_000, retry: { ...DEFAULT_RETRY, maxAttempts: 1 } }),
    tokens: { getToken: async () => 'test-token', invalidate: () => undefined, tokenRequests: 0 },
  });
  return { api, requests, close: () => agent.close() };
}

/** ZDX's error body (`{code, message}`, the Go SDK's model). */
export const zdxError = (status: number, message: string, code: unknown = status): FakeAnswer => ({
  status,
  body: { code, message },
});
