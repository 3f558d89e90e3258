/**
 * A long window through the deployed envelope: one bypassType window over 200 segments, applied and restored by
 * the reconciler *function* as deployed — its handler (functions/reconciler/app.ts) with a fresh invocation
 * deadline from serverless.yml's timeout (120 s) for each message, fed by the FIFO policy queue (local SQS with
 * serverless.yml's queue and redrive policy) one message at a time, the every-minute tick put on that queue as
 * EventBridge does, and the run's own continuation when it stops at its deadline. The simulator enforces ZPA's
 * real limits (20 GET and 10 writes per 10 s), the client paces the same.
 *
 * §4 measures the reconcile alone; this measures what the Lambda and queue envelope add around it: a run cut at
 * its deadline, the wait until the next run, the ticks. Minimum per phase as in §4: max(⌈W/10⌉ − 1, ⌈R/20⌉ − 1)
 * × 10 s over the requests the phase sent. Phase time: from the window's start (end) to the last segment changed.
 */
import type { AddressInfo } from 'node:net';
import { SQSClient, type SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createSqsServer } from 'local-aws-sqs';
import { makeHandler } from '../functions/reconciler/app.js';
import { sqsCommandQueue } from '../shared/aws/queue.js';
import { parseWindowsFile } from '../shared/bypass/windows.js';
import { zpaBypassPort } from '../shared/bypass/zpaPort.js';
import type { Command } from '../shared/commands/contract.js';
import { loadConfig, zpaReconcilerFields } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { zpaPacer } from '../shared/zscaler/pacer.js';
import { SIM_CREDENTIALS } from '../simulator/credentials.js';
import { makeContext } from '../local/lambda.js';
import { pollOnce } from '../local/poller.js';
import { readServerlessYml } from '../local/serverlessYml.js';
import { createQueues } from '../local/wiring.js';
import { zscalerTestEnv } from '../test/helpers/zscaler.js';
import { benchSegments } from './events.js';
import { spliceSection } from './sections.js';
import { round } from './stats.js';
import { minimumMs } from './throughput.js';

export const ENVELOPE_SEGMENTS = Number(process.env.BENCH_ENVELOPE_SEGMENTS ?? 200);
const WINDOW_MS = 10_000;
const TICK_MS = 60_000;

export interface EnvelopePhase {
  phase: 'bypass' | 'restore';
  seconds: number;
  minSeconds: number;
  ratio: number;
  reads: number;
  writes: number;
  invocations: number;
  continuations: number;
  ticks: number;
  http429: number;
  failedInvocations: number;
}

