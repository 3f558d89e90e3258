// Runs in a fresh Node process (plain JS, no loader, so nothing but the bundle is measured).
// Spec (JSON file, argv[2]): { bundle, events, mode: 'memory' | 'warm' | 'floor', n?, warmup?, bare?, out }.
//   memory: import the bundle, handle events[0] once, report peak RSS (process.resourceUsage().maxRSS).
//   floor:  import the floor bundle (constructs the SDK clients only), report peak RSS.
//   warm:   handle warmup + n events (events[i], each unique where replays are refused), alternating with a bare SendMessage (`bare`) to the same queue;
//           report every duration in ms.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const context = () => {
  const deadline = Date.now() + (spec.timeoutSec ?? 10) * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `bench-${spec.name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:bench-${spec.name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/bench-${spec.name}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
};

const statusOf = (r) =>
  r && typeof r === 'object'
    ? (r.statusCode ?? (r.batchItemFailures ? `batchItemFailures=${r.batchItemFailures.length}` : 'ok'))
    : String(r);
const mod = await import(pathToFileURL(spec.bundle).href);
const result = { name: spec.name };

if (spec.mode === 'floor') {
  result.maxRssKB = process.resourceUsage().maxRSS;
} else if (spec.mode === 'memory') {
  const t = performance.now();
  const r = await mod.handler(spec.events[0], context());
  result.ms = performance.now() - t;
  result.status = statusOf(r);
  result.response = typeof r === 'object' ? JSON.stringify(r).slice(0, 300) : String(r);
  result.maxRssKB = process.resourceUsage().maxRSS;
} else if (spec.mode === 'warm') {
  const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
  const sqs = new SQSClient({});
  let sent = 0;
  // A FIFO bare send gets its own deduplication id each time (SQS would drop a repeat without storing it).
  const bare = () =>
    sqs.send(
      new SendMessageCommand(
        spec.bare.MessageDeduplicationId
          ? { ...spec.bare, MessageDeduplicationId: `${spec.bare.MessageDeduplicationId}-${sent++}` }
          : spec.bare,
      ),
    );
  const time = async (fn) => {
    const t = performance.now();
    const r = await fn();
    return [performance.now() - t, r];
  };
  const statuses = {};
  const full = [];
  const bareTimes = [];
  const events = spec.events;
  if (events.length < spec.warmup + spec.n) throw new Error('bench child: fewer events than warmup + n');
  for (let i = 0; i < spec.warmup; i++) {
    await bare();
    await mod.handler(events[i], context());
  }
  for (let i = 0; i < spec.n; i++) {
    // Alternate so drift (the local queue growing, GC, machine noise) hits both alike.
    bareTimes.push((await time(bare))[0]);
    const event = events[spec.warmup + i];
    const ctx = context();
    const [ms, r] = await time(() => mod.handler(event, ctx));
    full.push(ms);
    const s = statusOf(r);
    statuses[s] = (statuses[s] ?? 0) + 1;
  }
  Object.assign(result, { full, bare: bareTimes, statuses });
  sqs.destroy();
}
writeFileSync(spec.out, JSON.stringify(result));
process.exit(0);
