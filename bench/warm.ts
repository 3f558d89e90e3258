/**
 * Warm overhead of the ingress handlers: p50/p99 per invocation over N invocations of the built bundle
 * (the real middy chain: signature check, normalisation, SendMessage to local SQS) in one process, next to a
 * bare SendMessage of a command of the same size, with the same attributes, to the same queue, alternated
 * invocation by invocation. The difference is what our code adds per request. Each function gets its own
 * empty FIFO queue like the trace queue its trace.start goes to (deleted afterwards), so no function runs against
 * a queue its predecessors filled, and the bare send pays for FIFO (message group, deduplication id) like the
 * handler's does.
 */
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { TRACE_MESSAGE_GROUP } from '../shared/aws/queue.js';
import type { BenchInfra } from './infra.js';
import { runChild } from './child.js';
import { representativeEvents, sampleTraceStart } from './events.js';
import { percentile, round } from './stats.js';

export const WARM_N = Number(process.env.BENCH_WARM_N ?? 5000);

export interface WarmRow {
  fn: string;
  what: string;
  n: number;
  p50: number;
  p99: number;
  bareP50: number;
  bareP99: number;
  statuses: Record<string, number>;
}

export async function measureWarm(functions: string[], infra: BenchInfra, n = WARM_N): Promise<WarmRow[]> {
  const rows: WarmRow[] = [];
  for (const name of functions) {
    const def = infra.fn(name);
    const warmup = Math.min(300, Math.ceil(n / 10));
    const known = representativeEvents(name, def, warmup + n);
    if (!known) throw new Error(`bench: no representative event for ${name} (bench/events.ts)`);
    const { events, what } = known;
    const { QueueUrl } = await infra.sqs.send(
      new CreateQueueCommand({
        QueueName: `bench-warm-${name}.fifo`,
        Attributes: { VisibilityTimeout: '360', FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    // As sqsCommandQueue sends to the trace queue; the child gives each bare send its own deduplication id, as
    // each handler call's command id is its own (a repeated id would be dropped by SQS, cheaper than a send).
    const bare = {
      QueueUrl,
      MessageBody: JSON.stringify({ ...sampleTraceStart(), id: 'cmd_0123456789abcdef' }),
      MessageGroupId: TRACE_MESSAGE_GROUP,
      MessageDeduplicationId: 'cmd_0123456789abcdef',
      MessageAttributes: { commandType: { DataType: 'String', StringValue: 'trace.start' } },
    };
    const r = await runChild<{ full: number[]; bare: number[]; statuses: Record<string, number> }>(
      {
        name,
        mode: 'warm',
        bundle: `dist/${name}/index.mjs`,
        events,
        n,
        warmup,
        bare,
        timeoutSec: def?.timeoutSec ?? 10,
      },
      // The ingress functions send trace.start to the trace queue (TRACE_QUEUE_URL), status to the work queue.
      { ...infra.env, TRACE_QUEUE_URL: QueueUrl!, WORK_QUEUE_URL: QueueUrl! },
    );
    await infra.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    rows.push({
      fn: name,
      what,
      n,
      p50: round(percentile(r.full, 50), 3),
      p99: round(percentile(r.full, 99), 3),
      bareP50: round(percentile(r.bare, 50), 3),
      bareP99: round(percentile(r.bare, 99), 3),
      statuses: r.statuses,
    });
  }
  return rows;
}
