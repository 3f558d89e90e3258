/**
 * Middleware presets per trigger type, so handlers differ only in their domain call.
 * - HTTP: header normalisation, error mapping, the Lambda deadline. No body parser: webhooks verify the
 *   signature over the raw body first and parse it themselves.
 * - SQS: each record on its own (a failure fails only that record), partial batch response.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { runWithDeadline } from '../deadline.js';
import type { Logger } from '../logger.js';
import { errorResponse } from './errorResponse.js';

type HttpFn = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

const deadlineOf = (context: Context) =>
  Date.now() + (typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 30_000);

export const httpHandler = (logger: Logger, fn: HttpFn) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .handler((event: APIGatewayProxyEventV2, context: Context) =>
      runWithDeadline(deadlineOf(context), () => fn(event, context)),
    )
    .use(httpHeaderNormalizer())
    .use(errorResponse(logger));

export const sqsHandler = (logger: Logger, processRecord: (record: SQSRecord, context: Context) => Promise<void>) =>
  middy<SQSEvent, SQSBatchResponse>()
    .handler(async (event: SQSEvent, context: Context) => {
      const deadline = deadlineOf(context);
      return Promise.allSettled(
        event.Records.map((r) => runWithDeadline(deadline, () => processRecord(r, context))),
      ) as never;
    })
    .use(
      sqsPartialBatchFailure({
        logger: (reason: unknown, record: SQSRecord) =>
          logger.error('record failed; SQS will redeliver it', {
            messageId: record.messageId,
            receiveCount: record.attributes?.ApproximateReceiveCount,
            error: reason,
          }),
      }),
    );
