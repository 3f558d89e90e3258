/**
 * Deep-trace storm: N users at once, each its own incident with a mixed priority, through the whole trace side
 * as deployed — opens sent to the FIFO trace queue (local SQS, serverless.yml's queues with the redrive policy
 * and DLQ), consumed one batch of 10 at a time, back to back, by the trace reconciler's handler
 * (functions/trace-reconciler/app.ts) with a 60 s Lambda deadline per run, wake-ups through the work queue with
 * their SQS delay and relayed back by the worker's `relayWake`, the every-minute tick, the incident ledger in
 * DynamoDB (dynalite, the table serverless.yml declares), reports POSTed to a receiver, and ZDX reached through
 * the real client (token cache, pacer from the configuration, retries) over HTTP against the simulator
 * enforcing ZDX's limits: 5 requests/s (and a tier's per-minute limit), one active trace per device and 15 per
 * tenant, trace lifecycle on the simulated clock.
 *
 * Time: the simulator runs `timeScale`× faster so a 5-minute trace (+ ZDX's 30 s start-up) frees its slot in
 * (330 / timeScale) real seconds; the check delay is scaled the same way (traceCheckDelaySeconds 60 → 60 /
 * timeScale), so a trace is checked as many times as in production. Rate limits and the Lambda deadline are
 * NOT scaled (real seconds), so this is harsher on the rate limit than production.
 *
 * Seeding: the simulator seeds 24 users and has no option for more, so the ZDX product is assembled here from
 * the simulator's own parts (device and deep-trace routes, trace store, rate limiter, apps and probes) with
 * the seed plus N generated users, one device each, and mounted through `startSimulator({ products })`.
 * Nothing below changes how the simulator answers; see bench/notes.md for the option that would replace it.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createSqsServer } from 'local-aws-sqs';
import type { AddressInfo } from 'node:net';
import { makeHandler } from '../functions/trace-reconciler/app.js';
import { sqsCommandQueue, TRACE_MESSAGE_GROUP } from '../shared/aws/queue.js';
import { loadConfig, traceFields } from '../shared/config.js';
import { parseCommand, type TraceStart, type TraceStop } from '../shared/commands/contract.js';
import { dynamoLedger, type LedgerStore } from '../shared/ledger/store.js';
import { ledgerKey } from '../shared/ledger/record.js';
import { createLogger } from '../shared/logger.js';
import { createReporter, type Reporter } from '../shared/reporting/reporter.js';
import { relayWake } from '../shared/traces/run.js';
import { zdxTracePort } from '../shared/traces/zdxPort.js';
import { startLocalDynamo } from '../local/dynamodb.js';
import { makeContext } from '../local/lambda.js';
import { pollOnce } from '../local/poller.js';
import { startReceiver } from '../local/receiver.js';
import { startQueueSchedules } from '../local/schedules.js';
import { readServerlessYml } from '../local/serverlessYml.js';
import { createQueues } from '../local/wiring.js';
import { Router, seededRandom, type ProductFactory, type SimProduct, type SimReply } from '../simulator/index.js';
import {
  DeepTraceStore,
  MAX_ACTIVE_PER_TENANT,
  registerDeepTraceRoutes,
  STARTUP_DELAY_MS,
} from '../simulator/zdx/deeptraces.js';
import { registerDeviceRoutes, type ZdxContext } from '../simulator/zdx/devices.js';
import { QueryError, zdxError } from '../simulator/zdx/query.js';
import { ZDX_TIERS, ZdxRateLimiter, type ZdxTier } from '../simulator/zdx/ratelimit.js';
import { buildSeed, type ZdxDevice, type ZdxUser } from '../simulator/zdx/seed.js';
import { zscalerTestEnv } from '../test/helpers/zscaler.js';
import { percentile, round } from './stats.js';

export const STORM_TIME_SCALE = Number(process.env.BENCH_STORM_TIME_SCALE ?? 5);
export const STORM_CHECK_DELAY_S = Number(
  process.env.BENCH_STORM_CHECK_DELAY_S ?? Math.max(1, Math.round(60 / STORM_TIME_SCALE)),
);
const DEBUG = process.env.BENCH_STORM_DEBUG === '1';
export const STORM_BUDGET = { ratio: 1.2, http429: 0, failures: 0, couldNotStart: 0 };

export interface StormScenario {
  name: string;
  users: number;
  /** ZDX tier of the simulator (per-minute limit); the client paces to it via ZDX_REQUESTS_PER_MINUTE. */
  tier?: ZdxTier;
  /** Resolve this many incidents (picked at random) during the storm, one every `everyMs` from `afterMs`. */
  resolves?: { count: number; afterMs: number; everyMs: number };
}

export const STORM_SCENARIOS: StormScenario[] = [
  { name: 'storm-100', users: 100 },
  { name: 'storm-300', users: 300 },
  { name: 'storm-100-resolves', users: 100, resolves: { count: 40, afterMs: 20_000, everyMs: 1_500 } },
  { name: 'storm-20-t1', users: 20, tier: 'T1' },
];

const PRIORITY_MIX = [1, 2, 2, 3, 3, 3, 3, 4, 4, 5]; // P1 10 %, P2 20 %, P3 40 %, P4 20 %, P5 10 %

