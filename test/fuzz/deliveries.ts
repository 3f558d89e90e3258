/**
 * Correctly signed deliveries for every HTTP entry, built from the vendor-shaped fixtures with their times set to
 * now: each incident source authenticated the way its vendor does it, a Slack slash command, a Teams outgoing
 * webhook. The fuzz suite mutates them (before or after signing) into hostile requests.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { LOCAL_CHAT } from '../../local/fakeChat.js';
import { signGenericPayload } from '../../shared/incidents/generic.js';
import { signRootlyPayload } from '../../shared/incidents/rootly.js';
import { signServiceNowPayload } from '../../shared/incidents/servicenow.js';
import { signStandardWebhook } from '../../shared/webhooks/standardWebhooks.js';
import { readFixture } from '../unit/incidents/helpers.js';
import { FUZZ_SECRETS, RETIRED_PAGERDUTY_SECRET } from './secrets.js';

/** What goes over the wire: the body text (or base64 of raw bytes), headers, query, and the path's source. */
export interface Delivery {
  fn: 'incident' | 'slack' | 'teams';
  /** The `{source}` path parameter (incident-webhook only). */
  source?: string;
  body: string;
  isBase64Encoded?: boolean;
  headers: Record<string, string>;
  query?: Record<string, string>;
}

export const INCIDENT_SOURCES = [
  'pagerduty',
  'generic',
  'opsgenie',
  'servicenow',
  'datadog',
  'incidentio',
  'rootly',
] as const;
export type SourceName = (typeof INCIDENT_SOURCES)[number];

