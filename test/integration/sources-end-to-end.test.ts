/**
 * Issue 13, "Done when" (first bullet), for every incident source in shared/incidents/sources.ts, over the local
 * stack `npm start` runs (startLocalStack: the real incident-webhook and trace-reconciler handlers behind the
 * local HTTP API, local SQS, dynalite, the ZDX simulator and the vendors' stand-ins, all over loopback):
 *
 * (a) a vendor-shaped delivery, authenticated the way that vendor does it, starts a deep trace on the devices of
 *     the user found where that vendor really exposes it — PagerDuty: nowhere in the v3 webhook, so the REST API's
 *     incident custom field values; ServiceNow: `caller_id.email` dot-walked into the body; Opsgenie: an alert
 *     detail plus a `user:` tag; Datadog: a `user:` tag in `$TAGS`, or the payload template's `user_email`;
 *     incident.io: the "Affected user" custom field (plus an address in the summary; a "Region" field naming
 *     someone else is not read); Rootly: a `user:` label; generic: `user_emails`;
 * (b) the outcomes arrive in that vendor's own stand-in — a PagerDuty note, a ServiceNow work note, an Opsgenie
 *     alert note — and, for the sources without a native note (Datadog, incident.io, Rootly, generic), in one Slack
 *     thread per incident (`INCIDENT_REPORTS` below);
 * (c) the vendor's resolve stops every trace, each stop reported;
 * (d) a wrong signature or token, or none, is answered 401 and nothing reaches the ledger: the forged delivery
 *     names an incident of its own, and once the genuine open behind it on the FIFO trace queue has been acted on,
 *     that incident has no ledger record and no trace;
 * (e) the open and the resolve each delivered twice act once: the same command id, one trace per device, one
 *     "started" and one "stopped" per device in the vendor's place.
 *
 * The bodies are the vendor fixtures of test/fixtures/webhooks with their times set to now (ingest ignores events
 * older than an hour). The sources run one after another: several trace the same laptop, and ZDX allows one
 * deep trace per device.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRETS } from '../../local/fakeSecrets.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { LOCAL_INCIDENT_CHANNEL } from '../../local/vendors/credentials.js';
import { signGenericPayload } from '../../shared/incidents/generic.js';
import { INCIDENT_SOURCES } from '../../shared/incidents/sources.js';
import { signRootlyPayload } from '../../shared/incidents/rootly.js';
import { signServiceNowPayload } from '../../shared/incidents/servicenow.js';
import { dynamoLedger } from '../../shared/ledger/store.js';
import { HEADING } from '../../shared/reporting/sink.js';
import { signStandardWebhook } from '../../shared/webhooks/standardWebhooks.js';
import { eventually } from '../helpers/webhooks.js';
import { readFixture } from '../unit/incidents/helpers.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    handlerSource: 'src',
    // A 5-minute trace lasts 15 s here: ample time for the resolve to stop it before it ends on its own.
    simulator: { timeScale: 20 },
    env: {
      TRACE_CHECK_DELAY_SECONDS: '1',
      LOG_LEVEL: 'warn',
      // Every source reports somewhere: the three with a native note there, every other one into a Slack thread.
      INCIDENT_REPORTS: 'pagerduty=note,servicenow=worknote,opsgenie=note,*=slack',
      // PagerDuty's incident custom field "affected_user" (read from its REST API), besides the default alert detail.
      PAGERDUTY_EMAIL_FIELDS: 'custom_details.affected_user,custom_fields.affected_user',
    },
    retryDelaySeconds: 1,
  });
}, 30_000);
afterAll(() => stack?.stop());

/** The seeded ZDX users' devices (simulator/zdx/seed.ts). */
const DEVICES: Record<string, string[]> = {
  'alice@corp.example': ['ALICE-LT-7420'],
  'bob@corp.example': ['BOB-MBP-14'],
  'carol@corp.example': ['CAROL-LT-T14', 'CAROL-DT-7090'],
};