export interface ResolveFigures {
  sent: number;
  /** At the moment the resolve was sent: its trace was running / it waited for a slot / its trace had ended. */
  whenSent: { running: number; waiting: number; ended: number };
  stopped: number;
  dropped: number;
  /** Starts sent after the resolve was in the ledger (must be 0). */
  startedAfterResolve: number;
  /** Resolves whose trace was still active in ZDX at the end (must be 0). */
  leftRunning: number;
  stopLatency: { p50: number; p90: number; max: number } | undefined;
  /** Of that, waiting in the FIFO queue until a run applied the resolve (p50 / max), and applied → stopped. */
  stopQueued: { p50: number; max: number } | undefined;
  stopInRun: { p50: number; max: number } | undefined;
}

export interface StormRow {
  scenario: string;
  users: number;
  limits: string;
  timeScale: number;
  checkDelaySeconds: number;
  /** A trace's life in ZDX in real seconds (30 s start-up + session, divided by timeScale). */
  traceSeconds: number;
  started: number;
  completed: number;
  firstStartS: number;
  lastStartS: number;
  startsPerSecond: number;
  /** ZDX requests sent (not refused) up to the last start, per start. */
  callsPerStart: number;
  /** Lower bound on the last start: the rate term (those requests at the limits) and the slot term. */
  rateTermS: number;
  slotTermS: number | undefined;
  boundPerSecond: number;
  /** lastStart / max(rate term, slot term); undefined when resolves free slots early (no slot bound). */
  ratio: number | undefined;
  wait: { p50: number; p90: number; max: number };
  byPriority: Array<{ priority: number; n: number; p50: number; max: number }>;
  /** The reconciler's order: inversions among incidents it had looked up (must be 0). */
  priorityViolations: number;
  /** The order a requester sees: inversions among incidents opened together, where the urgent one then waited for a slot. */
  openedTogetherInversions: number;
  urgentBehindLessUrgent: number;
  /** Longest open → start of a P1/P2 incident. */
  urgentWaitMax: number;
  /** Seconds a slot stayed taken in the ledger after ZDX ended the trace (until a check saw it completed). */
  slotIdle: { p50: number; p90: number; max: number } | undefined;
  /** Seconds from ZDX freeing a slot (a trace ending or stopped) to the start that used it, for starts past the first 15. */
  slotReuse: { p50: number; p90: number; max: number } | undefined;
  /** The first errors the handler logged: when (s after the storm began), what. */
  errorSamples: string[];
  errorsLogged: number;
  /** Errors logged in the last 1.5 s of a run that used (almost) all of its 60 s. */
  errorsAtDeadline: number;
  /** When each run ended (s after the storm began), to line errors up with the 60 s deadlines. */
  runEnds: number[];
  /** For each 429: when, and how many requests its fixed second and minute had accepted. */
  http429Detail: string[];
  /** 429s refused by the per-minute window (their second was not full, their minute was). */
  http429Minute: number;
  /** Most ZDX requests accepted in one fixed (real) minute. */
  busiestMinute: number;
  http429: number;
  conflicts409: number;
  stepFailures: number;
  batchFailures: number;
  deadLetters: number;
  failedDevices: number;
  couldNotStart: number;
  busy: number;
  queuedNotices: number;
  repeatedQueuedNotices: number;
  maxActive: number;
  runs: number;
  deferredRuns: number;
  runSeconds: { p50: number; max: number };
  zdxCalls: number;
  breakdown: Record<string, number>;
  tokens: number;
  resolves?: ResolveFigures;
  seconds: number;
  timedOut: boolean;
}

export interface StormResult {
  rows: StormRow[];
  startedAt: Date;
  seconds: number;
}

// ---------------------------------------------------------------------------------------------------------
// The simulator's ZDX product with N more users (one device each), assembled as simulator/zdx/index.ts does.

const STORM_USER_BASE = 95_000_000;
const STORM_DEVICE_BASE = 190_000_000;
export const stormEmail = (i: number) => `storm-${String(i).padStart(3, '0')}@corp.example`;

interface StormZdx {
  factory: ProductFactory;
  /** Active traces in the simulator now, and the most seen right after any trace was created. */
  activeNow(): number;
  maxActive(): number;
  /** Devices with an active trace in the simulator now. */
  activeDevices(): Set<number>;
  /** Called (real time) when the simulator creates a trace (answers a start 200) or deletes one (a stop). */
  listen(fn: (event: 'created' | 'deleted', deviceId: number, at: number) => void): void;
}

