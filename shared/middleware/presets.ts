/**
 * Middleware presets per trigger type, so handlers differ only in their domain call.
 * - HTTP: header normalisation, error mapping, the Lambda deadline. No body parser: webhooks verify the
 *   signature over the raw body first and parse it themselves.
 * - SQS: each record on its own (a failure fails only that record), partial batch response.
 * - Both: every log line and audit record of the invocation carries `requestId` (Lambda's), `coldStart` (true on
 *   the container's first invocation, as Powertools logs it), and for HTTP `apiRequestId` (API Gateway's, the
 *   access log's `requestId`); each SQS record's lines add its `messageId` and the command's `correlationId`.
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
import { correlationIdOf } from '../commands/contract.js';
import { runWithDeadline } from '../deadline.js';
import { type Logger, withLogContext } from '../logger.js';
import { errorResponse } from './errorResponse.js';
import { MAX_RECEIVE_COUNT } from '../aws/queue.js';

/** True until the container's first invocation starts: module state lives as long as the container. */
let coldStart = true;

/** The fields every line of this invocation carries; the first call in a container is the cold start. */
function invocationFields(context: Context | undefined): Record<string, unknown> {
  const fields = { requestId: context?.awsRequestId, coldStart };
  coldStart = false;
  return fields;
}

/**
 * A queue message's correlation id, read loosely (the contract is checked later, by the consumer): a body that
 * is not a command still gets its message id on every line, and is reported as poison by the consumer.
 */
function recordFields(record: SQSRecord): Record<string, unknown> {
  let correlationId: string | undefined;
  try {
    const c = JSON.parse(record.body) as Record<string, unknown> | null;
    const incident = c?.incident as Record<string, unknown> | undefined;
    if (c && typeof c.id === 'string' && c.id)
      correlationId = correlationIdOf({
        id: c.id,
        correlationId: typeof c.correlationId === 'string' ? c.correlationId : undefined,
        incident:
          typeof incident?.source === 'string' && typeof incident.incidentId === 'string'
            ? { source: incident.source, incidentId: incident.incidentId }
            : undefined,
      });
  } catch {
    // Not JSON: the consumer reports it as poison.
  }
  return { messageId: record.messageId, correlationId };
}

type HttpFn = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

const deadlineOf = (context: Context) =>
  Date.now() + (typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 30_000);

export const httpHandler = (logger: Logger, fn: HttpFn) => {
  const chain = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .handler((event: APIGatewayProxyEventV2, context: Context) =>
      runWithDeadline(deadlineOf(context), () => fn(event, context)),
    )
    .use(httpHeaderNormalizer())
    .use(errorResponse(logger));
  // Around the whole chain, so the error mapping's own log line carries the request id too.
  return (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> =>
    withLogContext({ ...invocationFields(context), apiRequestId: event?.requestContext?.requestId }, () =>
      chain(event, context),
    );
};

export const sqsHandler = (logger: Logger, processRecord: (record: SQSRecord, context: Context) => Promise<void>) => {
  const chain = middy<SQSEvent, SQSBatchResponse>()
    .handler(async (event: SQSEvent, context: Context) => {
      const deadline = deadlineOf(context);
      return Promise.allSettled(
        event.Records.map((r) =>
          withLogContext(recordFields(r), () => runWithDeadline(deadline, () => processRecord(r, context))),
        ),
      ) as never;
    })
    .use(
      sqsPartialBatchFailure({
        logger: (reason: unknown, record: SQSRecord) => {
          const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
          // The redrive policy moves a message after its MAX_RECEIVE_COUNT-th failed delivery: counted here, the
          // moment it happens, rather than only by the DLQ depth alarm's 5-minute metric.
          const last = receiveCount >= MAX_RECEIVE_COUNT;
          if (last) logger.metric('DeadLetters');
          logger.error(
            last
              ? 'record failed its last delivery; SQS moves it to the dead-letter queue'
              : 'record failed; SQS will redeliver it',
            {
              messageId: record.messageId,
              receiveCount,
              correlationId: recordFields(record).correlationId,
              error: reason,
            },
          );
        },
      }),
    );
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    withLogContext(invocationFields(context), () => chain(event, context));
};
