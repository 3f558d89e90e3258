/**
 * A representative event per function, as its trigger would deliver it: a signed PagerDuty webhook through the
 * HTTP API, a trace-queue (FIFO) record with a trace.start command for the trace reconciler, a work-queue record
 * with a `status` command for the worker, the one-minute schedule with a window active over 10 segments, a
 * signed Slack slash command, a signed Teams outgoing webhook. Routes come from serverless.yml. A function this
 * file does not know has no event: the bench refuses to start rather than measure it handling `{}`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LOCAL_WEBHOOK_SECRETS } from '../local/fakeSecrets.js';
import type { FunctionDef } from '../local/serverlessYml.js';
import { pagerDutyDelivery } from '../test/helpers/webhooks.js';

/** The bench's windows file: one one-off window, active now, over `count` seeded segments. */
export function writeBenchWindows(
  path: string,
  count: number,
  mode: 'rule' | 'bypassType',
  id = 'bench-window',
): string {
  const guardrails = (JSON.parse(readFileSync('config/maintenance-windows.json', 'utf8')) as { guardrails: unknown })
    .guardrails;
  const start = new Date(Date.now() - 60_000);
  const end = new Date(start.getTime() + 60 * 60_000);
  const file = {
    guardrails,
    windows: [
      {
        id,
        segments: benchSegments(count),
        schedule: { start: start.toISOString(), end: end.toISOString() },
        mode,
        reason: 'benchmark window',
      },
    ],
  };
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(file, null, 2));
  return path;
}

export const benchSegments = (count: number) =>
  Array.from({ length: count }, (_, i) => `app-${String(i + 1).padStart(3, '0')}`);

/** Default routes of functions that are not (yet) in serverless.yml. */
const DEFAULT_ROUTES: Record<string, { method: string; path: string }> = {
  'incident-webhook': { method: 'POST', path: '/webhooks/{source}' },
  'slack-command': { method: 'POST', path: '/chat/slack' },
  'teams-webhook': { method: 'POST', path: '/chat/teams' },
};