const nowSec = () => Math.floor(Date.now() / 1000);
// Fixtures are vendor JSON, edited by path below.
const fixture = (name: string): Record<string, any> => JSON.parse(readFixture(name));
const hmacHex = (key: string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest('hex');

/**
 * A vendor body for `source` with its times set to now, as an object (the fuzz suite edits it before signing).
 * Each call gets a fresh event id where the vendor has one, so it is a new delivery.
 */
export function incidentBody(source: SourceName): Record<string, unknown> {
  const nowIso = new Date().toISOString();
  switch (source) {
    case 'pagerduty': {
      const b = fixture('pagerduty-incident-triggered.json');
      b.event.occurred_at = nowIso;
      b.event.id = `evt-${randomUUID()}`;
      return b;
    }
    case 'generic': {
      const b = fixture('generic-opened.json');
      b.event_id = `evt-${randomUUID()}`;
      return b;
    }
    case 'opsgenie': {
      const b = fixture('opsgenie-create.json');
      b.alert.createdAt = Date.now();
      b.alert.updatedAt = Date.now() * 1e6;
      return b;
    }
    case 'servicenow':
      return { ...fixture('servicenow-insert.json'), sys_updated_on: nowIso.slice(0, 19).replace('T', ' ') };
    case 'datadog':
      return {
        ...fixture('datadog-triggered.json'),
        id: String(7832917645312090000 + Math.floor(Math.random() * 9999)),
        date: String(Date.now()),
      };
    case 'incidentio': {
      const b = fixture('incidentio-created.json');
      b['public_incident.incident_created_v2'].created_at = nowIso;
      b['public_incident.incident_created_v2'].updated_at = nowIso;
      return b;
    }
    case 'rootly': {
      const b = fixture('rootly-created.json');
      b.event.issued_at = nowIso;
      b.event.id = randomUUID();
      return b;
    }
  }
}

export interface SignOptions {
  /** Unix seconds the signature claims (default now). */
  at?: number;
  /** Sign with this instead of the current secret. */
  secret?: string;
  /** incident.io: the message id (default a fresh one). */
  messageId?: string;
  /** Opsgenie: the token in the query instead of the header; ServiceNow: basic auth instead of the HMAC. */
  alternative?: boolean;
}

/** `body` signed (or tokened) for `source` exactly as the vendor does it. */
export function signIncident(source: SourceName, body: string, opts: SignOptions = {}): Delivery {
  const at = opts.at ?? nowSec();
  const S = FUZZ_SECRETS;
  const d = (headers: Record<string, string>, query?: Record<string, string>): Delivery => ({
    fn: 'incident',
    source,
    body,
    headers: { 'content-type': 'application/json', ...headers },
    ...(query ? { query } : {}),
  });
  switch (source) {
    case 'pagerduty':
      return d({ 'x-pagerduty-signature': `v1=${hmacHex(opts.secret ?? S.pagerduty[0], body)}` });
    case 'generic':
      return d({
        'x-signature': signGenericPayload(body, opts.secret ?? S.generic[0], at),
        'x-signature-timestamp': String(at),
      });
    case 'opsgenie':
      return opts.alternative
        ? d({}, { token: opts.secret ?? S.opsgenie[0] })
        : d({ 'x-webhook-token': opts.secret ?? S.opsgenie[0] });
    case 'servicenow': {
      if (opts.alternative) {
        const { username, password } = S.servicenow.basicAuth[0];
        const pass = opts.secret ?? password;
        return d({ authorization: `Basic ${Buffer.from(`${username}:${pass}`).toString('base64')}` });
      }
      return d({
        'x-servicenow-signature': signServiceNowPayload(body, opts.secret ?? S.servicenow.hmacSecrets[0], at),
        'x-servicenow-timestamp': String(at),
      });
    }
    case 'datadog':
      return d({ 'x-webhook-token': opts.secret ?? S.datadog[0] });
    case 'incidentio': {
      const id = opts.messageId ?? `msg_${randomUUID()}`;
      return d({
        'webhook-id': id,
        'webhook-timestamp': String(at),
        'webhook-signature': signStandardWebhook(body, opts.secret ?? S.incidentio[0], id, at),
      });
    }
    case 'rootly':
      return d({ 'x-rootly-signature': signRootlyPayload(body, opts.secret ?? S.rootly[0], at) });
  }
}

/** A wrong secret of the right shape for `source` (incident.io's are `whsec_` + base64). */
export const wrongSecret = (source: SourceName): string =>
  source === 'incidentio'
    ? `whsec_${Buffer.from('an-attacker-guess-at-the-key').toString('base64')}`
    : source === 'pagerduty'
      ? RETIRED_PAGERDUTY_SECRET
      : 'an-attacker-guess-at-the-secret';

/** Sources whose signature covers a timestamp that must be within 5 minutes. */
export const TIMESTAMPED: ReadonlySet<SourceName> = new Set(['generic', 'servicenow', 'incidentio', 'rootly']);

/** The Slack form fields of a slash command (edit them, then sign with {@link signSlack}). */
export function slackFields(text: string, responseUrl: string): Record<string, string> {
  return {
    token: 'deprecated-verification-token',
    team_id: 'T0FUZZ',
    team_domain: 'fuzz',
    channel_id: LOCAL_CHAT.slack.channel,
    channel_name: 'ops',
    user_id: LOCAL_CHAT.slack.oncall.id,
    user_name: LOCAL_CHAT.slack.oncall.name,
    command: '/zscaler',
    text,
    api_app_id: 'A0FUZZ',
    response_url: responseUrl,
    trigger_id: `${Date.now()}.${randomUUID().replace(/-/g, '')}`,
  };
}

/** A raw form body signed as Slack signs it: v0=HMAC(signing secret, "v0:<ts>:<body>"). */
export function signSlack(body: string, opts: { at?: number; secret?: string } = {}): Delivery {
  const ts = String(opts.at ?? nowSec());
  const sig = hmacHex(opts.secret ?? FUZZ_SECRETS.slack.signingSecret, `v0:${ts}:${body}`);
  return {
    fn: 'slack',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': `v0=${sig}`,
    },
  };
}

/** A Teams outgoing-webhook activity (edit it, then sign with {@link signTeams}). */
export function teamsActivity(text: string, at = nowSec()): Record<string, unknown> {
  const user = LOCAL_CHAT.teams.oncall;
  return {
    type: 'message',
    id: `${Date.now()}${randomUUID().slice(0, 8)}`,
    timestamp: new Date(at * 1000).toISOString(),
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    channelId: 'msteams',
    from: { id: `29:${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId, userPrincipalName: user.upn },
    conversation: { isGroup: true, id: `${LOCAL_CHAT.teams.channel};messageid=1`, name: 'ops' },
    recipient: { id: '28:fuzz-bot', name: 'Zscaler' },
    textFormat: 'plain',
    text: `<at>Zscaler</at> ${text}`,
    channelData: { teamsChannelId: LOCAL_CHAT.teams.channel, channel: { id: LOCAL_CHAT.teams.channel } },
  };
}

/** A raw body signed as Teams signs it: "HMAC " + base64 HMAC keyed with the base64-decoded security token. */
export function signTeams(body: string, tokenBase64: string = FUZZ_SECRETS.teams.securityToken): Delivery {
  const sig = createHmac('sha256', Buffer.from(tokenBase64, 'base64')).update(body, 'utf8').digest('base64');
  return { fn: 'teams', body, headers: { 'content-type': 'application/json', authorization: `HMAC ${sig}` } };
}
