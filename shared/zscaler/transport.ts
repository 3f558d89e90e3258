/**
 * The one place that talks HTTP (undici, keep-alive). It owns per-request timeouts, the overall deadline,
 * pacing and retries; it knows nothing about tokens (http.ts adds them) or resources.
 */
import { Agent, request, type Dispatcher } from '../http/undici.js';
import { currentDeadline } from '../deadline.js';
import { DeadlineExceededError } from '../errors.js';
import type { Logger } from '../logger.js';
import { OutcomeUnknownError, ZscalerNetworkError, parseErrorBody } from './errors.js';
import { PacingDeadlineError, type Pacer } from './pacer.js';
import {
  backoffMs,
  classifyFailure,
  mayResend,
  parseRateLimitReset,
  parseRetryAfter,
  type RetryPolicy,
} from './retry.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface SendOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Path for error messages and logs (no query: it can carry emails). */
  label: string;
  /**
   * Whether sending this request twice has the effect of sending it once, i.e. whether it may be sent again after
   * an attempt whose outcome is unknown (reset or timeout after sending, 500/502/504). Default by method
   * (`RetryPolicy.idempotentMethods`: GET, HEAD, OPTIONS, PUT, DELETE; not POST). Declare `true` only where the
   * API documents the endpoint as idempotent; `false` where the caller reads back before sending again (a
   * full-replacement PUT built from an earlier read). A refused (429, 503) or unsent request is retried anyway.
   */
  idempotent?: boolean;
  /**
   * Headers that must be fresh when the attempt goes out (the bearer token): called after the pacing wait of
   * each attempt, so a request that waited many seconds for its slot never leaves with a token that expired
   * meanwhile.
   */
  authorize?: () => Promise<Record<string, string>>;
}

/**
 * Below this much time left an attempt is not started: it could not get an answer anyway, and an answer cut
 * short by our own timeout leaves a write's outcome unknown. The work is deferred (DeadlineExceededError).
 */
export const MIN_ATTEMPT_MS = 1_500;

export interface TransportOptions {
  dispatcher?: Dispatcher;
  timeoutMs: number;
  retry: RetryPolicy;
  pacer?: Pacer;
  logger?: Logger;
  /** Milliseconds kept free at the end of the invocation so the handler can still report. */
  deadlineReserveMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Which Zscaler API this transport serves, for metrics (`zdx`, `zpa`, `auth`). */
  name?: string;
}

/** Container-wide keep-alive pool: invocations reuse warm connections. */
export const sharedAgent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Transport {
  constructor(private readonly opts: TransportOptions) {}

  /**
   * Sends with retries. Returns the final response whatever its status (callers map ≥ 400 to errors);
   * throws for network failures that outlived the retries or the deadline, and `OutcomeUnknownError` as soon
   * as an attempt of a request that is not idempotent may have taken effect (it is never sent again blind).
   */
  async send(req: SendOptions): Promise<RawResponse & { attempts: number }> {
    const { retry, pacer, logger } = this.opts;
    const sleep = this.opts.sleep ?? defaultSleep;
    const deadline = currentDeadline() - (this.opts.deadlineReserveMs ?? 1_000);
    // The last moment an attempt may start: it gets at least MIN_ATTEMPT_MS (or its whole timeout, if shorter).
    const lastStart = deadline - Math.min(MIN_ATTEMPT_MS, this.opts.timeoutMs);
    for (let attempt = 1; ; attempt++) {
      if (Date.now() >= lastStart) throw new DeadlineExceededError(`no time left for ${req.method} ${req.label}`);
      if (pacer) {
        // Pacing can wait many seconds (ZPA: 10 writes per 10 s, a per-minute ZDX tier): never past the deadline.
        try {
          await pacer.acquire(req.method, lastStart);
        } catch (e) {
          if (e instanceof PacingDeadlineError)
            throw new DeadlineExceededError(`no time left for ${req.method} ${req.label}: ${e.message}`);
          throw e;
        }
      }
      const headers = req.authorize ? { ...req.headers, ...(await req.authorize()) } : req.headers;
      if (Date.now() >= lastStart) throw new DeadlineExceededError(`no time left for ${req.method} ${req.label}`);
      let res: RawResponse | undefined;
      let failure: unknown;
      try {
        res = await this.once({ ...req, headers }, Math.min(this.opts.timeoutMs, deadline - Date.now()));
      } catch (e) {
        failure = e;
      }
      if (res) pacer?.observe?.(req.method, res.headers);
      if (res?.status === 429) logger?.metric('ZscalerThrottled', 1, { dims: { api: this.opts.name ?? 'zscaler' } });
      const code = errorCode(failure);
      if (failure && !retry.networkCodes.includes(code ?? '')) {
        throw new ZscalerNetworkError(
          (failure as Error).message,
          { method: req.method, path: req.label },
          { cause: failure },
        );
      }
      const errorId = res && res.status >= 400 ? parseErrorBody(res.text).id : undefined;
      const kind = res ? classifyFailure(retry, { status: res.status, errorId }) : classifyFailure(retry, { code });
      if (!kind) return { ...res!, attempts: attempt };
      if (!mayResend(retry, req.method, kind, req.idempotent)) {
        const what = res ? `http_${res.status}` : (code ?? 'network');
        logger?.warn('zscaler request outcome unknown; not sent again', {
          method: req.method,
          path: req.label,
          status: res?.status,
          errorId,
          code,
          attempt,
        });
        throw new OutcomeUnknownError(
          { method: req.method, path: req.label },
          res?.status,
          what,
          attempt,
          failure ? { cause: failure } : undefined,
        );
      }

      const serverFloor = res ? serverWaitMs(res) : undefined;
      // The server's wait holds every request of this limit, not only the one that was told (429, and a 503 that
      // says how long it will be unavailable).
      if ((res?.status === 429 || res?.status === 503) && pacer && serverFloor !== undefined)
        pacer.pause(req.method, serverFloor);
      const wait = backoffMs(retry, attempt, serverFloor ?? 0);
      const outOfAttempts = attempt >= retry.maxAttempts;
      const outOfTime = Date.now() + wait >= deadline;
      if (outOfAttempts || outOfTime) {
        if (res) return { ...res, attempts: attempt };
        throw new ZscalerNetworkError(
          `${code} after ${attempt} attempt(s)`,
          { method: req.method, path: req.label },
          { cause: failure },
        );
      }
      logger?.metric('ZscalerRetries', 1, { dims: { api: this.opts.name ?? 'zscaler' } });
      logger?.warn('zscaler request retry', {
        method: req.method,
        path: req.label,
        status: res?.status,
        errorId,
        code,
        kind,
        attempt,
        waitMs: wait,
      });
      await sleep(wait);
    }
  }

  private async once(req: SendOptions, timeoutMs: number): Promise<RawResponse> {
    const res = await request(req.url, {
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      dispatcher: this.opts.dispatcher ?? sharedAgent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers, text };
  }
}

/** How long the server asked us to wait: `retry-after` first, then the rate-limit reset headers. */
export function serverWaitMs(res: RawResponse): number | undefined {
  const h = res.headers;
  return (
    parseRetryAfter(h['retry-after']) ??
    (res.status === 429 ? parseRateLimitReset(h['ratelimit-reset'] ?? h['x-ratelimit-reset']) : undefined)
  );
}

/** undici's codes, with aborts from our own per-request timeout counted as ETIMEDOUT. */
function errorCode(e: unknown): string | undefined {
  if (!e) return undefined;
  const err = e as { code?: unknown; name?: string };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'ETIMEDOUT';
  return typeof err.code === 'string' ? err.code : undefined;
}