function stormZdx(extraUsers: number): StormZdx {
  let store: DeepTraceStore | undefined;
  let maxActive = 0;
  let listener: (event: 'created' | 'deleted', deviceId: number, at: number) => void = () => undefined;
  const activeNow = () => (store ? store.all().filter((t) => store!.isActive(t)).length : 0);
  const factory: ProductFactory = (clock, opts) => {
    const seed = buildSeed();
    for (let i = 1; i <= extraUsers; i++) {
      const user: ZdxUser = { id: STORM_USER_BASE + i, name: `Storm User ${i}`, email: stormEmail(i) };
      const device: ZdxDevice = {
        id: STORM_DEVICE_BASE + i,
        name: `STORM-LT-${String(i).padStart(3, '0')}`,
        userId: user.id,
        idleSec: (((i * 7) % 90) + 1) * 60,
        os: 'Windows',
        model: 'Latitude 5440',
      };
      seed.users.push(user);
      seed.devices.push(device);
    }
    const devices = new Map(seed.devices.map((d) => [d.id, d]));
    const users = new Map(seed.users.map((u) => [u.id, u]));
    const ctx: ZdxContext = {
      clock,
      seed,
      device: (id) => (id === undefined ? undefined : devices.get(id)),
      user: (id) => (id === undefined ? undefined : users.get(id)),
      touch: () => undefined,
    };
    const traces = new DeepTraceStore(clock);
    store = traces;
    const router = new Router();
    registerDeviceRoutes(router, ctx);
    registerDeepTraceRoutes(router, ctx, traces);
    const limiter =
      opts.zdxRateLimit === false
        ? undefined
        : new ZdxRateLimiter({ ...ZDX_TIERS[opts.zdxTier ?? 'T4'], ...opts.zdxRateLimit });
    const route = async (req: Parameters<SimProduct['handle']>[0]): Promise<SimReply> => {
      const m = router.match(req.method, req.path);
      if (m === undefined) return zdxError(404, `No ZDX endpoint ${req.method} ${req.path}`);
      if (m === 'method') return zdxError(405, `Method ${req.method} not allowed on ${req.path}`);
      try {
        return await m.handler({ ...req, params: m.params });
      } catch (err) {
        if (err instanceof QueryError) return zdxError(400, err.message);
        throw err;
      }
    };
    const product: SimProduct = {
      name: 'zdx',
      async handle(req, { clientIp }) {
        const rate = limiter?.check(clientIp);
        if (rate && !rate.allowed) return { ...zdxError(429, 'Rate limit exceeded'), headers: rate.headers };
        const reply = await route(req);
        const deviceId = Number(/^\/devices\/(\d+)\/deeptraces/.exec(req.path)?.[1]);
        if (req.method === 'POST' && reply.status === 200) {
          maxActive = Math.max(maxActive, activeNow());
          listener('created', deviceId, Date.now());
        }
        if (req.method === 'DELETE' && reply.status === 200) listener('deleted', deviceId, Date.now());
        return rate ? { ...reply, headers: { ...rate.headers, ...reply.headers } } : reply;
      },
      state: () => ({
        devices: seed.devices.length,
        users: seed.users.length,
        traces: traces.all().length,
        active_traces: activeNow(),
      }),
      reset: () => traces.reset(),
    };
    return [product];
  };
  const activeDevices = () =>
    new Set(
      store
        ? store
            .all()
            .filter((t) => store!.isActive(t))
            .map((t) => t.deviceId)
        : [],
    );
  return {
    factory,
    activeNow,
    maxActive: () => maxActive,
    activeDevices,
    listen: (fn) => {
      listener = fn;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Observers: pass-through wrappers that note when things happened (real time, ms).

interface IncidentTimes {
  priority: number;
  openSentAt?: number;
  foundAt?: number;
  startSentAt?: number;
  startedAt?: number;
  resolveSentAt?: number;
  resolveAppliedAt?: number;
  stoppedAt?: number;
}

const incidentIdOf = (i: number) => `STORM-${String(i).padStart(3, '0')}`;

function observeLedger(ledger: LedgerStore, times: Map<string, IncidentTimes>, applied: Set<string>): LedgerStore {
  return {
    ...ledger,
    put: async (record) => {
      const saved = await ledger.put(record);
      const now = Date.now();
      applied.add(`${saved.key}:${saved.state}`);
      const t = times.get(saved.key);
      if (t) {
        if (saved.devices.some((d) => d.phase === 'found') && t.foundAt === undefined) t.foundAt = now;
        if (saved.devices.some((d) => d.phase === 'starting') && t.startSentAt === undefined) t.startSentAt = now;
        if (saved.state === 'resolved' && t.resolveAppliedAt === undefined) t.resolveAppliedAt = now;
      }
      return saved;
    },
  };
}

interface Reported {
  kind: string;
  key?: string;
  at: number;
}

function observeReporter(reporter: Reporter, out: Reported[]): Reporter {
  return {
    report: async (outcome, target) => {
      await reporter.report(outcome, target);
      const inc = (outcome.data?.incident ?? undefined) as { source?: string; incidentId?: string } | undefined;
      out.push({
        kind: outcome.kind,
        key: inc?.source && inc.incidentId ? ledgerKey({ source: inc.source, incidentId: inc.incidentId }) : undefined,
        at: Date.now(),
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const s = (ms: number) => round(ms / 1000, 1);

/** "GET /v1/devices/{id}/deeptraces/{trace}" → a class of request. */
function callClass(method: string, path: string): string {
  const p = path.split('?')[0]!;
  if (p.endsWith('/devices')) return 'device lookup';
  if (/\/deeptraces$/.test(p)) return method === 'POST' ? 'start' : 'trace list';
  if (/\/deeptraces\/\d+$/.test(p)) return method === 'DELETE' ? 'stop' : 'check';
  if (/\/deeptraces\/\d+\/.+-metrics$/.test(p)) return 'results';
  if (/\/apps(\/\d+\/(web|cloudpath)-probes)?$/.test(p)) return 'app + probes';
  return `${method} ${p}`;
}

export async function runStormScenario(
  sc: StormScenario,
  log: (line: string) => void = () => undefined,
): Promise<StormRow> {
  const wall0 = Date.now();
  const timeScale = STORM_TIME_SCALE;
  const checkDelaySeconds = STORM_CHECK_DELAY_S;
  const yml = readServerlessYml();
  const fn = yml.functions.find((f) => f.name === 'trace-reconciler');
  const traceSub = fn?.sqs[0];
  if (!fn || !traceSub) throw new Error('bench storm: serverless.yml has no trace-reconciler with an SQS trigger');
  const p = yml.params;
  const zdx = stormZdx(sc.users);
  const env = await zscalerTestEnv({
    sim: { products: zdx.factory, timeScale, zdxTier: sc.tier ?? 'T4', tokenLifetimeSec: 3600 * timeScale },
    env: {
      HTTP_TIMEOUT_MS: p.httpTimeoutMs ?? '10000',
      ZDX_REQUESTS_PER_SECOND: p.zdxRequestsPerSecond ?? '5',
      ZDX_REQUESTS_PER_MINUTE: sc.tier ? String(ZDX_TIERS[sc.tier].perMinute) : (p.zdxRequestsPerMinute ?? '0'),
    },
  });
  const receiver = await startReceiver(0);
  const sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const { urls, arns } = await createQueues(sqs, yml, `storm${sc.users}`, { redrive: true, speedUpRetries: true });
  const dynamo = await startLocalDynamo(yml.tables, { service: yml.service, stage: 'storm' });
  const traceQueueId = traceSub.queue;
  const workQueueId = yml.functions.find((f) => f.name === 'worker')?.sqs[0]?.queue ?? 'WorkQueue';
  const dlqId = yml.queues.find((q) => q.logicalId === traceQueueId)?.redrive?.dlq;
  const ledgerTable = dynamo.tableNames.IncidentLedger ?? Object.values(dynamo.tableNames)[0]!;

  const settingsConfig = loadConfig(traceFields, {
    ZDX_DEVICE_LOOKBACK_HOURS: p.zdxDeviceLookbackHours,
    TRACE_SESSION_MINUTES: p.traceSessionMinutes,
    TRACE_CHECK_DELAY_SECONDS: String(checkDelaySeconds),
    TRACE_MAX_CHECKS: p.traceMaxChecks,
    MAX_ACTIVE_TRACES: p.maxActiveTraces,
  });
  const traceSeconds = (STARTUP_DELAY_MS / 1000 + settingsConfig.TRACE_SESSION_MINUTES * 60) / timeScale;

  /** The storm's start (set again just before the first open is sent). */
  let t0 = Date.now();
  // What the handler logs (info, the deployed level), reduced to counts.
  const counts = {
    stepFailures: 0,
    batchFailures: 0,
    deferredRuns: 0,
    errors: [] as string[],
    samples: [] as string[],
  };
  const logger = createLogger({
    level: 'info',
    sink: (line) => {
      if (!line.includes('"level":"error"') && !line.includes('"msg":"trace reconcile"')) return;
      const rec = JSON.parse(line) as {
        level: string;
        msg: string;
        time?: string;
        deferred?: boolean;
        key?: string;
        error?: { name?: string; message?: string };
      };
      if (DEBUG && rec.msg === 'trace reconcile')
        log(`${sc.name}: run result ${line.slice(line.indexOf('"applied"'))}`);
      if (rec.msg === 'trace reconcile' && rec.deferred) counts.deferredRuns++;
      if (rec.level !== 'error') return;
      errorTimes.push(Date.parse(rec.time ?? ''));
      if (rec.msg.startsWith('trace reconcile step failed')) counts.stepFailures++;
      else if (rec.msg.startsWith('trace reconcile failed')) counts.batchFailures++;
      if (counts.errors.length < 5) counts.errors.push(line.slice(0, 400));
      if (counts.samples.length < 10)
        counts.samples.push(
          `${s(Date.parse(rec.time ?? '') - t0)} s: ${rec.msg}${rec.key ? ` (${rec.key})` : ''}: ${rec.error?.name ?? ''} ${rec.error?.message ?? ''}`.trim(),
        );
    },
  });

  const times = new Map<string, IncidentTimes>();
  const byDevice = new Map<number, string>();
  const applied = new Set<string>();
  const reports: Reported[] = [];
  const rand = seededRandom(sc.users * 7919 + (sc.resolves ? 1 : 0) + (sc.tier ? 2 : 0));
  // Start and stop times as ZDX saw them: a start whose answer was lost (and adopted later) counts when it was made.
  zdx.listen((event, deviceId, at) => {
    const t = times.get(byDevice.get(deviceId) ?? '');
    if (!t) return;
    if (event === 'created' && t.startedAt === undefined) t.startedAt = at;
    if (event === 'deleted' && t.stoppedAt === undefined) t.stoppedAt = at;
  });
  const incidents: TraceStart[] = [];
  for (let i = 1; i <= sc.users; i++) {
    const priority = PRIORITY_MIX[Math.floor(rand() * PRIORITY_MIX.length)]!;
    const incidentId = incidentIdOf(i);
    times.set(ledgerKey({ source: 'pagerduty', incidentId }), { priority });
    byDevice.set(STORM_DEVICE_BASE + i, ledgerKey({ source: 'pagerduty', incidentId }));
    incidents.push({
      id: `storm-open-${incidentId}`,
      type: 'trace.start',
      incident: {
        source: 'pagerduty',
        incidentId,
        priority: `P${priority}`,
        service: i % 3 === 0 ? 'Payroll Portal' : undefined,
        title: `Storm incident ${i}`,
      },
      userEmails: [stormEmail(i)],
      requestedBy: { kind: 'incident', id: `pagerduty:${incidentId}` },
    });
  }
  const handler = makeHandler({
    traces: zdxTracePort(env.clients.zdx),
    ledger: observeLedger(
      dynamoLedger({
        tableName: ledgerTable,
        retentionDays: Number(p.ledgerRetentionDays ?? 30),
        client: dynamo.client,
      }),
      times,
      applied,
    ),
    reporter: observeReporter(createReporter({ callbackUrl: `${receiver.url}/callback`, logger }), reports),
    wakeQueue: sqsCommandQueue(urls[workQueueId]!, sqs),
    logger,
    // As functions/trace-reconciler/handler.ts builds them.
    settings: {
      lookbackHours: settingsConfig.ZDX_DEVICE_LOOKBACK_HOURS,
      sessionMinutes: settingsConfig.TRACE_SESSION_MINUTES,
      checkDelaySeconds: settingsConfig.TRACE_CHECK_DELAY_SECONDS,
      maxChecks: settingsConfig.TRACE_MAX_CHECKS,
      maxActiveTraces: settingsConfig.MAX_ACTIVE_TRACES,
      reserveMs: 5_000,
      // The one scaled setting besides the check delay: the simulator ends a trace `timeScale` times sooner.
      expectedTraceSeconds: (m) => (STARTUP_DELAY_MS / 1000 + m * 60) / timeScale,
    },
  });
  const traceQueue = sqsCommandQueue(urls[traceQueueId]!, sqs, TRACE_MESSAGE_GROUP);

  // The trace queue's event source mapping: one batch at a time, back to back, each a fresh 60 s invocation.
  let running = true;
  const runs: number[] = [];
  const runSpans: Array<[number, number]> = [];
  const errorTimes: number[] = [];
  const runEnds: number[] = [];
  const traceLoop = (async () => {
    while (running) {
      await pollOnce({
        sqs,
        queueUrl: urls[traceQueueId]!,
        queueArn: arns[traceQueueId]!,
        batchSize: traceSub.batchSize,
        retryDelaySeconds: 2,
        invoke: async (event: SQSEvent) => {
          const t = Date.now();
          if (DEBUG)
            log(
              `${sc.name}: run at ${s(t - t0)} s: ${event.Records.map((r) => (JSON.parse(r.body) as { type: string; id: string }).id).join(' ')}`,
            );
          try {
            return (await handler(event, makeContext(fn, yml.service))) as SQSBatchResponse;
          } finally {
            runs.push(Date.now() - t);
            runSpans.push([t, Date.now()]);
            runEnds.push(Date.now());
          }
        },
        onError: (e) => counts.errors.length < 5 && counts.errors.push(String(e)),
      }).catch(async (e: unknown) => {
        if (counts.errors.length < 5) counts.errors.push(`poll: ${String(e)}`);
        await sleep(200);
      });
    }
  })();
  // The worker's part: delayed wake-ups on the work queue become reconciles on the trace queue. SQS keeps a FIFO
  // queue's deduplication ids for 5 minutes; local SQS forgets one as soon as its message is deleted, so the
  // relay keeps them here instead — a wake-up relayed twice within 5 minutes reaches the trace queue once, as on AWS.
  const relayed = new Map<string, number>();
  const relayLoop = (async () => {
    while (running) {
      await pollOnce({
        sqs,
        queueUrl: urls[workQueueId]!,
        queueArn: arns[workQueueId]!,
        batchSize: 5,
        retryDelaySeconds: 2,
        invoke: async (event: SQSEvent) => {
          for (const r of event.Records) {
            const cmd = parseCommand(r.body);
            if (cmd.type !== 'traces.wake') continue;
            const seen = relayed.get(cmd.id);
            if (seen !== undefined && Date.now() - seen < 5 * 60_000) continue;
            relayed.set(cmd.id, Date.now());
            await relayWake(cmd, traceQueue);
          }
          return { batchItemFailures: [] };
        },
      }).catch(() => sleep(200));
    }
  })();
  const ticks = startQueueSchedules(
    yml.queueSchedules.filter((q) => q.queue === traceQueueId),
    sqs,
    urls,
  );

  // The storm: every open at once, as the ingress would enqueue them.
  t0 = Date.now();
  for (const cmd of incidents) {
    await traceQueue.send(cmd);
    times.get(ledgerKey(cmd.incident))!.openSentAt = Date.now();
  }
  log(`${sc.name}: ${sc.users} opens enqueued in ${s(Date.now() - t0)} s`);

  // Resolves during the storm.
  const resolveKeys: string[] = [];
  const whenSent = { running: 0, waiting: 0, ended: 0 };
  const resolving = (async () => {
    if (!sc.resolves) return;
    const pool = [...incidents];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    await sleep(Math.max(0, t0 + sc.resolves.afterMs - Date.now()));
    for (const open of pool.slice(0, sc.resolves.count)) {
      const key = ledgerKey(open.incident);
      const t = times.get(key)!;
      const stop: TraceStop = {
        id: `storm-resolve-${open.incident.incidentId}`,
        type: 'trace.stop',
        incident: { source: 'pagerduty', incidentId: open.incident.incidentId },
        userEmails: open.userEmails,
        requestedBy: open.requestedBy,
      };
      if (t.startedAt === undefined) whenSent.waiting++;
      else if (t.startedAt + traceSeconds * 1000 > Date.now()) whenSent.running++;
      else whenSent.ended++;
      await traceQueue.send(stop);
      t.resolveSentAt = Date.now();
      resolveKeys.push(key);
      await sleep(sc.resolves.everyMs);
    }
  })();

  // Until every incident is final in the ledger (completed and reported, stopped, dropped) — or a timeout.
  const ledger = dynamoLedger({ tableName: ledgerTable, retentionDays: 30, client: dynamo.client });
  const expectS = Math.max(
    Math.floor((sc.users - 1) / MAX_ACTIVE_PER_TENANT) * traceSeconds,
    (sc.users * 16) / (sc.tier ? ZDX_TIERS[sc.tier].perMinute / 60 : 5),
  );
  const deadline = t0 + (expectS * 2 + 300) * 1000;
  let timedOut = false;
  let lastLog = Date.now();
  for (;;) {
    await sleep(2_000);
    await resolving;
    const opened = [...times.keys()].filter((k) => applied.has(`${k}:open`)).length;
    const pending = opened === sc.users ? (await ledger.listPending()).length : -1;
    if (pending === 0 && resolveKeys.every((k) => applied.has(`${k}:resolved`))) break;
    if (Date.now() > deadline) {
      timedOut = true;
      break;
    }
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      const started = [...times.values()].filter((t) => t.startedAt !== undefined).length;
      log(
        `${sc.name}: ${s(Date.now() - t0)} s, ${opened}/${sc.users} applied, ${started} started, ${zdx.activeNow()} active in ZDX, ${pending} pending, ${runs.length} runs`,
      );
    }
  }
  running = false;
  ticks.stop();
  await Promise.all([traceLoop, relayLoop]);

  let deadLetters = 0;
  if (dlqId) {
    const a = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: urls[dlqId]!,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    deadLetters =
      Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }
  const records = await Promise.all([...times.keys()].map((k) => ledger.get(k)));
  const failedDevices = records.flatMap((r) => r?.devices ?? []).filter((d) => d.phase === 'failed').length;

  // ---- figures
  const all = [...times.values()];
  const started = all.filter((t) => t.startedAt !== undefined);
  const startAts = started.map((t) => t.startedAt! - t0).sort((a, b) => a - b);
  const firstStart = startAts[0] ?? NaN;
  const lastStart = startAts.at(-1) ?? NaN;
  const waits = started.map((t) => (t.startedAt! - t.openSentAt!) / 1000);
  const zdxCalls = env.sim.calls.filter((c) => c.product === 'zdx');
  const sent = zdxCalls.filter((c) => c.status !== 429);
  const simLastStart = Math.max(...sent.filter((c) => c.method === 'POST' && c.status === 200).map((c) => c.at));
  const callsBeforeLast = sent.filter((c) => c.at <= simLastStart).length;
  const callsPerStart = started.length ? callsBeforeLast / started.length : NaN;
  const perMinute = ZDX_TIERS[sc.tier ?? 'T4'].perMinute;
  // Every ZDX tier limits a minute too (T4: 180), and the simulator enforces it: the rate term counts it.
  const limitPerMin = perMinute;
  // The first window's quota goes at once; every further one waits a window.
  const rateTermS = Math.max(
    Math.ceil(callsBeforeLast / 5) - 1,
    limitPerMin ? (Math.ceil(callsBeforeLast / limitPerMin) - 1) * 60 : 0,
    0,
  );
  const slotTermS = sc.resolves ? undefined : Math.floor((started.length - 1) / MAX_ACTIVE_PER_TENANT) * traceSeconds;
  const minS = Math.max(rateTermS, slotTermS ?? 0);
  const breakdown: Record<string, number> = {};
  for (const c of sent) breakdown[callClass(c.method, c.path)] = (breakdown[callClass(c.method, c.path)] ?? 0) + 1;

  // Priority. Known: a more urgent incident whose device was found (waiting in the ledger) when a less urgent
  // one's start was sent must not start after it — the reconciler's order. Opened together: the same for every
  // incident opened in the storm, known to the reconciler yet or still in the queue, counted when the urgent one
  // then had to wait for a slot (it was told "queued") — the order a requester sees.
  const queuedKeys = new Set(reports.filter((r) => r.kind === 'trace.queued').map((r) => r.key));
  const keyOf = new Map([...times.entries()].map(([k, v]) => [v, k]));
  let priorityViolations = 0;
  let openedTogetherInversions = 0;
  const urgentBehind = new Set<string>();
  for (const a of started) {
    for (const b of started) {
      if (a.priority >= b.priority || a.startSentAt! <= b.startSentAt!) continue;
      if (a.foundAt !== undefined && a.foundAt < b.startSentAt!) priorityViolations++;
      if (a.openSentAt! < b.startSentAt! && queuedKeys.has(keyOf.get(a))) {
        openedTogetherInversions++;
        urgentBehind.add(keyOf.get(a)!);
      }
    }
  }
  const worstUrgent = started.filter((t) => t.priority <= 2).map((t) => (t.startedAt! - t.openSentAt!) / 1000);
  // How long a slot stayed taken in the ledger after ZDX had ended the trace (until the completed check).
  const completedAt = new Map(reports.filter((r) => r.kind === 'trace.completed').map((r) => [r.key, r.at]));
  // Slot reuse: the k-th start after the first 15 needed the (k − 15)-th slot ZDX freed (a trace ending or stopped).
  const ends = started
    .map((t) => Math.min(t.startedAt! + traceSeconds * 1000, t.stoppedAt ?? Number.POSITIVE_INFINITY))
    .sort((a, b) => a - b);
  const starts = started.map((t) => t.startedAt!).sort((a, b) => a - b);
  // Only meaningful when the slots were what starts waited for.
  const slotBound = !sc.resolves && queuedKeys.size > 0;
  const reuse = slotBound ? starts.slice(MAX_ACTIVE_PER_TENANT).map((at, k) => (at - ends[k]!) / 1000) : [];
  const idle = [...times.entries()]
    .filter(([k, v]) => completedAt.has(k) && v.startedAt !== undefined)
    .map(([k, v]) => (completedAt.get(k)! - v.startedAt! - traceSeconds * 1000) / 1000);
  const byPriority = [1, 2, 3, 4, 5]
    .map((pr) => {
      const w = started.filter((t) => t.priority === pr).map((t) => (t.startedAt! - t.openSentAt!) / 1000);
      return { priority: pr, n: w.length, p50: round(percentile(w, 50), 1), max: round(Math.max(...w), 1) };
    })
    .filter((x) => x.n > 0);

  const queued = reports.filter((r) => r.kind === 'trace.queued');
  const queuedPerKey = new Map<string, number>();
  for (const q of queued) queuedPerKey.set(q.key ?? '', (queuedPerKey.get(q.key ?? '') ?? 0) + 1);

  let resolves: ResolveFigures | undefined;
  if (sc.resolves) {
    const rs = resolveKeys.map((k) => times.get(k)!);
    const stoppedOnes = rs.filter((t) => t.stoppedAt !== undefined);
    const latencies = stoppedOnes.map((t) => (t.stoppedAt! - t.resolveSentAt!) / 1000);
    const queuedFor = stoppedOnes.map((t) => (t.resolveAppliedAt! - t.resolveSentAt!) / 1000);
    const inRun = stoppedOnes.map((t) => (t.stoppedAt! - t.resolveAppliedAt!) / 1000);
    const pm = (xs: number[]) =>
      xs.length ? { p50: round(percentile(xs, 50), 2), max: round(Math.max(...xs), 2) } : undefined;
    const active = zdx.activeDevices();
    const stillActive = resolveKeys.filter((k) => active.has(STORM_DEVICE_BASE + Number(k.split('-').at(-1)))).length;
    resolves = {
      sent: rs.length,
      whenSent,
      stopped: rs.filter((t) => t.stoppedAt !== undefined).length,
      dropped: reports.filter((r) => r.kind === 'trace.dropped').length,
      startedAfterResolve: rs.filter(
        (t) => t.startSentAt !== undefined && t.resolveAppliedAt !== undefined && t.startSentAt > t.resolveAppliedAt,
      ).length,
      leftRunning: stillActive,
      stopQueued: pm(queuedFor),
      stopInRun: pm(inRun),
      stopLatency: latencies.length
        ? {
            p50: round(percentile(latencies, 50), 2),
            p90: round(percentile(latencies, 90), 2),
            max: round(Math.max(...latencies), 2),
          }
        : undefined,
    };
  }
  const runSorted = [...runs].sort((a, b) => a - b);
  // Each 429 against the simulator's fixed windows (real seconds and minutes): which limit refused it.
  const http429Detail: string[] = [];
  let http429Minute = 0;
  const realOf = (simAt: number) => Date.now() - (env.sim.clock.nowMs() - simAt) / timeScale;
  const accepted = sent.map((c) => realOf(c.at));
  for (const c of zdxCalls) {
    if (c.status !== 429) continue;
    const at = realOf(c.at);
    const inSecond = accepted.filter((x) => Math.floor(x / 1000) === Math.floor(at / 1000)).length;
    const inMinute = accepted.filter((x) => Math.floor(x / 60_000) === Math.floor(at / 60_000)).length;
    if (inSecond < 5 && inMinute >= perMinute) http429Minute++;
    http429Detail.push(
      `${s(at - t0)} s: 429 on ${callClass(c.method, c.path)}, with ${inSecond} accepted ZDX request(s) in its second (limit 5) and ${inMinute} in its minute (limit ${perMinute}, ${sc.tier ?? 'T4'}); the client paces 5/s and ${perMinute}/min`,
    );
  }
  const perMinuteCounts = new Map<number, number>();
  for (const x of accepted)
    perMinuteCounts.set(Math.floor(x / 60_000), (perMinuteCounts.get(Math.floor(x / 60_000)) ?? 0) + 1);
  const busiestMinute = Math.max(0, ...perMinuteCounts.values());
  const row: StormRow = {
    scenario: sc.name,
    users: sc.users,
    limits: sc.tier ? `5 req/s + ${perMinute} req/min (${sc.tier})` : '5 req/s',
    timeScale,
    checkDelaySeconds,
    traceSeconds: round(traceSeconds, 1),
    started: started.length,
    completed: reports.filter((r) => r.kind === 'trace.completed').length,
    firstStartS: s(firstStart),
    lastStartS: s(lastStart),
    startsPerSecond: round(started.length / (lastStart / 1000), 3),
    callsPerStart: round(callsPerStart, 1),
    rateTermS: round(rateTermS, 1),
    slotTermS: slotTermS === undefined ? undefined : round(slotTermS, 1),
    boundPerSecond: round(started.length / minS, 3),
    ratio: slotTermS === undefined ? undefined : round(lastStart / 1000 / minS, 3),
    wait: {
      p50: round(percentile(waits, 50), 1),
      p90: round(percentile(waits, 90), 1),
      max: round(Math.max(...waits), 1),
    },
    byPriority,
    priorityViolations,
    openedTogetherInversions,
    urgentBehindLessUrgent: urgentBehind.size,
    urgentWaitMax: round(Math.max(...worstUrgent, 0), 1),
    slotReuse: reuse.length
      ? {
          p50: round(percentile(reuse, 50), 1),
          p90: round(percentile(reuse, 90), 1),
          max: round(Math.max(...reuse), 1),
        }
      : undefined,
    slotIdle: idle.length
      ? { p50: round(percentile(idle, 50), 1), p90: round(percentile(idle, 90), 1), max: round(Math.max(...idle), 1) }
      : undefined,
    http429: zdxCalls.length - sent.length,
    http429Detail,
    busiestMinute,
    http429Minute,
    errorSamples: counts.samples,
    errorsAtDeadline: errorTimes.filter((e) => runSpans.some(([a, b]) => b - a >= 55_000 && e >= b - 1_500 && e <= b))
      .length,
    errorsLogged: errorTimes.length,
    runEnds: runEnds.map((x) => s(x - t0)),
    conflicts409: zdxCalls.filter((c) => c.method === 'POST' && c.status === 409).length,
    stepFailures: counts.stepFailures,
    batchFailures: counts.batchFailures,
    deadLetters,
    failedDevices,
    couldNotStart: reports.filter((r) => r.kind === 'trace.start.failed').length,
    busy: reports.filter((r) => r.kind === 'trace.busy').length,
    queuedNotices: queued.length,
    repeatedQueuedNotices: [...queuedPerKey.values()].filter((n) => n > 1).length,
    maxActive: zdx.maxActive(),
    runs: runs.length,
    deferredRuns: counts.deferredRuns,
    runSeconds: { p50: round(percentile(runSorted, 50) / 1000, 1), max: round((runSorted.at(-1) ?? 0) / 1000, 1) },
    zdxCalls: zdxCalls.length,
    breakdown,
    tokens: env.sim.calls.filter((c) => c.product === 'auth').length,
    resolves,
    seconds: s(Date.now() - wall0),
    timedOut,
  };
  for (const line of row.http429Detail) log(`${sc.name}: ${line}`);
  if (counts.errors.length)
    log(`${sc.name}: errors logged (first ${counts.errors.length}):\n  ${counts.errors.join('\n  ')}`);

  sqs.destroy();
  await new Promise<void>((r) => sqsServer.close(() => r()));
  await Promise.all([env.close(), receiver.close(), dynamo.close()]);
  return row;
}

/** Failing goals of one row, as words (empty: every goal met). */
export function stormMisses(r: StormRow): string[] {
  const out: string[] = [];
  if (r.ratio !== undefined && r.ratio > STORM_BUDGET.ratio) out.push(`ratio ${r.ratio}× > ${STORM_BUDGET.ratio}×`);
  if (r.http429 > 0) out.push(`${r.http429}× 429`);
  if (r.stepFailures + r.batchFailures + r.deadLetters + r.failedDevices > 0) out.push('failures');
  if (r.couldNotStart > 0) out.push(`${r.couldNotStart} "could not start"`);
  if (r.maxActive > MAX_ACTIVE_PER_TENANT) out.push(`budget exceeded (${r.maxActive})`);
  if (r.priorityViolations > 0) out.push(`${r.priorityViolations} priority inversions among looked-up incidents`);
  if (r.openedTogetherInversions > 0)
    out.push(`${r.urgentBehindLessUrgent} urgent incidents started after less urgent ones opened with them`);
  if (r.started + (r.resolves ? r.resolves.dropped : 0) < r.users && !r.resolves)
    out.push(`${r.users - r.started} never started`);
  if (r.resolves && (r.resolves.startedAfterResolve > 0 || r.resolves.leftRunning > 0))
    out.push('resolve not honoured');
  if (r.timedOut) out.push('timed out');
  return out;
}

export async function measureStorm(
  scenarios = selectedScenarios(),
  log: (line: string) => void = () => undefined,
): Promise<StormResult> {
  const startedAt = new Date();
  const t = performance.now();
  const rows: StormRow[] = [];
  for (const sc of scenarios) {
    log(
      `${sc.name}: ${sc.users} users, ${sc.tier ? `tier ${sc.tier}` : '5 req/s'}${sc.resolves ? `, ${sc.resolves.count} resolves` : ''}, time ×${STORM_TIME_SCALE}, check every ${STORM_CHECK_DELAY_S} s`,
    );
    const row = await runStormScenario(sc, log);
    log(
      `${sc.name}: done in ${row.seconds} s — ${row.started} started, last at ${row.lastStartS} s, ratio ${row.ratio ?? '—'}, ${row.http429}× 429, max active ${row.maxActive}`,
    );
    rows.push(row);
  }
  return { rows, startedAt, seconds: (performance.now() - t) / 1000 };
}

/** BENCH_STORM_SCENARIOS=storm-100,storm-20-t1 runs only those; BENCH_STORM_USERS=30 shrinks every storm (quick look). */
export function selectedScenarios(): StormScenario[] {
  const names = process.env.BENCH_STORM_SCENARIOS?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const users = process.env.BENCH_STORM_USERS ? Number(process.env.BENCH_STORM_USERS) : undefined;
  return STORM_SCENARIOS.filter((x) => !names || names.includes(x.name)).map((x) =>
    users ? { ...x, users: Math.min(x.users, users) } : x,
  );
}
