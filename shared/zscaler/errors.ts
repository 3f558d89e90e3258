/**
 * Errors from Zscaler APIs. ZPA bodies look like `{"id":"dotted.error.id","reason":"…","params":[…]}`,
 * ZDX like `{"code":…,"message":"…"}`, the OneAPI gateway like `{"detail":"unauthorized",…}`. The request
 * info kept here is method + path only: never headers, never the token, never a body.
 */
import { AppError } from '../errors.js';

export class ZscalerApiError extends AppError {
  constructor(
    readonly status: number,
    /** Zscaler's error id (ZPA `id`, ZDX `code`), when the body had one. */
    readonly errorId: string | undefined,
    readonly reason: string,
    readonly request: { method: string; path: string },
    retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(
      errorId ? `zscaler_${errorId.replace(/\W+/g, '_')}` : `zscaler_http_${status}`,
      // ZDX's `code` is often the status again (`401`): said once.
      `${request.method} ${request.path} → ${status}${errorId && errorId !== String(status) ? ` ${errorId}` : ''}: ${reason}`,
      status >= 500 || status === 429 ? 502 : status,
      retryable,
      { ...options, expose: false },
    );
  }
}

/** A network failure or timeout before any response arrived. */
export class ZscalerNetworkError extends AppError {
  constructor(
    message: string,
    readonly request: { method: string; path: string },
    options?: ErrorOptions,
  ) {
    super('zscaler_unreachable', `${request.method} ${request.path}: ${message}`, 504, true, {
      ...options,
      expose: false,
    });
  }
}

/**
 * A request that is not safe to send twice (a POST, or a write whose caller asked to read back) was sent, and then
 * the answer was lost: reset or timed out after sending, or a 500/502/504 from the server or a gateway in front of
 * it. ZPA or ZDX may or may not have done it, so the core did not send it again. Retryable: the caller (or the
 * next run) reads back what exists (a rule by its unique name, a trace by its session name) before sending again.
 * Carries method and path only, never a body.
 */
export class OutcomeUnknownError extends AppError {
  constructor(
    readonly request: { method: string; path: string },
    /** The status that left the outcome open (500, 502, 504), or undefined when no answer came. */
    readonly status: number | undefined,
    /** What happened: the network code (`ECONNRESET`, `ETIMEDOUT`, …) or `http_<status>`. */
    readonly failure: string,
    /** Attempts sent for this request, the last one included. */
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(
      'zscaler_outcome_unknown',
      `${request.method} ${request.path}: sent, then ${status === undefined ? `no answer (${failure})` : `answered ${status}`}; whether it took effect is unknown, so it was not sent again`,
      504,
      true,
      { ...options, expose: false },
    );
  }
}

/** The token endpoint refused the credentials (also after re-reading the secret). */
export class ZscalerAuthError extends AppError {
  constructor(message: string, options?: ErrorOptions) {
    super('zscaler_auth_rejected', message, 502, false, { ...options, expose: false });
  }
}

/** Pulls the error id and reason out of any of the three body shapes. */
export function parseErrorBody(text: string): { id: string | undefined; reason: string } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const id = body.id ?? body.code ?? body.error ?? body.detail;
    const reason = body.reason ?? body.message ?? body.error_description ?? body.detail ?? '';
    return { id: id === undefined || id === null ? undefined : String(id), reason: String(reason).slice(0, 300) };
  } catch {
    return { id: undefined, reason: text.slice(0, 200) };
  }
}

/** ZPA documents "not found" as 400 `resource.not.found`; treat it like a 404. */
export const isNotFound = (e: unknown): boolean =>
  e instanceof ZscalerApiError && (e.status === 404 || e.errorId === 'resource.not.found');

export const isConflict = (e: unknown): boolean => e instanceof ZscalerApiError && e.status === 409;

/**
 * Zscaler refused this tool's credentials: a 401 that outlived the HTTP core's one refresh-and-retry, or the
 * token endpoint refusing the key. A deployment fault (secret, role, customer id, cloud), never a fault of the
 * command; the `ZscalerAuthFailures` metric and its alarm tell the operators.
 */
export const isCredentialRefusal = (e: unknown): boolean =>
  e instanceof ZscalerAuthError || (e instanceof ZscalerApiError && e.status === 401);