type Kind = 'open' | 'resolve';
interface Delivery {
  body: string;
  headers: Record<string, string>;
  query?: string;
}
/** How a source's delivery is authenticated: the vendor's own way, with a guessed secret, or not at all. */
type Auth = 'right' | 'wrong' | 'none';

interface SourceCase {
  /** The source posted to, when the case's name is not it (a second way one vendor exposes the user). */
  source?: string;
  /** The incident the genuine deliveries are about, and the one the forged delivery names. */
  incidentId: string;
  forgedId: string;
  /** The affected users the open names, where this vendor exposes them. */
  users: string[];
  /** The vendor-shaped body of an open or a resolve of `incidentId`, its times set to now. */
  body(kind: Kind, incidentId: string): string;
  /** The vendor's secret (or token) in the local webhooks secret, and a guess at it that must not get in. */
  secret: string;
  wrongSecret?: string;
  /** The authentication headers the vendor sends with `body` when it holds `secret`. */
  sign(body: string, secret: string, messageId: string): Record<string, string>;
  /** Vendor-side state the open relies on (PagerDuty's REST API). */
  seed?(): void;
}

const S = LOCAL_WEBHOOK_SECRETS;
const json = (name: string) => JSON.parse(readFixture(name)) as Record<string, any>;
const nowSec = () => Math.floor(Date.now() / 1000);
const WRONG = 'an-attacker-guess-at-the-secret';

/** Sources that cannot sign send a shared token in a header (Opsgenie, Datadog). */
const tokenHeader = (_body: string, token: string) => ({ 'x-webhook-token': token });

/** `body` as the vendor sends it: authenticated its way (`right`), with a guessed secret (`wrong`), or not at all. */
const deliver = (c: SourceCase, body: string, auth: Auth, messageId: string): Delivery => ({
  body,
  headers: auth === 'none' ? {} : c.sign(body, auth === 'right' ? c.secret : (c.wrongSecret ?? WRONG), messageId),
});

