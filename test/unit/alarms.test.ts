/**
 * Every alarm of the packaged CloudFormation template (what `osls package` produces from serverless.yml,
 * packaged here into a temporary directory) evaluated the way CloudWatch does — the alarm's statistic per
 * period, its threshold and comparison, EvaluationPeriods / DatapointsToAlarm, TreatMissingData — against
 * the data it watches:
 * - custom metrics: the EMF lines the project's own logger writes (`logger.metric`), parsed as CloudWatch
 *   Logs does (the dimensionless series, the alarms' one);
 * - dead-letter queues: a poison message on each queue of the template, in local SQS with the template's
 *   redrive policies, and the DLQ depth SQS reports afterwards;
 * - AWS's own metrics (Lambda Invocations and Errors, API Gateway 5xx): data points as AWS publishes them.
 * Each alarm has a case that fires and one that must stay quiet; a test checks no alarm is left without.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { createSqsServer } from 'local-aws-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ruleDescription, ruleNameFor } from '../../shared/bypass/markers.js';
import type { BypassPort } from '../../shared/bypass/port.js';
import { newReconcileMemory, reconcile } from '../../shared/bypass/reconcile.js';
import { parseWindowsFile } from '../../shared/bypass/windows.js';
import { createLogger } from '../../shared/logger.js';
import { METRICS, METRICS_NAMESPACE, type MetricName } from '../../shared/metrics.js';

type Json = Record<string, any>;

const MINUTE = 60_000;
/** A fixed, period-aligned "now" for every scenario (CloudWatch aligns periods to the clock). */
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

let template: { Resources: Record<string, Json>; Conditions: Json; Outputs: Json };
let alarms: Record<string, Json>;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'zea-package-'));
  try {
    execFileSync('node', ['scripts/build.mjs'], { stdio: 'pipe' });
    execFileSync('npx', ['osls', 'package', '--package', dir], {
      stdio: 'pipe',
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    });
    template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  alarms = Object.fromEntries(
    Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm'),
  ) as Record<string, Json>;
}, 120_000);

// ── What CloudWatch does with data points ─────────────────────────────────────────────────────────────────

interface Datapoint {
  namespace: string;
  name: string;
  /** Dimension values; a template reference (`{"Ref": X}`, `{"Fn::GetAtt": [X, …]}`) is named by its logical id. */
  dims: Record<string, string>;
  time: number;
  value: number;
}

/** EMF lines → data points, as CloudWatch Logs extracts them (only the dimensionless series: what alarms watch). */
function fromEmf(lines: string[]): Datapoint[] {
  return lines.flatMap((line) => {
    const entry = JSON.parse(line) as Json;
    const aws = entry._aws;
    if (!aws) return [];
    return (aws.CloudWatchMetrics as Json[]).flatMap((d) =>
      (d.Dimensions as string[][]).some((set) => set.length === 0)
        ? (d.Metrics as Json[]).map((m) => ({
            namespace: d.Namespace,
            name: m.Name,
            dims: {},
            time: aws.Timestamp,
            value: Number(entry[m.Name]),
          }))
        : [],
    );
  });
}

const refName = (v: unknown): string => {
  if (typeof v === 'string') return v;
  const o = v as Json;
  if (o?.Ref) return o.Ref;
  if (o?.['Fn::GetAtt']) return [o['Fn::GetAtt']].flat()[0];
  return JSON.stringify(v);
};

const STATS: Record<string, (v: number[]) => number> = {
  Sum: (v) => v.reduce((a, b) => a + b, 0),
  Maximum: (v) => Math.max(...v),
  Minimum: (v) => Math.min(...v),
  Average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  SampleCount: (v) => v.length,
};
const COMPARE: Record<string, (x: number, t: number) => boolean> = {
  GreaterThanThreshold: (x, t) => x > t,
  GreaterThanOrEqualToThreshold: (x, t) => x >= t,
  LessThanThreshold: (x, t) => x < t,
  LessThanOrEqualToThreshold: (x, t) => x <= t,
};

