/**
 * Schedules, locally: a function's `schedule: rate(N minutes)` events, fired as EventBridge scheduled events,
 * and `AWS::Events::Rule` resources that put a message on a queue (as the reconcile schedule does).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FunctionDef, QueueScheduleDef } from './serverlessYml.js';

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

const periodMs = (rate: string, everySeconds?: number) => {
  const m = /^rate\((\d+)\s+(\w+)\)$/.exec(rate);
  if (!m) throw new Error(`local stack supports rate() schedules only: ${rate}`);
  return everySeconds ? everySeconds * 1000 : Number(m[1]) * (UNIT_MS[m[2]!] ?? 60_000);
};

export function startQueueSchedules(
  defs: QueueScheduleDef[],
  sqs: SQSClient,
  queueUrls: Record<string, string>,
  everySeconds?: number,
) {
  const timers = defs.map((d) =>
    setInterval(
      () => {
        const eventId = crypto.randomUUID();
        sqs
          .send(
            new SendMessageCommand({
              QueueUrl: queueUrls[d.queue]!,
              MessageBody: d.template.replaceAll('<eventId>', eventId),
              MessageGroupId: d.messageGroupId,
            }),
          )
          .catch((e: unknown) => console.error(`schedule ${d.logicalId}:`, e));
      },
      periodMs(d.rate, everySeconds),
    ),
  );
  return { stop: () => timers.forEach((t) => void clearInterval(t)) };
}

export function startSchedules(
  functions: FunctionDef[],
  invoke: (fn: FunctionDef, event: unknown) => Promise<unknown>,
  everySeconds?: number,
) {
  const timers = functions.flatMap((fn) =>
    fn.schedules.map((s) => {
      const ms = periodMs(s.rate, everySeconds);
      let running = false;
      return setInterval(async () => {
        if (running) return; // like a reserved concurrency of 1: never overlap
        running = true;
        try {
          await invoke(fn, {
            version: '0',
            id: crypto.randomUUID(),
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: '123456789012',
            time: new Date().toISOString(),
            region: 'us-east-1',
            resources: [],
            detail: {},
          });
        } catch (e) {
          console.error(`schedule ${fn.name}:`, e);
        } finally {
          running = false;
        }
      }, ms);
    }),
  );
  return { stop: () => timers.forEach((t) => void clearInterval(t)) };
}
