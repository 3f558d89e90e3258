/**
 * The real middy chains of shared/middleware: every line of an invocation carries the Lambda request id and the
 * cold-start flag (HTTP: API Gateway's request id too; SQS: each record's message id and its command's
 * correlation id), and a refused request answers the same to the caller whatever the reason while its log line
 * and its WebhooksRejected data point say which (a stale Slack request vs a wrong secret).
 */
import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// Fresh modules per test, as in a new container: the cold-start flag is module state. Everything that shares
// state with the presets (the logger's invocation context, the error classes) comes from the same fresh load.
let presets: typeof import('../../../shared/middleware/presets.js');
let createLogger: typeof import('../../../shared/logger.js').createLogger;
let UnauthorizedError: typeof import('../../../shared/errors.js').UnauthorizedError;
let verifySlackSignature: typeof import('../../../shared/chat/slack/signature.js').verifySlackSignature;
beforeEach(async () => {
  vi.resetModules();
  presets = await import('../../../shared/middleware/presets.js');
  ({ createLogger } = await import('../../../shared/logger.js'));
  ({ UnauthorizedError } = await import('../../../shared/errors.js'));
  ({ verifySlackSignature } = await import('../../../shared/chat/slack/signature.js'));
});

const capture = () => {
  const lines: string[] = [];
  return {
    logger: createLogger({ sink: (l) => lines.push(l) }),
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, any>),
  };
};
const context = (requestId: string) =>
  ({ awsRequestId: requestId, getRemainingTimeInMillis: () => 5_000 }) as unknown as Context;
const httpEvent = (apiRequestId: string, headers: Record<string, string> = {}, body = 'x=1') =>
  ({
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { requestId: apiRequestId },
  }) as unknown as APIGatewayProxyEventV2;

describe('httpHandler', () => {
  it('puts the request ids and the cold-start flag on every line, the error mapping included', async () => {
    const { logger, entries } = capture();
    const handler = presets.httpHandler(logger, async (e) => {
      logger.info('handling');
      if (e.body === 'fail') throw new Error('boom');
      return { statusCode: 202, body: '{}' };
    });
    expect(await handler(httpEvent('api-1'), context('req-1'))).toMatchObject({ statusCode: 202 });
    expect(await handler(httpEvent('api-2', {}, 'fail'), context('req-2'))).toMatchObject({ statusCode: 500 });
    const [first, second, failure] = entries();
    expect(first).toMatchObject({ msg: 'handling', requestId: 'req-1', apiRequestId: 'api-1', coldStart: true });
    expect(second).toMatchObject({ msg: 'handling', requestId: 'req-2', apiRequestId: 'api-2', coldStart: false });
    expect(failure).toMatchObject({
      msg: 'request failed',
      level: 'error',
      requestId: 'req-2',
      reason: 'internal_error',
    });
    // A 5xx is ours: the HTTP API 5xx alarm's, not a rejected webhook.
    expect(entries().filter((l) => l._aws)).toHaveLength(0);
  });

  it('a stale Slack request and a wrong secret: the same 401 to the caller, distinct reasons in the log and metric', async () => {
    const secret = 'local-fake-slack-signing-secret';
    const { logger, entries } = capture();
    const now = 1_800_000_000;
    const handler = presets.httpHandler(logger, async (e) => {
      verifySlackSignature(
        e.body ?? '',
        { signature: e.headers['x-slack-signature'], timestamp: e.headers['x-slack-request-timestamp'] },
        secret,
        now,
      );
      return { statusCode: 200, body: '{}' };
    });
    const signed = (ts: number, key: string) => ({
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': `v0=${createHmac('sha256', key).update(`v0:${ts}:x=1`).digest('hex')}`,
    });
    const stale = await handler(httpEvent('a1', signed(now - 3600, secret)), context('r1'));
    const wrongSecret = await handler(httpEvent('a2', signed(now, 'another-fake-secret')), context('r2'));
    const ok = await handler(httpEvent('a3', signed(now, secret)), context('r3'));
    expect(ok).toMatchObject({ statusCode: 200 });
    expect(stale).toEqual(wrongSecret);
    expect(stale).toMatchObject({ statusCode: 401 });
    const failures = entries().filter((l) => l.msg === 'request failed');
    expect(failures.map((l) => [l.requestId, l.status])).toEqual([
      ['r1', 401],
      ['r2', 401],
    ]);
    expect(failures[0]!.reason).not.toBe(failures[1]!.reason);
    expect(failures[1]!.reason).toBe('unauthorized');
    const metrics = entries().filter((l) => l._aws);
    expect(metrics.map((m) => [m.WebhooksRejected, m.reason])).toEqual([
      [1, failures[0]!.reason],
      [1, 'unauthorized'],
    ]);
    expect(metrics[0]!._aws.CloudWatchMetrics[0].Dimensions).toEqual([[], ['reason']]);
  });

  it('names a reason only when it is a short label; anything else falls back to the error code', async () => {
    const { logger, entries } = capture();
    const handler = presets.httpHandler(logger, async (e) => {
      throw new UnauthorizedError(undefined, { details: { reason: e.body } });
    });
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), async (reason) => {
        const res = await handler(httpEvent('a', {}, reason), context('r'));
        expect(res).toMatchObject({ statusCode: 401, body: '{"error":"unauthorized","message":"invalid signature"}' });
        const last = entries()
          .filter((l) => l.msg === 'request failed')
          .at(-1)!;
        expect(last.reason).toBe(/^[a-z0-9_]{1,40}$/.test(reason) ? reason : 'unauthorized');
      }),
      { numRuns: 100 },
    );
  });
});