function httpEvent(
  name: string,
  fn: FunctionDef | undefined,
  pathParameters: Record<string, string>,
  body: string,
  headers: Record<string, string>,
) {
  const route = fn?.httpApi[0] ?? DEFAULT_ROUTES[name] ?? { method: 'POST', path: '/' };
  const rawPath = route.path.replace(/\{(\w+)\+?\}/g, (_m, k: string) => pathParameters[k] ?? k);
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath,
    rawQueryString: '',
    headers,
    body,
    isBase64Encoded: false,
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: 'bench.local',
      http: { method: route.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

/** The command a webhook enqueues for Alice (the bare-send reference carries the same body and attributes). */
export const sampleTraceStart = () => ({
  id: 'cmd_bench',
  type: 'trace.start',
  incident: {
    source: 'pagerduty',
    incidentId: 'QBENCH',
    eventId: randomUUID(),
    service: 'Payroll Portal',
    title: 'Payroll is slow',
    link: 'https://example.pagerduty.com/incidents/QBENCH',
  },
  userEmails: ['alice@corp.example'],
  requestedBy: { kind: 'incident', id: 'pagerduty:QBENCH' },
});

/** The chat callers the bench grants `trace` (CHATOPS_PERMISSIONS in the children's environment). */
export const BENCH_CHAT = {
  slackUser: 'U0BENCH',
  slackChannel: 'C0BENCH',
  teamsUser: '00000000-0000-4000-8000-00000000b0b0',
  teamsChannel: '19:bench@thread.tacv2',
};
export const BENCH_CHAT_PERMISSIONS = JSON.stringify({
  grants: [
    {
      description: 'bench on-call',
      slackUsers: [BENCH_CHAT.slackUser],
      teamsUsers: [BENCH_CHAT.teamsUser],
      allow: ['trace', 'status'],
    },
  ],
});

/**
 * `count` representative events for a function, each unique where the function refuses replays (chat
 * requests carry their own signature and id). Chat commands ask for a deep trace of Alice, so like the
 * incident webhook they verify, parse, check permissions and enqueue a trace.start.
 */
export function representativeEvents(
  name: string,
  fn: FunctionDef | undefined,
  count = 1,
): { events: unknown[]; what: string } | undefined {
  const many = (make: (i: number) => unknown) => Array.from({ length: count }, (_, i) => make(i));
  switch (name) {
    case 'incident-webhook':
      return {
        events: many(() => {
          const d = pagerDutyDelivery({ kind: 'triggered', incidentId: 'QBENCH', email: 'alice@corp.example' });
          return httpEvent(name, fn, { source: 'pagerduty' }, d.body, d.headers);
        }),
        what: 'signed PagerDuty incident.triggered → trace.start enqueued',
      };
    case 'trace-reconciler':
      // Its one trigger is the FIFO trace queue: an open for Alice (1 device) is recorded in the ledger, her
      // device looked up, the trace started and reported (PagerDuty note), a wake-up sent to the work queue.
      return {
        events: many((i) => ({
          Records: [
            sqsRecord(
              JSON.stringify({ ...sampleTraceStart(), id: `cmd_bench_${i}` }),
              'trace.start',
              'arn:aws:sqs:us-east-1:123456789012:trace.fifo',
              { MessageGroupId: 'zdx-traces', MessageDeduplicationId: `cmd_bench_${i}`, SequenceNumber: String(i + 1) },
            ),
          ],
        })),
        what: 'trace queue: trace.start (1 user, 1 device): ledger written, trace started, reported, wake-up sent',
      };
    case 'worker':
      // trace.start is no longer the worker's (it belongs on the trace queue and would be dropped as poison):
      // its heaviest command is `status`, which reads ZPA (segments, forwarding rules) and the ledger's pending index.
      return {
        events: many((i) => ({
          Records: [
            sqsRecord(
              JSON.stringify({
                id: `status_bench_${i}`,
                type: 'status',
                requestedBy: { kind: 'slack', id: BENCH_CHAT.slackUser },
              }),
              'status',
              'arn:aws:sqs:us-east-1:123456789012:work',
            ),
          ],
        })),
        what: "work queue: status (ZPA bypasses and the ledger's traces), reported",
      };
    case 'reconciler':
      return {
        events: many(() => ({
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          time: new Date().toISOString(),
          region: 'us-east-1',
          resources: [],
          detail: {},
        })),
        what: 'schedule, 1 window over 10 segments (bypassType): 10 segments bypassed',
      };
    case 'slack-command':
      return {
        events: many((i) => {
          const body = new URLSearchParams({
            token: 'deprecated',
            team_id: 'T0BENCH',
            team_domain: 'bench',
            channel_id: BENCH_CHAT.slackChannel,
            channel_name: 'ops',
            user_id: BENCH_CHAT.slackUser,
            user_name: 'oncall',
            command: '/zscaler',
            text: 'trace alice@corp.example',
            api_app_id: 'A0BENCH',
            response_url: 'https://hooks.slack.com/commands/T0BENCH/1/bench',
            trigger_id: `${Date.now()}.${i}.${randomUUID().replace(/-/g, '')}`,
          }).toString();
          const ts = String(Math.floor(Date.now() / 1000));
          const sig = `v0=${createHmac('sha256', LOCAL_WEBHOOK_SECRETS.slack.signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`;
          return httpEvent(name, fn, {}, body, {
            'content-type': 'application/x-www-form-urlencoded',
            'x-slack-request-timestamp': ts,
            'x-slack-signature': sig,
          });
        }),
        what: 'signed Slack "/zscaler trace alice@corp.example" → trace.start enqueued',
      };
    case 'teams-webhook':
      return {
        events: many(() => {
          const body = JSON.stringify({
            type: 'message',
            id: randomUUID(),
            timestamp: new Date().toISOString(),
            serviceUrl: 'https://smba.trafficmanager.net/emea/',
            channelId: 'msteams',
            from: { id: `29:${BENCH_CHAT.teamsUser}`, name: 'On-call', aadObjectId: BENCH_CHAT.teamsUser },
            conversation: { isGroup: true, id: `${BENCH_CHAT.teamsChannel};messageid=1`, name: 'ops' },
            recipient: { id: '28:bench-bot', name: 'Zscaler' },
            textFormat: 'plain',
            text: '<at>Zscaler</at> trace alice@corp.example',
            entities: [
              { type: 'mention', mentioned: { id: '28:bench-bot', name: 'Zscaler' }, text: '<at>Zscaler</at>' },
            ],
            channelData: {
              teamsChannelId: BENCH_CHAT.teamsChannel,
              channel: { id: BENCH_CHAT.teamsChannel },
              tenant: { id: '00000000-0000-4000-8000-00000000cafe' },
            },
          });
          const sig = createHmac('sha256', Buffer.from(LOCAL_WEBHOOK_SECRETS.teams.securityToken, 'base64'))
            .update(body, 'utf8')
            .digest('base64');
          return httpEvent(name, fn, {}, body, { 'content-type': 'application/json', authorization: `HMAC ${sig}` });
        }),
        what: 'signed Teams "@Zscaler trace alice@corp.example" → trace.start enqueued',
      };
    default:
      return undefined;
  }
}

/** The functions of `names` that {@link representativeEvents} has no event for (the bench stops on any). */
export const withoutEvents = (names: string[]): string[] =>
  names.filter((n) => representativeEvents(n, undefined) === undefined);

/** An SQS record as Lambda's event source mapping delivers it (FIFO attributes for a FIFO queue). */
function sqsRecord(body: string, commandType: string, arn: string, fifo: Record<string, string> = {}) {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: 'bench',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: now,
      ...fifo,
    },
    messageAttributes: { commandType: { dataType: 'String', stringValue: commandType } },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: 'us-east-1',
  };
}

/** Ingress functions: answer a person or a webhook sender synchronously, so their budgets are the strict ones. */
export const INGRESS = new Set(['incident-webhook', 'slack-command', 'teams-webhook']);
