/**
 * The one place errors become HTTP responses: AppError → its status and `{error: code, message}` when
 * exposable; anything else → a generic 500. The full error goes to the log (redacted), never to the caller.
 * A refused request (4xx) is also a `WebhooksRejected` data point by reason, and its log line names the
 * reason (`timestamp_stale`, `unauthorized`, `payload_too_large`, …): a stale Slack request and a wrong
 * secret both answer the same 401, but an operator can tell them apart.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** A short label for why a request was refused: the error's own reason when it gives one, else its code. */
function reasonOf(e: unknown): string {
  if (!isAppError(e)) return 'internal_error';
  const reason = e.details?.reason;
  return typeof reason === 'string' && /^[a-z0-9_]{1,40}$/.test(reason) ? reason : e.code;
}

export function errorResponse(logger: Logger): middy.MiddlewareObj<unknown, APIGatewayProxyResultV2> {
  return {
    onError: async function errorResponseOnError(request) {
      if (request.response !== undefined) return;
      const e = request.error;
      const status = isAppError(e) ? e.statusCode : 500;
      const reason = reasonOf(e);
      (status >= 500 ? logger.error : logger.warn)('request failed', { error: e, status, reason });
      // 5xx is ours, not the caller's: it is the HTTP API 5xx alarm's, not a rejection.
      if (status < 500) logger.metric('WebhooksRejected', 1, { dims: { reason } });
      const body =
        isAppError(e) && e.expose
          ? { error: e.code, message: e.message }
          : { error: 'internal_error', message: 'internal error' };
      request.response = jsonResponse(status, body);
    },
  };
}

export const jsonResponse = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