export interface EnvelopeResult {
  at: string;
  segments: number;
  timeoutSec: number;
  phases: EnvelopePhase[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureEnvelope(
  segments = ENVELOPE_SEGMENTS,
  log: (line: string) => void = () => undefined,
): Promise<EnvelopeResult> {
  const yml = readServerlessYml();
  const fn = yml.functions.find((f) => f.name === 'reconciler');
  const sub = fn?.sqs[0];
  if (!fn || !sub) throw new Error('bench envelope: serverless.yml has no reconciler with an SQS trigger');
  // The reconciler's share of ZPA's GETs, as deployed (the worker's status has the rest), and all 10 writes.
  const reads = loadConfig(zpaReconcilerFields, {}).ZPA_READS_PER_10S;
  const env = await zscalerTestEnv({
    sim: { zpaBulkSegments: Math.max(55, segments) },
    pacers: { zpa: zpaPacer({ getPer10s: reads, writePer10s: 10, windowMs: WINDOW_MS }) },
  });
  const sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const { urls, arns } = await createQueues(sqs, yml, `envelope${segments}`, { redrive: true });
  const policyUrl = urls[sub.queue]!;
  const policyQueue = sqsCommandQueue(policyUrl, sqs);
  const counted = { continuations: 0, ticks: 0 };
  const original = sqs.send.bind(sqs) as (c: SendMessageCommand) => Promise<unknown>;
  (sqs as unknown as { send: typeof original }).send = (c) => {
    const body = (c.input as { MessageBody?: string }).MessageBody ?? '';
    if (body.includes('"continues ')) counted.continuations++;
    return original(c);
  };

  // The window: starts in 5 s, lasts long enough for the apply under the limits, then the restore.
  const startAt = Date.now() + 5_000;
  const applyBudgetMs = (Math.ceil(segments / 10) + 3) * WINDOW_MS + TICK_MS;
  const endAt = startAt + applyBudgetMs;
  const windows = parseWindowsFile({
    guardrails: { allowedSegments: ['app-*'], maxWindowMinutes: 480 },
    windows: [
      {
        id: `envelope-${segments}`,
        segments: benchSegments(segments),
        mode: 'bypassType',
        reason: 'envelope benchmark',
        schedule: { start: new Date(startAt).toISOString(), end: new Date(endAt).toISOString() },
      },
    ],
  });
  const handler = makeHandler({
    port: zpaBypassPort({ api: env.clients.zpa, customerId: SIM_CREDENTIALS.zpaCustomerId }),
    windows: () => windows,
    logger: createLogger({ level: 'error', sink: () => undefined }),
    reporter: { report: async () => undefined },
    dryRun: false,
    policyQueue,
  });

  const invocations: Array<{ at: number; failed: boolean }> = [];
  let running = true;
  const consumer = (async () => {
    while (running) {
      await pollOnce({
        sqs,
        queueUrl: policyUrl,
        queueArn: arns[sub.queue]!,
        batchSize: sub.batchSize,
        invoke: async (event: SQSEvent) => {
          const at = Date.now();
          try {
            const res = await handler(event, makeContext(fn, yml.service));
            invocations.push({ at, failed: false });
            return res;
          } catch (e) {
            invocations.push({ at, failed: true });
            throw e;
          }
        },
      }).catch(() => sleep(200));
    }
  })();
  // EventBridge's every-minute tick, on the queue; the first as the window starts (a tick's phase is random).
  const tickTimes: number[] = [];
  const tick = async () => {
    counted.ticks++;
    tickTimes.push(Date.now());
    const id = `tick-${counted.ticks}-${Date.now()}`;
    const cmd: Command = { id, type: 'reconcile', requestedBy: { kind: 'schedule', id } };
    await policyQueue.send(cmd);
  };
  await sleep(Math.max(0, startAt - Date.now()));
  const ticker = (async () => {
    while (running) {
      await tick();
      await sleep(TICK_MS);
    }
  })();

  type Seg = { name: string; bypassType?: string };
  const ours = new Set(benchSegments(segments));
  const segs = () => (env.sim.state().products.zpa as { segments: Seg[] }).segments.filter((x) => ours.has(x.name));
  const phase = async (name: 'bypass' | 'restore', from: number, done: () => boolean): Promise<EnvelopePhase> => {
    const callsFrom = env.sim.calls.filter((c) => c.at < from).length;
    const inv0 = invocations.length;
    const c0 = counted.continuations;
    let last = Date.now();
    while (!done()) {
      if (Date.now() - from > 20 * 60_000) throw new Error(`bench envelope: ${name} not done after 20 minutes`);
      await sleep(250);
      last = Date.now();
    }
    const calls = env.sim.calls.slice(callsFrom).filter((c) => c.product === 'zpa' && c.at <= last);
    const reads = calls.filter((c) => c.method === 'GET').length;
    const writes = calls.length - reads;
    const min = minimumMs(reads, writes, WINDOW_MS);
    const ms = last - from;
    const inv = invocations.slice(inv0);
    const row: EnvelopePhase = {
      phase: name,
      seconds: round(ms / 1000, 1),
      minSeconds: round(min / 1000, 1),
      ratio: round(ms / min, 3),
      reads,
      writes,
      invocations: inv.length,
      continuations: counted.continuations - c0,
      ticks: tickTimes.filter((t) => t >= from && t <= last).length,
      http429: calls.filter((c) => c.status === 429).length,
      failedInvocations: inv.filter((i) => i.failed).length,
    };
    log(`envelope ${segments}: ${name} ${row.seconds} s against ${row.minSeconds} s (${row.ratio}×)`);
    return row;
  };
  const bypass = await phase('bypass', startAt, () => segs().every((x) => x.bypassType === 'ALWAYS'));
  if (Date.now() > endAt) throw new Error('bench envelope: the apply outlasted the window; lengthen applyBudgetMs');
  await sleep(Math.max(0, endAt - Date.now()));
  const restore = await phase('restore', endAt, () => segs().every((x) => x.bypassType !== 'ALWAYS'));
  running = false;
  await Promise.allSettled([consumer, ticker]);
  await env.close();
  await new Promise<void>((r) => sqsServer.close(() => r()));
  return { at: new Date().toISOString(), segments, timeoutSec: fn.timeoutSec, phases: [bypass, restore] };
}

export function renderEnvelope(r: EnvelopeResult): string {
  return [
    '<!-- bench:envelope:start -->',
    '',
    `### ${r.segments}-segment bypassType window through the function and its queue`,
    '',
    `One bypassType window over ${r.segments} segments, applied and restored by the reconciler function as deployed (its handler with serverless.yml's ${r.timeoutSec} s deadline per invocation, the FIFO policy queue one message at a time, the every-minute tick on that queue, and the run's own continuation when it stops at its deadline), against the simulator enforcing ZPA's real limits (20 GET and 10 writes per 10 s), the client pacing the reconciler's share (16 GET, 10 writes). Phase time: from the window's start (end) until the last segment was changed; minimum as in §4 over the requests the phase sent (\`bench/envelope.ts\`, \`npx tsx bench/run.ts envelope\`; run ${r.at}).`,
    '',
    '| phase | time | rate-limit minimum | ratio | reads | writes | invocations | continuations | ticks | 429s | failed invocations |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.phases.map(
      (p) =>
        `| ${p.phase} | ${p.seconds} s | ${p.minSeconds} s | ${p.ratio}× | ${p.reads} | ${p.writes} | ${p.invocations} | ${p.continuations} | ${p.ticks} | ${p.http429} | ${p.failedInvocations} |`,
    ),
    '',
    '<!-- bench:envelope:end -->',
  ].join('\n');
}

/** Puts the envelope section in place of the last one, or before "## 5. Memory" the first time. */
export const spliceEnvelope = (md: string, section: string): string => spliceSection(md, 'envelope', section);
