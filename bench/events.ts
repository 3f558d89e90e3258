/**
 * A representative event per function, as its trigger would deliver it: a signed PagerDuty webhook through the
 * HTTP API, an SQS record with a trace.start command, the one-minute schedule with a window active over
 * 10 segments, a signed Slack slash command, a signed Teams outgoing webhook. Routes come from serverless.yml.
 * A function this file does not know gets an empty event (its row says so).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LOCAL_WEBHOOK_SECRETS } from '../local/fakeSecrets.js';
import type { FunctionDef } from '../local/serverlessYml.js';
import { pagerDutyDelivery } from '../test/helpers/webhooks.js';

/** The bench's windows file: one one-off window, active now, over `count` seeded segments. */
export function writeBenchWindows(path: string, count: number, mode: 'rule' | 'bypassType', id = 'bench-window'): string {
  const guardrails = (JSON.parse(readFileSync('config/maintenance-windows.json', 'utf8')) as { guardrails: unknown }).guardrails;
  const start = new Date(Date.now() - 60_000);
  const end = new Date(start.getTime() + 60 * 60_000);
  const file = {
    guardrails,
    windows: [{ id, segments: benchSegments(count), schedule: { start: start.toISOString(), end: end.toISOString() }, mode, reason: 'benchmark window' }],
  };
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(file, null, 2));
  return path;
}

export const benchSegments = (count: number) => Array.from({ length: count }, (_, i) => `app-${String(i + 1).padStart(3, '0')}`);

function httpEvent(fn: FunctionDef, pathParameters: Record<string, string>, body: string, headers: Record<string, string>) {
  const route = fn.httpApi[0]!;
  const rawPath = route.path.replace(/\{(\w+)\+?\}/g, (_m, k: string) => pathParameters[k] ?? k);
  return {
    version: '2.0', routeKey: `${route.method} ${route.path}`, rawPath, rawQueryString: '', headers, body, isBase64Encoded: false,
    pathParameters,
    requestContext: { accountId: '123456789012', apiId: 'bench', domainName: 'bench.local', http: { method: route.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' }, requestId: randomUUID(), routeKey: `${route.method} ${route.path}`, stage: '$default', time: new Date().toISOString(), timeEpoch: Date.now() },
  };
}

/** The command a webhook enqueues for Alice (the bare-send reference carries the same body and attributes). */
export const sampleTraceStart = () => ({
  id: 'cmd_bench', type: 'trace.start', incident: { source: 'pagerduty', incidentId: 'QBENCH', eventId: randomUUID(), service: 'Payroll Portal', title: 'Payroll is slow', link: 'https://example.pagerduty.com/incidents/QBENCH' },
  userEmails: ['alice@corp.example'], requestedBy: { kind: 'incident', id: 'pagerduty:QBENCH' },
});

export function representativeEvent(fn: FunctionDef): { event: unknown; what: string } {
  switch (fn.name) {
    case 'incident-webhook': {
      const d = pagerDutyDelivery({ kind: 'triggered', incidentId: 'QBENCH', email: 'alice@corp.example' });
      return { event: httpEvent(fn, { source: 'pagerduty' }, d.body, d.headers), what: 'signed PagerDuty incident.triggered' };
    }
    case 'worker': {
      const body = JSON.stringify(sampleTraceStart());
      return {
        event: { Records: [{ messageId: randomUUID(), receiptHandle: 'bench', body, attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(Date.now()) }, messageAttributes: { commandType: { dataType: 'String', stringValue: 'trace.start' } }, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:work', awsRegion: 'us-east-1' }] },
        what: 'SQS trace.start (1 user, 1 device)',
      };
    }
    case 'reconciler':
      return { event: { id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString(), region: 'us-east-1', resources: [], detail: {} }, what: 'schedule, 1 window over 10 segments (bypassType)' };
    case 'slack-command': {
      const body = new URLSearchParams({ token: 'x', team_id: 'T0BENCH', team_domain: 'bench', channel_id: 'C0BENCH', channel_name: 'ops', user_id: 'U0BENCH', user_name: 'alice', command: '/zscaler', text: 'help', response_url: 'https://hooks.slack.com/commands/T0BENCH/1/bench', trigger_id: '1.2.3' }).toString();
      const ts = String(Math.floor(Date.now() / 1000));
      const sig = `v0=${createHmac('sha256', LOCAL_WEBHOOK_SECRETS.slack.signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`;
      return { event: httpEvent(fn, {}, body, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }), what: 'signed Slack slash command "/zscaler help"' };
    }
    case 'teams-webhook': {
      const body = JSON.stringify({ type: 'message', id: randomUUID(), timestamp: new Date().toISOString(), text: '<at>Zscaler</at> help', from: { id: '29:bench', name: 'Alice', aadObjectId: '00000000-0000-0000-0000-000000000001' }, conversation: { id: '19:bench' }, channelData: { tenant: { id: 'bench' } } });
      const sig = createHmac('sha256', Buffer.from(LOCAL_WEBHOOK_SECRETS.teams.securityToken, 'base64')).update(body).digest('base64');
      return { event: httpEvent(fn, {}, body, { 'content-type': 'application/json', authorization: `HMAC ${sig}` }), what: 'signed Teams outgoing webhook "help"' };
    }
    default:
      return { event: {}, what: 'no representative event known: empty event' };
  }
}

/** Ingress functions: answer a person or a webhook sender synchronously, so their budgets are the strict ones. */
export const INGRESS = new Set(['incident-webhook', 'slack-command', 'teams-webhook']);
