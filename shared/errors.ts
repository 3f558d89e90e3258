/**
 * Typed errors. Every error the project raises carries a stable `code`, the HTTP status it maps to at the
 * edge, and whether retrying can help. Mapping to responses happens once, in shared/middleware.
 */
export interface AppErrorOptions extends ErrorOptions {
  /** Whether the message may be shown to the caller (HTTP body). Default: status < 500. */
  expose?: boolean;
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly expose: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
    readonly retryable: boolean,
    options: AppErrorOptions = {},
  ) {
    super(message, options);
    this.name = new.target.name;
    this.expose = options.expose ?? statusCode < 500;
    this.details = options.details;
  }
}

/** Bad input from a caller: 400, never retried. */
export class ValidationError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('validation_failed', message, 400, false, options);
  }
}

/** Request body larger than we accept: 413 at the edge. */
export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super('payload_too_large', message, 413, false);
  }
}

/** Missing or wrong signature on an inbound webhook: 401. The message never says which part was wrong. */
export class UnauthorizedError extends AppError {
  constructor(message = 'invalid signature', options?: AppErrorOptions) {
    super('unauthorized', message, 401, false, options);
  }
}

/** A caller is authenticated but not allowed to do this: 403. */
export class ForbiddenError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('forbidden', message, 403, false, options);
  }
}

/** Something the action needs does not exist (unknown user, no device): permanent. */
export class NotFoundError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('not_found', message, 404, false, options);
  }
}

/** Bad deployment configuration, found at cold start: never retried, never exposed. */
export class ConfigError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('config_invalid', message, 500, false, { expose: false, ...options });
  }
}

/** The Lambda's remaining time ran out before the work could finish: retryable by the queue. */
export class DeadlineExceededError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('deadline_exceeded', message, 504, true, options);
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** Whether an error is worth retrying later (by SQS redelivery). Unknown errors are assumed transient. */
export const isRetryable = (e: unknown): boolean => (isAppError(e) ? e.retryable : true);