const CASES: Record<string, SourceCase> = {
  pagerduty: {
    incidentId: 'Q3R6MT1YQ2ZJ0A',
    forgedId: 'QFORGEDPD1',
    users: ['bob@corp.example'],
    body(kind, id) {
      // What a v3 webhook really carries: no alert details, no custom field values, no email in the title.
      const b = json(kind === 'open' ? 'pagerduty-incident-triggered.json' : 'pagerduty-incident-resolved.json');
      delete b.event.data.custom_details;
      b.event.occurred_at = new Date().toISOString();
      b.event.id = `${b.event.id}-${id}`;
      b.event.data.id = id;
      return JSON.stringify(b);
    },
    secret: S.pagerduty[0]!,
    sign: (body, secret) => ({
      'x-pagerduty-signature': `v1=${createHmac('sha256', secret).update(body).digest('hex')}`,
    }),
    seed() {
      // The affected user lives in an incident custom field; the alert names nobody.
      stack.vendors.pagerduty.seedIncident('Q3R6MT1YQ2ZJ0A', {
        alerts: [{ id: 'PALERTE2E1', body: { details: { note: 'Payroll slow over the VPN' } } }],
        customFields: [{ name: 'affected_user', value: 'bob@corp.example', type: 'field_value' }],
      });
    },
  },
  servicenow: {
    incidentId: '9d385017c611228701d22104cc95c371',
    forgedId: '0badc0de0badc0de0badc0de0badc0de',
    users: ['alice@corp.example'],
    body: (kind, id) =>
      JSON.stringify({
        ...json(kind === 'open' ? 'servicenow-insert.json' : 'servicenow-resolved.json'),
        sys_id: id,
        sys_updated_on: new Date().toISOString().slice(0, 19).replace('T', ' '),
      }),
    secret: S.servicenow.hmacSecrets[0]!,
    sign(body, secret) {
      const ts = nowSec();
      return {
        'x-servicenow-signature': signServiceNowPayload(body, secret, ts),
        'x-servicenow-timestamp': String(ts),
      };
    },
  },
  opsgenie: {
    incidentId: '70413a06-38d6-4c85-92b8-5ebc900d42e2-1764777546138',
    forgedId: 'f0f0f0f0-0000-4000-8000-forged000001',
    // Alice in the alert's details (sent with Create only), Carol in a `user:` tag (sent with every action).
    users: ['alice@corp.example', 'carol@corp.example'],
    body(kind, id) {
      const b = json(kind === 'open' ? 'opsgenie-create.json' : 'opsgenie-close.json');
      b.alert.alertId = id;
      b.alert.createdAt = Date.now();
      b.alert.updatedAt = Date.now() * 1e6;
      return JSON.stringify(b);
    },
    secret: S.opsgenie[0]!,
    sign: tokenHeader,
  },
  datadog: {
    incidentId: '7832917645312098001',
    forgedId: '7832917645312000666',
    users: ['alice@corp.example'],
    body: (kind, id) =>
      JSON.stringify({
        ...json(kind === 'open' ? 'datadog-triggered.json' : 'datadog-recovered.json'),
        cycle_key: id,
        date: String(Date.now()),
      }),
    secret: S.datadog[0]!,
    sign: tokenHeader,
  },
  // The payload template's own field, filled from a template variable of the customer's, with no `user:` tag.
  'datadog (template user_email)': {
    source: 'datadog',
    incidentId: '7832917645312098002',
    forgedId: '7832917645312000667',
    users: ['carol@corp.example'],
    body: (kind, id) =>
      JSON.stringify({
        ...json(kind === 'open' ? 'datadog-triggered.json' : 'datadog-recovered.json'),
        cycle_key: id,
        tags: 'env:prod,service:payroll-portal,team:service-desk',
        user_email: 'Carol@Corp.Example',
        date: String(Date.now()),
      }),
    secret: S.datadog[0]!,
    sign: tokenHeader,
  },
  incidentio: {
    incidentId: '01HZ8V7Q2K3M4N5P6R7S8T9V0W',
    forgedId: '01HZ8V7Q2K3M4N5P6R7SFORGED',
    // Alice in the "Affected user" custom field, Bob in the summary; Dave, in a "Region" field, is no affected user.
    users: ['alice@corp.example', 'bob@corp.example'],
    body(kind, id) {
      const name =
        kind === 'open' ? 'public_incident.incident_created_v2' : 'public_incident.incident_status_updated_v2';
      const b = json(kind === 'open' ? 'incidentio-created.json' : 'incidentio-resolved.json');
      Object.assign(b[name], { id, created_at: new Date().toISOString(), updated_at: new Date().toISOString() });
      return JSON.stringify(b);
    },
    secret: S.incidentio[0]!,
    wrongSecret: `whsec_${Buffer.from(WRONG).toString('base64')}`,
    sign(body, secret, messageId) {
      const ts = nowSec();
      return {
        'webhook-id': messageId,
        'webhook-timestamp': String(ts),
        'webhook-signature': signStandardWebhook(body, secret, messageId, ts),
      };
    },
  },
  rootly: {
    incidentId: '6f2a9d3e-7c41-4b8e-9a15-0c2d4e6f8a10',
    forgedId: '6f2a9d3e-7c41-4b8e-9a15-f0f0f0f0f0f0',
    users: ['alice@corp.example'],
    body(kind, id) {
      const b = json(kind === 'open' ? 'rootly-created.json' : 'rootly-resolved.json');
      b.event.id = `${b.event.id}-${id}`;
      b.event.issued_at = new Date().toISOString();
      b.data.id = id;
      return JSON.stringify(b);
    },
    secret: S.rootly[0]!,
    sign: (body, secret) => ({ 'x-rootly-signature': signRootlyPayload(body, secret, nowSec()) }),
  },
  generic: {
    incidentId: 'INC0012345',
    forgedId: 'INC0066666',
    users: ['alice@corp.example', 'bob@corp.example'],
    body(kind, id) {
      const b = json('generic-opened.json');
      // The fixture is the open; the same sender's resolve is the same body with its own event id and action.
      if (kind === 'resolve') Object.assign(b, { event_id: `${b.event_id}-resolved`, action: 'resolved' });
      return JSON.stringify({
        ...b,
        event_id: `${b.event_id}-${id}`,
        incident_id: id,
        occurred_at: new Date().toISOString(),
      });
    },
    secret: S.generic[0]!,
    sign(body, secret) {
      const ts = nowSec();
      return { 'x-signature': signGenericPayload(body, secret, ts), 'x-signature-timestamp': String(ts) };
    },
  },
};

