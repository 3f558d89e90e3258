/**
 * An authenticated JSON client for one Zscaler product: builds URLs, adds the bearer token, refreshes the
 * token once on a 401 (never a loop), decodes JSON and turns error statuses into ZscalerApiError.
 * Resource modules (shared/zdx/*, shared/zpa/*) only ever call `get/post/put/delete` here.
 */
import { OutcomeUnknownError, ZscalerApiError, parseErrorBody } from './errors.js';
import type { TokenProvider } from './auth/provider.js';
import { DEFAULT_RETRY, isRetryableStatus } from './retry.js';
import type { Transport } from './transport.js';
import type { Logger } from '../logger.js';

export type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

/** Per-request options of a write. */
export interface RequestOptions {
  /**
   * Whether the endpoint is safe to send twice (see `SendOptions.idempotent`): by default PUT and DELETE are and
   * POST is not. A POST whose outcome is unknown throws `OutcomeUnknownError` and is never sent again blind.
   */
  idempotent?: boolean;
}

export interface ApiClientOptions {
  /** e.g. `https://api.zdxcloud.net/v1` or `https://api.zsapi.net/zpa`. */
  baseUrl: string;
  transport: Transport;
  tokens: TokenProvider;
  userAgent?: string;
  /** Counts requests refused with 401 even after a fresh token (`ZscalerAuthFailures`). */
  metrics?: Pick<Logger, 'metric'>;
}

export class ApiClient {
  /** Requests sent, counting retries (for benchmarks: calls per action). */
  requestCount = 0;

  constructor(private readonly opts: ApiClientOptions) {}

  get<T = unknown>(path: string, query?: Query): Promise<T> {
    return this.call<T>('GET', path, query);
  }
  post<T = unknown>(path: string, body?: unknown, query?: Query, opts?: RequestOptions): Promise<T> {
    return this.call<T>('POST', path, query, body, opts);
  }
  put<T = unknown>(path: string, body?: unknown, query?: Query, opts?: RequestOptions): Promise<T> {
    return this.call<T>('PUT', path, query, body, opts);
  }
  delete<T = unknown>(path: string, query?: Query, opts?: RequestOptions): Promise<T> {
    return this.call<T>('DELETE', path, query, undefined, opts);
  }

  private async call<T>(
    method: string,
    path: string,
    query?: Query,
    body?: unknown,
    opts: RequestOptions = {},
  ): Promise<T> {
    const url = this.opts.baseUrl + path + queryString(query);
    const request = { method, path };
    for (let refreshed = false; ; refreshed = true) {
      // The token is taken when the attempt leaves, after its pacing wait (Transport `authorize`), so a request
      // that waited never leaves with a token that expired meanwhile. It is fetched here first, before the wait:
      // a fetch that itself needs a paced slot (the legacy ZDX token endpoint) must not run between a slot and
      // its request, or requests admitted a second apart would leave together.
      await this.opts.tokens.getToken();
      let token: string | undefined;
      const res = await this.opts.transport
        .send({
          method,
          url,
          label: path,
          idempotent: opts.idempotent,
          body: body === undefined ? undefined : JSON.stringify(body),
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            'user-agent': this.opts.userAgent ?? 'zscaler-event-automation',
          },
          authorize: async () => {
            token = await this.opts.tokens.getToken();
            return { authorization: `Bearer ${token}` };
          },
        })
        .catch((e: unknown) => {
          if (e instanceof OutcomeUnknownError) this.requestCount += e.attempts;
          throw e;
        });
      this.requestCount += res.attempts;
      // A 401 means our cached token is no longer accepted (expired early, revoked): one refresh, one retry.
      if (res.status === 401 && !refreshed) {
        if (token !== undefined) this.opts.tokens.invalidate(token);
        continue;
      }
      if (res.status === 401) this.opts.metrics?.metric('ZscalerAuthFailures', 1, { dims: { stage: 'request' } });
      if (res.status >= 400) {
        const { id, reason } = parseErrorBody(res.text);
        throw new ZscalerApiError(res.status, id, reason, request, isRetryableStatus(DEFAULT_RETRY, res.status, id));
      }
      // Create returns 201 + body; update/delete return 204 with no body.
      if (!res.text) return undefined as T;
      try {
        return JSON.parse(res.text) as T;
      } catch {
        throw new ZscalerApiError(res.status, undefined, 'response is not JSON', request, true);
      }
    }
  }
}

/** Arrays become repeated keys (`emails=a&emails=b`), as ZDX expects. */
export function queryString(query?: Query): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}
