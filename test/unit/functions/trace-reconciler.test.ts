/**
 * The trace reconciler's handler: a run that fails fails its whole batch (FIFO order kept), counts the failure,
 * and counts the messages on their last delivery as dead letters (the redrive policy moves them now).
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/trace-reconciler/app.js';
import { createLogger } from '../../../shared/logger.js';
import { open, traceWorld } from '../traces/helpers.js';

const context = { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'r1' } as Context;
const event = (counts: number[]): SQSEvent =>
  ({
    Records: counts.map((n, i) => ({
      messageId: `m${i}`,
      body: JSON.stringify(open(`Q${i}`)),
      attributes: { ApproximateReceiveCount: String(n) },
    })),
  }) as unknown as SQSEvent;

describe('trace-reconciler handler', () => {
  it('a failed run fails the batch, and counts the messages on their 5th delivery as dead letters', async () => {
    const w = traceWorld();
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'error', sink: (l) => lines.push(JSON.parse(l)) });
    // The ledger unreachable: the run cannot even apply its commands.
    w.deps.ledger.get = async () => Promise.reject(new Error('DynamoDB unreachable'));
    const handler = makeHandler({ ...w.deps, logger, wakeQueue: { send: async () => undefined } });
    const out = await handler(event([1, 5, 4]), context);
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m0', 'm1', 'm2']);
    const metric = (name: string) =>
      lines.filter((l) => l._aws && l[name] !== undefined).reduce((a, l) => a + (l[name] as number), 0);
    expect(metric('TraceReconcileFailures')).toBe(1);
    expect(metric('DeadLetters')).toBe(1);
    expect(lines.find((l) => l.msg === 'trace reconcile failed; SQS will redeliver the batch')).toMatchObject({
      toDeadLetterQueue: 1,
    });
  });

  it('a run that works fails nothing and counts no dead letter', async () => {
    const w = traceWorld();
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'error', sink: (l) => lines.push(JSON.parse(l)) });
    const handler = makeHandler({ ...w.deps, logger, wakeQueue: { send: async () => undefined } });
    expect(await handler(event([5]), context)).toEqual({ batchItemFailures: [] });
    expect(lines.filter((l) => l._aws && l.DeadLetters !== undefined)).toEqual([]);
    expect(w.kinds()).toEqual(['trace.started']);
  });
});
