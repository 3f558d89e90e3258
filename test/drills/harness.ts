/**
 * The deep-trace side on one machine, for the crash-and-loss drills. The same parts as the local stack
 * (local/stack.ts): the Zscaler simulator over HTTP, local SQS with the queues, DLQs and redrive policies of
 * serverless.yml, dynalite with the ledger table of serverless.yml, the SQS pollers (local/poller.ts), the
 * every-minute trace tick (local/schedules.ts, faster), the report receiver, and the real handlers of
 * incident-webhook (behind the local HTTP API), trace-reconciler and worker, each built with its `makeHandler`
 * and wired as its `handler.ts` wires it from the environment.
 *
 * What the local stack cannot give, and the drills need:
 *  - the trace reconciler is built per "container", so a run can be killed at a chosen point: from then on
 *    nothing of that container reaches ZDX, the ledger, the report target or a queue again (its connections
 *    are destroyed and every later call hangs), its batch fails as a crashed invocation does, and the next
 *    delivery cold-starts a new container (new ZDX client, new token cache);
 *  - a delivery can be lost instead (its messages deleted as if handled), and wake-ups can be deleted from the
 *    work queue, so only the tick is left to repair;
 *  - the ledger's pending index can lag behind the table, as a DynamoDB global secondary index may (dynalite's
 *    is always current);
 *  - a journal of every trace ZDX created and deleted (device, session name, trace id, real time), kept by a
 *    thin wrapper around the simulated ZDX product: the simulator forgets a trace when it is stopped, the
 *    journal does not, so "never two traces with one session name on a device" is checked over the whole run;
 *  - ZDX pacing: the client paces at `zdxPerSecond` and the simulator enforces the same limit, so that 200
 *    incidents fit in the time budget (the published 5/s is a configuration bound, not a code path). The HTTP
 *    core's retry policy, token cache and error mapping are the deployed ones (`createZscalerClients`).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createSqsServer } from 'local-aws-sqs';
import { makeHandler as makeIngress } from '../../functions/incident-webhook/app.js';
import { makeHandler as makeTraceReconciler } from '../../functions/trace-reconciler/app.js';
import { makeHandler as makeWorker } from '../../functions/worker/app.js';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamodb.js';
import { LOCAL_WEBHOOK_SECRETS, LOCAL_ZSCALER_SECRET } from '../../local/fakeSecrets.js';
import { startGateway } from '../../local/gateway.js';
import { makeContext } from '../../local/lambda.js';
import { startPoller } from '../../local/poller.js';
import { startReceiver, type Received } from '../../local/receiver.js';
import { startQueueSchedules } from '../../local/schedules.js';
import { readServerlessYml } from '../../local/serverlessYml.js';
import { createQueues } from '../../local/wiring.js';
import { sqsCommandQueue, TRACE_MESSAGE_GROUP } from '../../shared/aws/queue.js';
import type { CommandQueue } from '../../shared/commands/queue.js';
import { Agent } from '../../shared/http/undici.js';
import { FINAL_PHASES, needsWork, type IncidentRecord } from '../../shared/ledger/record.js';
import { dynamoLedger, type LedgerStore } from '../../shared/ledger/store.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { createReporter, type Reporter } from '../../shared/reporting/reporter.js';
import type { TracePort } from '../../shared/traces/port.js';
import type { TraceSettings } from '../../shared/traces/reconcile.js';
import { sessionNameFor } from '../../shared/traces/session.js';
import { zdxTracePort } from '../../shared/traces/zdxPort.js';
import { createZscalerClients } from '../../shared/zscaler/clients.js';
import { zdxPacer } from '../../shared/zscaler/pacer.js';
import {
  createZdxSimulator,
  startSimulator,
  type FaultSpec,
  type RunningSimulator,
  type SimProduct,
} from '../../simulator/index.js';

// ---------------------------------------------------------------------------------------------------------
// The journal of what ZDX did

export interface JournalEntry {
  deviceId: number;
  traceId: string;
  sessionName: string;
  /** Real epoch ms (the reconciler's clock), comparable with the ledger's `resolvedAt`. */
  at: number;
}