describe('sqsHandler', () => {
  const record = (messageId: string, body: string): SQSRecord =>
    ({ messageId, body, attributes: { ApproximateReceiveCount: '1' } }) as unknown as SQSRecord;

  it("puts each record's message id and its command's correlation id on its lines and audit records", async () => {
    const { logger, entries } = capture();
    const handler = presets.sqsHandler(logger, async (r) => {
      logger.audit({ action: 'test', trigger: { kind: 'test', id: r.messageId }, target: {}, result: 'success' });
      if (r.messageId === 'm4') throw new Error('fails');
    });
    const event: SQSEvent = {
      Records: [
        record(
          'm1',
          JSON.stringify({ id: 'c1', type: 'trace.start', incident: { source: 'pagerduty', incidentId: 'Q1' } }),
        ),
        record('m2', JSON.stringify({ id: 'c2', type: 'bypass.apply', correlationId: 'slack:T1:abc' })),
        record('m3', 'not json'),
        record('m4', JSON.stringify({ id: 'c4', type: 'reconcile' })),
      ],
    };
    const out = await handler(event, context('req-9'));
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm4' }] });
    const audits = Object.fromEntries(
      entries()
        .filter((l) => l.type === 'audit')
        .map((l) => [l.messageId, l]),
    );
    expect(audits.m1).toMatchObject({ requestId: 'req-9', coldStart: true, correlationId: 'pagerduty:Q1' });
    expect(audits.m2).toMatchObject({ correlationId: 'slack:T1:abc' });
    expect(audits.m3!.correlationId).toBeUndefined();
    expect(audits.m4).toMatchObject({ correlationId: 'c4' });
    const failed = entries().find((l) => l.msg === 'record failed; SQS will redeliver it')!;
    expect(failed).toMatchObject({ messageId: 'm4', correlationId: 'c4', requestId: 'req-9' });
  });

  it('counts a record failing its last delivery as a dead letter (DeadLetters), not one that will be redelivered', async () => {
    const { logger, entries } = capture();
    const handler = presets.sqsHandler(logger, async () => {
      throw new Error('fails');
    });
    const at = (messageId: string, count: number) =>
      ({ messageId, body: '{}', attributes: { ApproximateReceiveCount: String(count) } }) as unknown as SQSRecord;
    await handler({ Records: [at('early', 1), at('fourth', 4), at('fifth', 5)] }, context('req-dl'));
    const deadLetters = entries().filter((l) => (l._aws as unknown) && l.DeadLetters !== undefined);
    expect(deadLetters).toHaveLength(1);
    expect(
      entries().find((l) => l.msg === 'record failed its last delivery; SQS moves it to the dead-letter queue'),
    ).toMatchObject({ messageId: 'fifth', receiveCount: 5 });
  });

  it('any message body: each record is handled with its message id, nothing throws out of the chain', async () => {
    const { logger, entries } = capture();
    const handler = presets.sqsHandler(logger, async (r) => logger.info('seen', { seen: r.messageId }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string(), fc.json()), { minLength: 1, maxLength: 5 }), async (bodies) => {
        const out = await handler({ Records: bodies.map((b, i) => record(`m${i}`, b)) }, context('r'));
        expect(out).toEqual({ batchItemFailures: [] });
      }),
      { numRuns: 60 },
    );
    for (const l of entries()) expect(l.messageId).toBe(l.seen);
  });
});
