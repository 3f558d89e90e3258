/**
 * The one place errors become HTTP responses: AppError → its status and `{error: code, message}` when
 * exposable; anything else → a generic 500. The full error goes to the log (redacted), never to the caller.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';

export function errorResponse(logger: Logger): middy.MiddlewareObj<unknown, APIGatewayProxyResultV2> {
  return {
    onError: async function errorResponseOnError(request) {
      if (request.response !== undefined) return;
      const e = request.error;
      const status = isAppError(e) ? e.statusCode : 500;
      (status >= 500 ? logger.error : logger.warn)('request failed', { error: e, status });
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