export interface Journal {
  created: JournalEntry[];
  deleted: JournalEntry[];
}

/** The simulated ZDX product, recording each trace it creates and deletes (a thin wrapper; the product is untouched). */
function journaled(zdx: SimProduct, journal: Journal): SimProduct {
  const sessionOf = new Map<string, string>();
  return {
    name: zdx.name,
    state: () => zdx.state(),
    reset: () => zdx.reset(),
    async handle(req, ctx) {
      const reply = await zdx.handle(req, ctx);
      if (reply.status !== 200) return reply;
      const start = req.method === 'POST' ? /^\/devices\/(\d+)\/deeptraces\/?$/.exec(req.path) : null;
      if (start) {
        const traceId = String((reply.body as { trace_id: unknown }).trace_id);
        const sessionName = String((req.body as { session_name?: unknown } | undefined)?.session_name ?? '');
        sessionOf.set(traceId, sessionName);
        journal.created.push({ deviceId: Number(start[1]), traceId, sessionName, at: Date.now() });
      }
      const stop = req.method === 'DELETE' ? /^\/devices\/(\d+)\/deeptraces\/(\d+)\/?$/.exec(req.path) : null;
      if (stop)
        journal.deleted.push({
          deviceId: Number(stop[1]),
          traceId: stop[2]!,
          sessionName: sessionOf.get(stop[2]!) ?? '',
          at: Date.now(),
        });
      return reply;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Crashes

/** One call a container makes to the world outside it. */
export interface OutsideCall {
  target: 'zdx' | 'ledger' | 'report' | 'wake';
  method: string;
  args: unknown[];
  /** Set after the call returned: the kill then happens between the world doing it and the code seeing it. */
  result?: unknown;
  when: 'before' | 'after';
}

export interface CrashPlan {
  /** Where the process dies. */
  at: (call: OutsideCall) => boolean;
  /** `redeliver` (default): the batch fails as a crashed invocation does; `lose`: its messages are deleted. */
  afterwards?: 'redeliver' | 'lose';
  /** How many containers die this way (default 1). */
  times?: number;
}

const hang = () => new Promise<never>(() => undefined);

interface Container {
  handler: ReturnType<typeof makeTraceReconciler>;
  dead: boolean;
  killed: Promise<CrashPlan>;
}

// ---------------------------------------------------------------------------------------------------------
// The stack

export interface DrillStackOptions {
  /** Simulated seconds per real second: a 5-minute trace (plus ZDX's 30 s start-up) lasts 330/timeScale s. */
  timeScale: number;
  /** Each Zscaler HTTP attempt (HTTP_TIMEOUT_MS). */
  httpTimeoutMs?: number;
  /** Client pacing and the simulator's per-second limit (ZDX publishes 5). */
  zdxPerSecond?: number;
  checkDelaySeconds?: number;
  maxActiveTraces?: number;
  /** The trace tick (rate(1 minute) on AWS); 0: no tick at all. */
  tickSeconds?: number;
  /** A failed batch comes back after this long (the queue's visibility timeout on AWS). */
  retryDelaySeconds?: number;
  /** Seeds the simulator's rate faults queued without a seed. */
  faultSeed?: number;
  /**
   * How far the ledger's pending index lags behind the table (a DynamoDB global secondary index is eventually
   * consistent): `listPending` answers with each record as it was this long ago. 0: dynalite's own (current) index.
   */
  indexLagMs?: number;
}

export interface Report {
  at: number;
  kind: string;
  ok: boolean;
  text: string;
  data: {
    incident?: { source: string; incidentId: string };
    deviceId?: number;
    deviceIds?: number[];
    traceId?: string;
    results?: Array<{ deviceId: number; result: string; traceId?: string }>;
  };
}

export async function startDrillStack(opts: DrillStackOptions) {
  const yml = readServerlessYml();
  const fnDef = (name: string) => yml.functions.find((f) => f.name === name)!;
  const zdxPerSecond = opts.zdxPerSecond ?? 5;

  const journal: Journal = { created: [], deleted: [] };
  const sim: RunningSimulator = await startSimulator({
    timeScale: opts.timeScale,
    // Tokens expire on the simulated clock; revocations are injected explicitly instead (see revokeTokens).
    tokenLifetimeSec: 10 * 365 * 86_400,
    faultSeed: opts.faultSeed,
    products: (clock) => [
      journaled(createZdxSimulator(clock, { rateLimit: { perSecond: zdxPerSecond, perMinute: 1_000_000 } }), journal),
    ],
  });
  const receiver = await startReceiver(0);
  const sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const sqsUrl = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
  const sqs = new SQSClient({
    endpoint: sqsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { urls: queueUrls, arns: queueArns } = await createQueues(sqs, yml, 'drill', {
    redrive: true,
    speedUpRetries: true,
  });
  const dynamo: LocalDynamo = await startLocalDynamo(yml.tables, { service: yml.service, stage: 'drill' });
  const tableName = dynamo.tableNames.IncidentLedger!;

  const logLines: string[] = [];
  const logger: Logger = createLogger({ level: 'info', sink: (l) => logLines.push(l) });
  const ledger = () => dynamoLedger({ tableName, retentionDays: 30, client: dynamo.client });
  // Every write, in order, for the lagging index (the table itself is always current).
  const writes = new Map<string, Array<{ at: number; record: IncidentRecord }>>();
  const withIndexLag = (store: LedgerStore): LedgerStore => {
    const lag = opts.indexLagMs ?? 0;
    if (!lag) return store;
    return {
      get: (key) => store.get(key),
      async put(record) {
        const saved = await store.put(record);
        writes.set(saved.key, [...(writes.get(saved.key) ?? []), { at: Date.now(), record: structuredClone(saved) }]);
        return saved;
      },
      async listPending() {
        const cutoff = Date.now() - lag;
        const out: IncidentRecord[] = [];
        for (const list of writes.values()) {
          const seen = [...list].reverse().find((w) => w.at <= cutoff);
          if (seen && needsWork(seen.record)) out.push(structuredClone(seen.record));
        }
        return out;
      },
    };
  };
  const reporter = () => createReporter({ callbackUrl: `${receiver.url}/callback`, logger });
  const traceQueue = sqsCommandQueue(queueUrls.TraceQueue!, sqs, TRACE_MESSAGE_GROUP);
  const workQueue = sqsCommandQueue(queueUrls.WorkQueue!, sqs);
  const secret = { get: async () => LOCAL_ZSCALER_SECRET, refresh: async () => LOCAL_ZSCALER_SECRET };
  const settings: TraceSettings = {
    lookbackHours: 24,
    sessionMinutes: 5,
    checkDelaySeconds: opts.checkDelaySeconds ?? 1,
    maxChecks: 90,
    maxActiveTraces: opts.maxActiveTraces ?? 15,
    reserveMs: 5_000,
  };

  // --- the trace reconciler, one container at a time ---------------------------------------------------
  const crashes: CrashPlan[] = [];
  const stats = { containers: 0, kills: 0, lostDeliveries: 0, lostWakeUps: 0, deliveries: 0 };
  let loseWakeUps = false;
  let current: Container | undefined;

  function newContainer(): Container {
    stats.containers++;
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });
    let resolveKilled!: (p: CrashPlan) => void;
    const c: Container = { handler: undefined as never, dead: false, killed: new Promise((r) => (resolveKilled = r)) };
    const kill = (plan: CrashPlan) => {
      c.dead = true;
      void agent.destroy().catch(() => undefined);
      resolveKilled(plan);
    };
    const armed = (call: OutsideCall) => {
      const plan = crashes.find((p) => (p.times ?? 1) > 0 && p.at(call));
      if (plan) plan.times = (plan.times ?? 1) - 1;
      return plan;
    };
    /** Every method of `obj` as this container's call to the world: nothing gets through once it is dead. */
    const gate = <T extends object>(target: OutsideCall['target'], obj: T): T => {
      const out: Record<string, unknown> = {};
      for (const [method, fn] of Object.entries(obj)) {
        if (typeof fn !== 'function') continue;
        out[method] = async (...args: unknown[]) => {
          if (c.dead) return hang();
          const before = armed({ target, method, args, when: 'before' });
          if (before) return (kill(before), hang());
          let result: unknown;
          try {
            result = await (fn as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
          } catch (e) {
            if (c.dead) return hang();
            throw e;
          }
          if (c.dead) return hang();
          const after = armed({ target, method, args, result, when: 'after' });
          if (after) return (kill(after), hang());
          return result;
        };
      }
      return out as T;
    };
    const clients = createZscalerClients(
      {
        auth: { mode: 'legacy', zdxBaseUrl: sim.url, zpaBaseUrl: sim.url },
        timeouts: { requestMs: opts.httpTimeoutMs ?? 10_000 },
      },
      { secret, logger, dispatcher: agent, pacers: { zdx: zdxPacer(zdxPerSecond) } },
    );
    const wake: CommandQueue = gate('wake', {
      send: (command, o) => workQueue.send(command, o),
    } satisfies CommandQueue);
    c.handler = makeTraceReconciler({
      traces: gate<TracePort>('zdx', zdxTracePort(clients.zdx)),
      ledger: gate<LedgerStore>('ledger', withIndexLag(ledger())),
      reporter: gate<Reporter>('report', reporter()),
      wakeQueue: wake,
      logger: logger.child({ function: 'trace-reconciler', container: stats.containers }),
      settings: { ...settings },
    });
    return c;
  }

  const invokeTraceReconciler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    stats.deliveries++;
    current ??= newContainer();
    const c = current;
    const context = makeContext(fnDef('trace-reconciler'), yml.service);
    const outcome = await Promise.race([
      c.handler(event, context).then((res) => ({ res })),
      c.killed.then((plan) => ({ plan })),
    ]);
    if ('res' in outcome) return outcome.res;
    // The process died: the next delivery starts a new container.
    if (current === c) current = undefined;
    stats.kills++;
    if (outcome.plan.afterwards === 'lose') {
      stats.lostDeliveries++;
      return { batchItemFailures: [] };
    }
    throw new Error('the trace reconciler process died');
  };

  // --- the worker: relays due wake-ups onto the trace queue ---------------------------------------------
  const worker = makeWorker({
    ledger: ledger(),
    traceQueue,
    reporter: reporter(),
    logger: logger.child({ function: 'worker' }),
  });
  const invokeWorker = async (event: SQSEvent): Promise<unknown> => {
    if (!loseWakeUps) return worker(event, makeContext(fnDef('worker'), yml.service));
    const keep = event.Records.filter((r) => !r.body.includes('"traces.wake"'));
    stats.lostWakeUps += event.Records.length - keep.length;
    return keep.length
      ? worker({ Records: keep }, makeContext(fnDef('worker'), yml.service))
      : { batchItemFailures: [] };
  };

  const pollerOf = (fn: string, invoke: (e: SQSEvent) => Promise<unknown>) => {
    const s = fnDef(fn).sqs[0]!;
    return startPoller({
      sqs,
      queueUrl: queueUrls[s.queue]!,
      queueArn: queueArns[s.queue]!,
      batchSize: s.batchSize,
      invoke,
      retryDelaySeconds: opts.retryDelaySeconds ?? 2,
      onError: (e) => {
        if (!String((e as Error)?.message).includes('process died'))
          logLines.push(JSON.stringify({ level: 'error', msg: `poller ${fn}`, error: String(e) }));
      },
    });
  };
  const pollers = [pollerOf('trace-reconciler', invokeTraceReconciler), pollerOf('worker', invokeWorker)];
  const tick =
    opts.tickSeconds === 0
      ? undefined
      : startQueueSchedules(
          yml.queueSchedules.filter((q) => q.queue === 'TraceQueue'),
          sqs,
          queueUrls,
          opts.tickSeconds ?? 2,
        );

  // --- the ingress: signed webhooks through the real incident-webhook handler behind the local HTTP API --
  const ingress = makeIngress({
    queue: traceQueue,
    secrets: { get: async () => LOCAL_WEBHOOK_SECRETS, refresh: async () => LOCAL_WEBHOOK_SECRETS },
    logger: logger.child({ function: 'incident-webhook' }),
    emailFields: ['custom_details.affected_user'],
    maxBodyBytes: 262_144,
  });
  const gateway = await startGateway(
    [
      {
        method: 'POST',
        path: '/webhooks/{source}',
        invoke: (e: APIGatewayProxyEventV2) =>
          ingress(e, makeContext(fnDef('incident-webhook'), yml.service) as Context),
      },
    ],
    0,
  );

  // --- evidence ---------------------------------------------------------------------------------------
  const reports = (): Report[] =>
    receiver.received
      .filter((r: Received) => r.path === '/callback')
      .map((r) => ({ at: Date.parse(r.at), ...(r.body as Omit<Report, 'at'>) }));
  async function records(): Promise<IncidentRecord[]> {
    const out: IncidentRecord[] = [];
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const r = await dynamo.client.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of r.Items ?? [])
        out.push({ ...(JSON.parse(item.doc!.S!) as IncidentRecord), version: Number(item.version?.N ?? 0) });
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }
  const queueDepth = async (logicalId: string) => {
    const names = [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ] as const;
    const a = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrls[logicalId]!, AttributeNames: [...names] }),
    );
    return names.reduce((n, k) => n + Number(a.Attributes?.[k] ?? 0), 0);
  };

  return {
    sim,
    receiver,
    journal,
    stats,
    logLines,
    sqs,
    queueUrls,
    gatewayUrl: gateway.url,
    settings,
    reports,
    records,
    queueDepth,
    /** Arms a crash: the next container call it matches kills the process. */
    crash(plan: CrashPlan) {
      crashes.push(plan);
      return plan;
    },
    /** While on, due wake-ups are deleted from the work queue instead of relayed. */
    setLoseWakeUps(on: boolean) {
      loseWakeUps = on;
    },
    /** Rate faults on the ZDX API; returns them as queued (with their seeds). */
    faults: (specs: FaultSpec[]) => specs.map((s) => sim.injectFault(s)),
    /** A signed PagerDuty incident event through the HTTP API. */
    async pagerDuty(
      kind: 'triggered' | 'resolved',
      incidentId: string,
      emails: string[],
      over: { eventId?: string; occurredAt?: string } = {},
    ) {
      return post(`${gateway.url}/webhooks/pagerduty`, pagerDutyBody(kind, incidentId, emails, over));
    },
    /** A signed generic-source incident event through the HTTP API. */
    async generic(
      action: 'opened' | 'resolved',
      incidentId: string,
      emails: string[],
      over: { eventId?: string; occurredAt?: string } = {},
    ) {
      return post(`${gateway.url}/webhooks/generic`, genericBody(action, incidentId, emails, over));
    },
    /** Nothing left to do: no record needs work, and no message is queued or in flight on either queue. */
    async settled(): Promise<boolean> {
      const pending = (await records()).filter(needsWork);
      return pending.length === 0 && (await queueDepth('TraceQueue')) === 0;
    },
    /** Everything, for a post-mortem (DRILL_DUMP=<dir>). */
    async dump(name: string) {
      const dir = process.env.DRILL_DUMP;
      if (!dir) return;
      const { mkdirSync, writeFileSync } = await import('node:fs');
      mkdirSync(dir, { recursive: true });
      const body = {
        stats,
        records: await records(),
        reports: reports(),
        journal,
        calls: sim.calls,
        logs: logLines.map((l) => JSON.parse(l) as unknown),
      };
      writeFileSync(`${dir}/${name}.json`, JSON.stringify(body, null, 1));
    },
    async dlqDepths() {
      return { trace: await queueDepth('TraceDLQ'), work: await queueDepth('WorkDLQ') };
    },
    async stop() {
      tick?.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      await gateway.close();
      await new Promise<void>((r) => sqsServer.close(() => r()));
      sqs.destroy();
      await Promise.all([sim.close(), receiver.close(), dynamo.close()]);
    },
  };
}