// --- what the stack holds ------------------------------------------------------------------------------------

type Trace = { trace_id: number; trace_details: { session_name: string; username: string; device_name: string } };
const traces = async (session: string): Promise<Trace[]> =>
  (
    (await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as { products: { zdx: { traces: Trace[] } } }
  ).products.zdx.traces.filter((t) => t.trace_details.session_name === session);

const post = async (source: string, d: Delivery) => {
  const r = await fetch(`${stack.gatewayUrl}/webhooks/${source}${d.query ?? ''}`, {
    method: 'POST',
    body: d.body,
    headers: { 'content-type': 'application/json', ...d.headers },
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

const ledger = () =>
  dynamoLedger({ tableName: stack.dynamo.tableNames.IncidentLedger!, client: stack.dynamo.client, retentionDays: 30 });

/**
 * The outcome texts written into the incident, in order, from the vendor's own stand-in: PagerDuty notes,
 * ServiceNow work notes, Opsgenie alert notes, or the incident's Slack thread (its opening message, then replies).
 */
function reportsIn(source: string, incidentId: string): string[] {
  const strip = (t: string) => t.replace(`${HEADING}\n`, '');
  const v = stack.vendors;
  if (source === 'pagerduty')
    return v.pagerduty.notes.filter((n) => n.incidentId === incidentId).map((n) => strip(n.content));
  if (source === 'servicenow')
    return v.servicenow.workNotes.filter((n) => n.sysId === incidentId).map((n) => strip(n.text));
  if (source === 'opsgenie') return v.opsgenie.notes.filter((n) => n.alertId === incidentId).map((n) => strip(n.note));
  const parents = v.slack.messages.filter((m) => !m.thread_ts && m.text.includes(`(${source} ${incidentId})`));
  if (parents.length === 0) return [];
  // The thread opens with a heading naming the incident; the first outcome follows on its second line.
  const [parent] = parents;
  const replies = v.slack.messages.filter((m) => m.thread_ts === parent!.ts).map((m) => m.text);
  return [...parents.map((p) => p.text.split('\n').slice(1).join('\n')), ...replies];
}

/** Devices named as started in the reports, and the trace id each was started with. */
const startedIn = (reports: string[]) =>
  reports.flatMap((r) =>
    [...r.matchAll(/([A-Z0-9-]+): started \(trace (\d+)\)/g)].map((m) => ({ device: m[1]!, traceId: Number(m[2]) })),
  );
const stoppedIn = (reports: string[], incidentId: string) =>
  reports.flatMap((r) => {
    const m = new RegExp(`^Deep trace on ([A-Z0-9-]+) stopped: the incident ${incidentId} was resolved\\.$`).exec(r);
    return m ? [m[1]!] : [];
  });

describe('every incident source, end to end on the local stack', () => {
  it('covers every registered source', () => {
    const covered = new Set(Object.entries(CASES).map(([name, c]) => c.source ?? name));
    expect([...covered].sort()).toEqual(INCIDENT_SOURCES.map((s) => s.name).sort());
  });

  it.each(Object.keys(CASES))(
    '%s: 401 for a forged or unsigned delivery; the open (twice) traces the affected user once and reports it in the vendor; the resolve (twice) stops it',
    async (name) => {
      const c = CASES[name]!;
      const source = c.source ?? name;
      const session = `zea:${source}:${c.incidentId}`;
      const devices = c.users.flatMap((u) => DEVICES[u]!).sort();
      c.seed?.();

      // (d) Refused before anything is parsed or enqueued.
      for (const auth of ['wrong', 'none'] as const) {
        const refused = await post(source, deliver(c, c.body('open', c.forgedId), auth, `msg_forged_${auth}`));
        expect(refused, `${auth} credentials`).toEqual({
          status: 401,
          json: { error: 'unauthorized', message: 'invalid signature' },
        });
      }

      // (a, e) The open, delivered twice (the vendor's retry: same bytes, same message id).
      const open = deliver(c, c.body('open', c.incidentId), 'right', `msg_open_${randomUUID()}`);
      const [first, again] = [await post(source, open), await post(source, open)];
      expect(first).toMatchObject({ status: 202, json: { status: 'accepted', command: 'trace.start' } });
      expect(again.json.commandId).toBe(first.json.commandId);

      // (a, b) A trace on each of the affected users' devices, and the "started" report naming each.
      await eventually(
        async () => {
          const named = startedIn(reportsIn(source, c.incidentId)).map((s) => s.device);
          return (await traces(session)).length === devices.length && devices.every((d) => named.includes(d))
            ? true
            : undefined;
        },
        20_000,
        `${source}: traces on ${devices.join(', ')} and their "started" report`,
      );
      const running = await traces(session);
      expect(running.map((t) => t.trace_details.device_name).sort()).toEqual(devices);
      expect([...new Set(running.map((t) => t.trace_details.username))].sort()).toEqual([...c.users].sort());
      const record = await ledger().get(`${source}#${c.incidentId}`);
      expect([...record!.users].sort()).toEqual([...c.users].sort());

      // (c, e) The resolve, delivered twice, stops every trace, each reported once.
      const resolve = deliver(c, c.body('resolve', c.incidentId), 'right', `msg_resolve_${randomUUID()}`);
      const [stop, stopAgain] = [await post(source, resolve), await post(source, resolve)];
      expect(stop).toMatchObject({ status: 202, json: { status: 'accepted', command: 'trace.stop' } });
      expect(stopAgain.json.commandId).toBe(stop.json.commandId);
      expect(stop.json.commandId).not.toBe(first.json.commandId);
      await eventually(
        async () =>
          (await traces(session)).length === 0 &&
          stoppedIn(reportsIn(source, c.incidentId), c.incidentId).length >= devices.length
            ? true
            : undefined,
        20_000,
        `${source}: traces stopped and the stops reported`,
      );

      // Later runs write nothing more: every device started once and stopped once, nothing else said.
      await new Promise((r) => setTimeout(r, 1_500));
      const reports = reportsIn(source, c.incidentId);
      const started = startedIn(reports);
      expect(started.map((s) => s.device).sort()).toEqual(devices);
      expect(started.map((s) => s.traceId).sort()).toEqual(running.map((t) => t.trace_id).sort());
      expect(stoppedIn(reports, c.incidentId).sort()).toEqual(devices);
      const startedNotes = reports.filter((r) => / started \(trace \d+\)/.test(r)).length;
      expect(reports).toHaveLength(startedNotes + devices.length);
      expect((await ledger().get(`${source}#${c.incidentId}`))!.state).toBe('resolved');
      if (!['pagerduty', 'servicenow', 'opsgenie'].includes(source)) {
        const threads = stack.vendors.slack.messages.filter(
          (m) => !m.thread_ts && m.text.includes(`(${source} ${c.incidentId})`),
        );
        expect(threads.map((m) => m.channel)).toEqual([LOCAL_INCIDENT_CHANNEL]);
      }

      // (d) The forged open was never enqueued: the genuine open queued behind it has been acted on, and the
      // forged incident has no ledger record, no trace and no report.
      expect(await ledger().get(`${source}#${c.forgedId}`)).toBeUndefined();
      expect(await traces(`zea:${source}:${c.forgedId}`)).toEqual([]);
      expect(reportsIn(source, c.forgedId)).toEqual([]);
    },
    45_000,
  );
});