/** The alarm's state at `now` from `points`: the last EvaluationPeriods whole periods, M of N breaching. */
function evaluate(alarm: Json, points: Datapoint[], now = NOW): 'ALARM' | 'OK' {
  const p = alarm.Properties;
  const period = Number(p.Period) * 1000;
  const n = Number(p.EvaluationPeriods);
  const m = Number(p.DatapointsToAlarm ?? n);
  const dims = Object.fromEntries(((p.Dimensions ?? []) as Json[]).map((d) => [d.Name, refName(d.Value)]));
  const mine = points.filter(
    (d) =>
      d.namespace === p.Namespace &&
      d.name === p.MetricName &&
      JSON.stringify(Object.entries(d.dims).sort()) === JSON.stringify(Object.entries(dims).sort()),
  );
  const end = Math.floor(now / period) * period;
  let breaching = 0;
  for (let i = 0; i < n; i++) {
    const from = end - (i + 1) * period;
    const values = mine.filter((d) => d.time >= from && d.time < from + period).map((d) => d.value);
    if (!values.length) {
      if (p.TreatMissingData === 'breaching') breaching++;
      continue; // notBreaching, ignore, missing: not a breach
    }
    if (COMPARE[p.ComparisonOperator]!(STATS[p.Statistic]!(values), Number(p.Threshold))) breaching++;
  }
  return breaching >= m ? 'ALARM' : 'OK';
}

/** Metric lines written by the project's logger at simulated times (`at` in ms before NOW). */
function emitted(events: Array<{ at: number; name: MetricName; value?: number; dims?: Record<string, string> }>) {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l) }).child({ function: 'test' });
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    for (const e of events) {
      vi.setSystemTime(NOW - e.at);
      log.metric(e.name, e.value ?? 1, e.dims ? { dims: e.dims } : {});
    }
  } finally {
    vi.useRealTimers();
  }
  return fromEmf(lines);
}

const everyMinute = (minutes: number, name: MetricName, value = 1, offset = 30_000) =>
  Array.from({ length: minutes }, (_, i) => ({ at: i * MINUTE + offset, name, value }));

/** A data point AWS itself publishes (Lambda, API Gateway), `at` ms before NOW. */
const aws = (namespace: string, name: string, dims: Record<string, string>, at: number, value: number): Datapoint => ({
  namespace,
  name,
  dims,
  time: NOW - at,
  value,
});

const covered = new Set<string>();
const alarm = (id: string) => {
  covered.add(id);
  expect(alarms[id], `${id} in the packaged template`).toBeDefined();
  return alarms[id]!;
};

// ── The alarms ────────────────────────────────────────────────────────────────────────────────────────────