export type DrillStack = Awaited<ReturnType<typeof startDrillStack>>;

// ---------------------------------------------------------------------------------------------------------
// Signed deliveries

function pagerDutyBody(
  kind: 'triggered' | 'resolved',
  incidentId: string,
  emails: string[],
  over: { eventId?: string; occurredAt?: string },
) {
  const body = JSON.stringify({
    event: {
      id: over.eventId ?? randomUUID(),
      event_type: `incident.${kind}`,
      resource_type: 'incident',
      occurred_at: over.occurredAt ?? new Date().toISOString(),
      data: {
        id: incidentId,
        type: 'incident',
        status: kind,
        title: 'Payroll is slow',
        urgency: 'high',
        html_url: `https://example.pagerduty.com/incidents/${incidentId}`,
        service: { id: 'PSVC001', summary: 'Payroll Portal', type: 'service_reference' },
        custom_details: { affected_user: emails.join(', ') },
      },
    },
  });
  const sig = createHmac('sha256', LOCAL_WEBHOOK_SECRETS.pagerduty[0]!).update(body).digest('hex');
  return { body, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': `v1=${sig}` } };
}

function genericBody(
  action: 'opened' | 'resolved',
  incidentId: string,
  emails: string[],
  over: { eventId?: string; occurredAt?: string },
) {
  const body = JSON.stringify({
    event_id: over.eventId ?? randomUUID(),
    incident_id: incidentId,
    action,
    user_emails: emails,
    service: 'Payroll Portal',
    ...(over.occurredAt ? { occurred_at: over.occurredAt } : {}),
  });
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', LOCAL_WEBHOOK_SECRETS.generic[0]!).update(`${ts}.${body}`).digest('hex');
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-signature': `sha256=${sig}`, 'x-signature-timestamp': ts },
  };
}

async function post(url: string, d: { body: string; headers: Record<string, string> }) {
  const r = await fetch(url, { method: 'POST', body: d.body, headers: d.headers });
  const json = (await r.json()) as Record<string, unknown>;
  if (r.status !== 202) throw new Error(`webhook answered ${r.status}: ${JSON.stringify(json)}`);
  return json;
}

// ---------------------------------------------------------------------------------------------------------
// The verdict: what every drill must end with

export interface Verdict {
  problems: string[];
  figures: {
    incidents: number;
    resolved: number;
    devices: number;
    finalReports: number;
    reportsByKind: Record<string, number>;
    phases: Record<string, number>;
    tracesCreated: number;
    tracesDeleted: number;
    duplicateTraces: number;
    createdAfterResolve: number;
    resolvedLeftRunning: number;
    silentIncidents: number;
  };
}

const FINAL_KINDS = new Set([
  'trace.completed',
  'trace.stopped',
  'trace.busy',
  'trace.start.failed',
  'trace.gone',
  'trace.tracking-stopped',
  'trace.dropped',
]);
const keyOfIncident = (i: { source: string; incidentId: string } | undefined) =>
  i ? `${i.source}#${i.incidentId}` : '?';

/**
 * Checks the guarantees over the whole run, from the evidence only (ledger, the simulator's journal and state,
 * the receiver's reports):
 *  - every device of every incident ended in a final phase with exactly one final report saying so (an incident
 *    with no device: exactly one failure report); at most one "started" per device, and exactly one for each
 *    trace ZDX created for it;
 *  - ZDX never created two traces with one session name on a device;
 *  - no trace was created for an incident after its resolve was applied, and none of a resolved incident runs;
 *  - every device whose ledger says "stopped" had its trace deleted in ZDX.
 * `sent.spoken`: incidents that must have heard something (their resolve, if any, came after their first report);
 * `sent.resolved`: incidents their source resolved (the ledger must say so);
 * `sent.untraceable`: the only incidents that may fail (no device); given, no device may fail either.
 */