describe('alarms of the packaged template', () => {
  it('all notify a topic: the given alarmTopicArn, else the one the stack creates (optional email)', () => {
    expect(Object.keys(alarms).length).toBeGreaterThanOrEqual(14);
    for (const [id, a] of Object.entries(alarms)) {
      const expected = [{ 'Fn::If': ['HasAlarmTopic', '', { Ref: 'AlarmTopic' }] }];
      expect(a.Properties.AlarmActions, id).toEqual(expected);
      expect(a.Properties.OKActions, id).toEqual(expected);
      expect(a.Properties.ActionsEnabled, id).toBe(true);
      expect(a.Properties.AlarmName, id).toMatch(/^zscaler-automation-dev-[a-z0-9-]+$/);
    }
    // With no topic ARN (the default) the stack's own topic exists; an email subscribes only when given.
    expect(template.Conditions.CreateAlarmTopic).toEqual({ 'Fn::Equals': ['', ''] });
    expect(template.Resources.AlarmTopic).toMatchObject({ Type: 'AWS::SNS::Topic', Condition: 'CreateAlarmTopic' });
    expect(template.Resources.AlarmEmailSubscription).toMatchObject({
      Type: 'AWS::SNS::Subscription',
      Condition: 'SubscribeAlarmEmail',
      Properties: { Protocol: 'email', TopicArn: { Ref: 'AlarmTopic' } },
    });
    expect(template.Conditions.SubscribeAlarmEmail).toEqual({
      'Fn::And': [{ Condition: 'CreateAlarmTopic' }, { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] }],
    });
    expect(template.Outputs.AlarmTopicArn.Value).toEqual({ 'Fn::If': ['HasAlarmTopic', '', { Ref: 'AlarmTopic' }] });
  });

  it('watch only metrics of shared/metrics.ts in its namespace, as published: without dimensions', () => {
    const custom = Object.entries(alarms).filter(([, a]) => a.Properties.Namespace === METRICS_NAMESPACE);
    expect(custom.map(([, a]) => a.Properties.MetricName).sort()).toEqual([
      'BypassesOverdue',
      'CommandsLost',
      'DeadLetters',
      'ReconcileFailures',
      'ReportsFailed',
      'TraceReconcileFailures',
      'ZscalerAuthFailures',
    ]);
    for (const [id, a] of custom) {
      expect(Object.keys(METRICS), id).toContain(a.Properties.MetricName);
      expect(a.Properties.Dimensions, id).toBeUndefined();
    }
    for (const [id, a] of Object.entries(alarms))
      expect([METRICS_NAMESPACE, 'AWS/SQS', 'AWS/Lambda', 'AWS/ApiGateway'], id).toContain(a.Properties.Namespace);
  });

  it('policy reconcile failing: one failed run is a blip; failures in 2 of 3 minutes fire (the token refusal of issue 12)', () => {
    const a = alarm('ReconcileFailingAlarm');
    expect(evaluate(a, emitted([{ at: 90_000, name: 'ReconcileFailures' }, ...everyMinute(3, 'ReconcileRuns')]))).toBe(
      'OK',
    );
    // ZPA refused every token for ~2 minutes: 12 of 12 reconciles failed.
    const refusal = Array.from({ length: 12 }, (_, i) => ({
      at: 10_000 + i * 10_000,
      name: 'ReconcileFailures' as const,
    }));
    expect(evaluate(a, emitted(refusal))).toBe('ALARM');
    expect(evaluate(a, emitted([]))).toBe('OK'); // no data: nothing failing
  });

  it('policy reconcile failing, any run pattern: ALARM exactly when 2 of the last 3 minutes had a failure', () => {
    const a = alarm('ReconcileFailingAlarm');
    fc.assert(
      fc.property(fc.array(fc.nat(4), { minLength: 3, maxLength: 3 }), (perMinute) => {
        const events = perMinute.flatMap((count, minute) =>
          Array.from({ length: count }, (_, k) => ({
            at: minute * MINUTE + 1_000 + k * 1_000,
            name: 'ReconcileFailures' as const,
          })),
        );
        const minutesFailing = perMinute.filter((c) => c > 0).length;
        expect(evaluate(a, emitted(events))).toBe(minutesFailing >= 2 ? 'ALARM' : 'OK');
      }),
      { numRuns: 60 },
    );
  });

  it('policy reconcile not running: no invocation for 10 minutes fires (missing data is breaching)', () => {
    const a = alarm('ReconcileStoppedAlarm');
    const fn = { FunctionName: 'ReconcilerLambdaFunction' };
    const ticking = Array.from({ length: 10 }, (_, i) => aws('AWS/Lambda', 'Invocations', fn, i * MINUTE + 1, 1));
    expect(evaluate(a, ticking)).toBe('OK');
    expect(evaluate(a, [])).toBe('ALARM');
  });

  it('reconciler function errors: one crash is retried by the queue; two in 5 minutes fire', () => {
    const a = alarm('ReconcilerErrorsAlarm');
    const fn = { FunctionName: 'ReconcilerLambdaFunction' };
    expect(evaluate(a, [aws('AWS/Lambda', 'Errors', fn, 60_000, 1)])).toBe('OK');
    expect(evaluate(a, [aws('AWS/Lambda', 'Errors', fn, 60_000, 1), aws('AWS/Lambda', 'Errors', fn, 120_000, 1)])).toBe(
      'ALARM',
    );
  });

  it('any overdue bypass fires at once; a gauge of 0 every reconcile stays quiet', () => {
    const a = alarm('BypassOverdueAlarm');
    expect(evaluate(a, emitted(everyMinute(5, 'BypassesOverdue', 0)))).toBe('OK');
    expect(
      evaluate(a, emitted([...everyMinute(5, 'BypassesOverdue', 0), { at: 20_000, name: 'BypassesOverdue' }])),
    ).toBe('ALARM');
  });

  it('bypass overdue from what the real reconciler wrote: ZPA refusing the revert of an ended window fires', async () => {
    const a = alarm('BypassOverdueAlarm');
    const until = new Date(NOW - 10 * MINUTE);
    const rules = [
      { id: 'r1', name: ruleNameFor('window', 'ended'), action: 'BYPASS', ruleOrder: '1', appIds: ['1'] },
      { id: 'f', name: 'Existing intercept rule', action: 'INTERCEPT', ruleOrder: '2', appIds: [] },
    ].map((r) => ({ ...r, description: ruleDescription({ until, by: 'window:ended', reason: 'patching' }) }));
    const refusing = new Proxy({} as BypassPort, {
      get: (_t, name) =>
        name === 'listForwardingRules'
          ? async () => rules
          : name === 'listSegments'
            ? async () => []
            : async () => Promise.reject(Object.assign(new Error('ZPA 403'), { status: 403 })),
    });
    const lines: string[] = [];
    const logger = createLogger({ sink: (l) => lines.push(l) });
    const windows = parseWindowsFile({ guardrails: { allowedSegments: ['*'], maxWindowMinutes: 60 }, windows: [] });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (const at of [3 * MINUTE - 5_000, 2 * MINUTE - 5_000, MINUTE - 5_000]) {
        vi.setSystemTime(NOW - at);
        const run = await reconcile({ port: refusing, windows, logger, memory: newReconcileMemory() });
        expect(run.failed).toHaveLength(1);
      }
    } finally {
      vi.useRealTimers();
    }
    expect(evaluate(a, fromEmf(lines))).toBe('ALARM');
  });

  it('Zscaler auth failing: one refusal after the refresh-and-retry fires; token fetches alone do not', () => {
    const a = alarm('ZscalerAuthFailingAlarm');
    expect(evaluate(a, emitted(everyMinute(5, 'ZscalerTokenFetches')))).toBe('OK');
    expect(evaluate(a, emitted([{ at: 200_000, name: 'ZscalerAuthFailures', dims: { product: 'zdx' } }]))).toBe(
      'ALARM',
    );
  });

  it('trace reconcile failing: isolated failures (a 20 % fault mix) stay quiet; failing every run for 10 minutes fires', () => {
    const a = alarm('TraceReconcileFailingAlarm');
    const isolated = [0, 2, 5, 7].map((m) => ({ at: m * MINUTE + 5_000, name: 'TraceReconcileFailures' as const }));
    expect(evaluate(a, emitted([...isolated, ...everyMinute(10, 'TraceReconcileRuns')]))).toBe('OK');
    expect(evaluate(a, emitted(everyMinute(10, 'TraceReconcileFailures')))).toBe('ALARM');
    // Bad ZDX credentials: every run fails, and the auth alarm fires too.
    const badCredentials = emitted([
      ...everyMinute(10, 'TraceReconcileFailures'),
      ...everyMinute(10, 'ZscalerAuthFailures', 1, 40_000),
    ]);
    expect(evaluate(a, badCredentials)).toBe('ALARM');
    expect(evaluate(alarm('ZscalerAuthFailingAlarm'), badCredentials)).toBe('ALARM');
  });

  it('trace reconciler function errors and stops: Lambda Errors ≥ 2 in 5 minutes, no invocation in 10 minutes', () => {
    const fn = { FunctionName: 'TraceDashreconcilerLambdaFunction' };
    const errors = alarm('TraceReconcilerErrorsAlarm');
    expect(evaluate(errors, [aws('AWS/Lambda', 'Errors', fn, 10_000, 1)])).toBe('OK');
    expect(evaluate(errors, [aws('AWS/Lambda', 'Errors', fn, 10_000, 2)])).toBe('ALARM');
    const stopped = alarm('TraceReconcileStoppedAlarm');
    expect(evaluate(stopped, [aws('AWS/Lambda', 'Invocations', fn, 300_000, 1)])).toBe('OK');
    expect(evaluate(stopped, [aws('AWS/Lambda', 'Invocations', fn, 300_000, 1)], NOW + 10 * MINUTE)).toBe('ALARM');
  });

  it('a dead letter given up on by our code fires within a minute', () => {
    const a = alarm('DeadLettersAlarm');
    expect(evaluate(a, emitted([]))).toBe('OK');
    expect(evaluate(a, emitted([{ at: 30_000, name: 'DeadLetters', dims: { queue: 'policy' } }]))).toBe('ALARM');
  });

  it('a chat command lost on its queue fires within a minute', () => {
    const a = alarm('CommandsLostAlarm');
    expect(evaluate(a, emitted([]))).toBe('OK');
    expect(evaluate(a, emitted([{ at: 30_000, name: 'CommandsLost' }]))).toBe('ALARM');
  });

  it('an outcome given up on for its incident fires; notes written stay quiet', () => {
    const a = alarm('ReportsFailedAlarm');
    expect(evaluate(a, emitted(everyMinute(5, 'ReportsSent')))).toBe('OK');
    expect(evaluate(a, emitted([{ at: 100_000, name: 'ReportsFailed', dims: { sink: 'pagerduty-note' } }]))).toBe(
      'ALARM',
    );
  });

  it('5xx from the HTTP API fires; 4xx (bad signatures, throttling) do not', () => {
    const a = alarm('HttpApi5xxAlarm');
    const api = { ApiId: 'HttpApi' };
    expect(evaluate(a, [aws('AWS/ApiGateway', '4xx', api, 60_000, 40)])).toBe('OK');
    expect(evaluate(a, [aws('AWS/ApiGateway', '5xx', api, 60_000, 1)])).toBe('ALARM');
  });

  describe('a poison message on each queue (local SQS with the template redrive policies)', () => {
    let server: Awaited<ReturnType<typeof createSqsServer>>;
    let sqs: SQSClient;
    const urls: Record<string, string> = {};

    beforeAll(async () => {
      server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
      sqs = new SQSClient({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local-fake', secretAccessKey: 'local-fake' },
      });
      const queues = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
      // Dead-letter queues first: a redrive policy names an existing queue.
      queues.sort(([, a], [, b]) => Number(!!a.Properties.RedrivePolicy) - Number(!!b.Properties.RedrivePolicy));
      for (const [id, q] of queues) {
        const p = q.Properties;
        const attributes: Record<string, string> = { VisibilityTimeout: '0' };
        if (p.FifoQueue) Object.assign(attributes, { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
        if (p.RedrivePolicy)
          attributes.RedrivePolicy = JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${refName(p.RedrivePolicy.deadLetterTargetArn)}${p.FifoQueue ? '.fifo' : ''}`,
            maxReceiveCount: p.RedrivePolicy.maxReceiveCount,
          });
        const out = await sqs.send(
          new CreateQueueCommand({ QueueName: `${id}${p.FifoQueue ? '.fifo' : ''}`, Attributes: attributes }),
        );
        urls[id] = out.QueueUrl!;
      }
    });
    afterAll(async () => {
      sqs?.destroy();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    });

    /** What SQS reports for a queue now, as the data point its depth metric would carry. */
    const depth = async (id: string): Promise<Datapoint> => {
      const out = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: urls[id], AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      return aws(
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        { QueueName: id },
        60_000,
        Number(out.Attributes!.ApproximateNumberOfMessages),
      );
    };

    it('each queue dead-letters a message that keeps failing, and its DLQ alarm fires; an empty DLQ stays quiet', async () => {
      const dlqAlarms = Object.entries(alarms).filter(([, a]) => a.Properties.Namespace === 'AWS/SQS');
      const watched = dlqAlarms.map(([, a]) => refName(a.Properties.Dimensions[0].Value)).sort();
      const dlqs = Object.values(template.Resources)
        .map((r) => r.Properties?.RedrivePolicy?.deadLetterTargetArn)
        .filter(Boolean)
        .map(refName);
      // Every DLQ of a redrive policy, and the schedule DLQ (EventBridge's), has its alarm.
      expect(watched).toEqual([...new Set([...dlqs, 'ScheduleDLQ'])].sort());
      for (const [id, a] of dlqAlarms) {
        covered.add(id);
        expect(evaluate(a, [await depth(refName(a.Properties.Dimensions[0].Value))]), `${id} before`).toBe('OK');
      }
      for (const [id, q] of Object.entries(template.Resources)) {
        const redrive = q.Properties?.RedrivePolicy;
        if (q.Type !== 'AWS::SQS::Queue' || !redrive) continue;
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: urls[id],
            MessageBody: '{"id":"poison","type":"no.such.command"}',
            ...(q.Properties.FifoQueue ? { MessageGroupId: 'g' } : {}),
          }),
        );
        // The consumer fails it every time (never deletes it): after maxReceiveCount receives SQS moves it.
        for (let i = 0; i <= redrive.maxReceiveCount + 2; i++)
          await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: urls[id], MaxNumberOfMessages: 1, VisibilityTimeout: 0 }),
          );
      }
      // EventBridge puts an undeliverable tick straight into the schedule DLQ after its retries.
      await sqs.send(new SendMessageCommand({ QueueUrl: urls.ScheduleDLQ, MessageBody: '{"id":"tick"}' }));
      for (const [id, a] of dlqAlarms)
        expect(evaluate(a, [await depth(refName(a.Properties.Dimensions[0].Value))]), `${id} after`).toBe('ALARM');
    });
  });

  it('every alarm of the template has its scenarios above', () => {
    expect([...covered].sort()).toEqual(Object.keys(alarms).sort());
  });
});

describe('the dashboard of the packaged template', () => {
  it('graphs incidents → traces, windows → bypasses, failures and 429s with metrics of shared/metrics.ts, and shows every alarm', () => {
    const dash = template.Resources.Dashboard!;
    expect(dash.Type).toBe('AWS::CloudWatch::Dashboard');
    // ${Resource.Attr} / ${AWS::Region} are CloudFormation's: filled with placeholders to read the JSON.
    const body = JSON.parse(
      String(dash.Properties.DashboardBody['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_m, ref: string) => `<${ref}>`),
    ) as Json;
    const widgets = body.widgets as Json[];
    const titles = widgets.map((w) => w.properties.title).filter(Boolean);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Incidents → deep traces',
        'Windows → bypasses',
        'Failures',
        'Zscaler: 429s, retries, tokens',
      ]),
    );
    const named: string[] = [];
    for (const w of widgets.filter((x) => x.type === 'metric')) {
      let namespace = '';
      for (const row of w.properties.metrics as unknown[][]) {
        // A row is [namespace, name, …dims, options]; "." repeats the row above's value, "..." all its dims.
        if (typeof row[0] === 'string' && row[0] !== '.' && row[0] !== '...') namespace = row[0];
        if (namespace === METRICS_NAMESPACE && row[0] !== '...') named.push(String(row[1]));
        const expr = (row[0] as Json)?.expression as string | undefined;
        if (expr) for (const m of expr.matchAll(/MetricName="(\w+)"/g)) named.push(m[1]!);
      }
    }
    for (const n of named) expect(Object.keys(METRICS), n).toContain(n);
    expect(named).toEqual(
      expect.arrayContaining([
        'TracesStarted',
        'BypassesOverdue',
        'ReconcileFailures',
        'ZscalerThrottled',
        'DeadLetters',
      ]),
    );
    const alarmWidget = widgets.find((w) => w.type === 'alarm')!;
    expect((alarmWidget.properties.alarms as string[]).map((a) => a.replace(/^<|\.Arn>$/g, '')).sort()).toEqual(
      Object.keys(alarms).sort(),
    );
  });
});