export async function verdict(
  h: DrillStack,
  sent: { spoken?: ReadonlySet<string>; resolved?: ReadonlySet<string>; untraceable?: ReadonlySet<string> } = {},
): Promise<Verdict> {
  const problems: string[] = [];
  const expectSpoken = sent.spoken ?? new Set<string>();
  const recs = await h.records();
  for (const k of sent.resolved ?? []) {
    const rec = recs.find((r) => r.key === k);
    if (rec?.state !== 'resolved')
      problems.push(`${k}: resolved by its source, but the ledger says ${rec?.state ?? 'nothing'}`);
  }
  const reports = h.reports();
  const byIncident = new Map<string, Report[]>();
  for (const r of reports) {
    const k = keyOfIncident(r.data?.incident);
    byIncident.set(k, [...(byIncident.get(k) ?? []), r]);
  }
  const state = h.sim.state().products.zdx as {
    traces: Array<{ trace_id: number; status: string; trace_details: { session_name: string; device_id: number } }>;
  };
  const traceDevice = new Map(h.journal.created.map((c) => [c.traceId, c.deviceId]));
  const deviceOf = (r: Report): number | undefined =>
    r.data?.deviceId ?? (r.data?.traceId ? traceDevice.get(r.data.traceId) : undefined);

  const phases: Record<string, number> = {};
  let devices = 0;
  let finalReports = 0;
  let silentIncidents = 0;
  let createdAfterResolve = 0;
  let resolvedLeftRunning = 0;
  for (const rec of recs) {
    const mine = byIncident.get(rec.key) ?? [];
    const session = sessionNameFor(rec.incident);
    if (needsWork(rec)) problems.push(`${rec.key}: still has work: ${JSON.stringify(rec.devices.map((d) => d.phase))}`);
    if (mine.length === 0) {
      silentIncidents++;
      if (expectSpoken.has(rec.key))
        problems.push(
          `${rec.key}: no report at all (${rec.state}, devices ${JSON.stringify(rec.devices.map((d) => d.phase))})`,
        );
    }
    const finals = mine.filter((r) => FINAL_KINDS.has(r.kind));
    // Faults are transient: only an incident with no traceable user may fail, and no device may.
    if (sent.untraceable && Boolean(rec.failure) !== sent.untraceable.has(rec.key))
      problems.push(
        `${rec.key}: failure ${JSON.stringify(rec.failure ?? null)} (expected ${sent.untraceable.has(rec.key) ? 'one' : 'none'})`,
      );
    if (sent.untraceable)
      for (const d of rec.devices.filter((x) => x.phase === 'failed'))
        problems.push(`${rec.key} device ${d.deviceId}: failed (${d.note ?? ''})`);
    if (rec.failure) {
      const f = finals.filter((r) => r.kind === 'trace.start.failed' && deviceOf(r) === undefined);
      if (f.length !== 1) problems.push(`${rec.key}: ${f.length} failure reports for "${rec.failure}"`);
      finalReports += f.length;
    }
    const current = rec.devices.filter((d) => d.note !== 'earlier round');
    for (const d of current) {
      devices++;
      phases[d.phase] = (phases[d.phase] ?? 0) + 1;
      if (!FINAL_PHASES.has(d.phase)) problems.push(`${rec.key} device ${d.deviceId}: ended in phase ${d.phase}`);
      const dropped =
        d.phase === 'dropped'
          ? finals.filter((r) => r.kind === 'trace.dropped' && r.data?.deviceIds?.includes(d.deviceId))
          : [];
      const said = [...finals.filter((r) => r.kind !== 'trace.dropped' && deviceOf(r) === d.deviceId), ...dropped];
      if (said.length !== 1)
        problems.push(
          `${rec.key} device ${d.deviceId} (${d.phase}${d.note ? `: ${d.note}` : ''}): ${said.length} final reports [${said.map((r) => r.kind).join(', ')}]`,
        );
      else finalReports++;
      const expected: Record<string, string[]> = {
        reported: ['trace.completed'],
        stopped: ['trace.stopped'],
        busy: ['trace.busy'],
        failed: ['trace.start.failed', 'trace.gone', 'trace.tracking-stopped'],
        dropped: ['trace.dropped'],
      };
      if (said.length === 1 && !expected[d.phase]?.includes(said[0]!.kind))
        problems.push(`${rec.key} device ${d.deviceId}: phase ${d.phase} but reported ${said[0]!.kind}`);
      const started = mine.filter(
        (r) => r.kind === 'trace.started' && r.data?.results?.some((x) => x.deviceId === d.deviceId),
      );
      const created = h.journal.created.filter((c) => c.deviceId === d.deviceId && c.sessionName === session);
      if (started.length > 1) problems.push(`${rec.key} device ${d.deviceId}: ${started.length} "started" reports`);
      if (created.length === 1 && started.length !== 1)
        problems.push(`${rec.key} device ${d.deviceId}: a trace was created but ${started.length} "started" reports`);
      if (d.phase === 'stopped' && !h.journal.deleted.some((x) => x.traceId === d.traceId))
        problems.push(`${rec.key} device ${d.deviceId}: "stopped" but ZDX never deleted trace ${d.traceId}`);
      if (d.phase === 'reported' && !created.some((c) => c.traceId === d.traceId))
        problems.push(`${rec.key} device ${d.deviceId}: summary of trace ${d.traceId}, which ZDX never created for it`);
    }
    if (rec.state === 'resolved') {
      const resolvedAt = Date.parse(rec.resolvedAt ?? '');
      for (const c of h.journal.created.filter((x) => x.sessionName === session)) {
        if (!(c.at < resolvedAt)) {
          createdAfterResolve++;
          problems.push(
            `${rec.key}: trace ${c.traceId} on ${c.deviceId} created ${c.at - resolvedAt} ms after the resolve was applied`,
          );
        }
      }
      for (const t of state.traces.filter(
        (x) => x.trace_details.session_name === session && x.status !== 'completed',
      )) {
        resolvedLeftRunning++;
        problems.push(
          `${rec.key}: resolved, but trace ${t.trace_id} on ${t.trace_details.device_id} is still ${t.status} in ZDX`,
        );
      }
    }
  }
  const perDeviceSession = new Map<string, number>();
  for (const c of h.journal.created)
    perDeviceSession.set(
      `${c.deviceId} ${c.sessionName}`,
      (perDeviceSession.get(`${c.deviceId} ${c.sessionName}`) ?? 0) + 1,
    );
  const duplicates = [...perDeviceSession].filter(([, n]) => n > 1);
  for (const [k, n] of duplicates) problems.push(`ZDX created ${n} traces for ${k}`);
  const known = new Set(recs.map((r) => r.key));
  for (const k of byIncident.keys())
    if (!known.has(k)) problems.push(`a report for ${k}, which the ledger does not know`);
  const dlq = await h.dlqDepths();
  if (dlq.trace || dlq.work) problems.push(`dead-lettered: ${JSON.stringify(dlq)}`);

  const reportsByKind: Record<string, number> = {};
  for (const r of reports) reportsByKind[r.kind] = (reportsByKind[r.kind] ?? 0) + 1;
  return {
    problems,
    figures: {
      incidents: recs.length,
      resolved: recs.filter((r) => r.state === 'resolved').length,
      devices,
      finalReports,
      reportsByKind,
      phases,
      tracesCreated: h.journal.created.length,
      tracesDeleted: h.journal.deleted.length,
      duplicateTraces: duplicates.length,
      createdAfterResolve,
      resolvedLeftRunning,
      silentIncidents,
    },
  };
}

/** Polls until `check` returns a value, or fails after `timeoutMs` (generous: CI machines are slow and noisy). */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  everyMs = 250,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The users of the simulator's seed that have devices active within 24 h (and how many). */
export const TRACEABLE_USERS: ReadonlyArray<{ email: string; devices: number }> = [
  { email: 'alice@corp.example', devices: 1 },
  { email: 'bob@corp.example', devices: 1 },
  { email: 'carol@corp.example', devices: 2 },
  ...['erin', 'frank', 'grace', 'heidi'].map((n) => ({ email: `${n}@corp.example`, devices: 2 })),
  ...[
    'ivan',
    'judy',
    'mallory',
    'niaj',
    'olivia',
    'peggy',
    'quinn',
    'rupert',
    'sybil',
    'trent',
    'uma',
    'victor',
    'wendy',
    'zara',
  ].map((n) => ({ email: `${n}@corp.example`, devices: 1 })),
];
/** No device at all, and one whose only device was last seen 3 days ago. */
export const UNTRACEABLE_USERS = ['dave@corp.example', 'xavier@corp.example'];
