/**
 * The ingress edge under hostile input: over ten thousand generated requests (fast-check) against the real middy
 * chains of the three HTTP functions — incident-webhook for every source, slack-command, teams-webhook — with
 * the real SQS and Secrets Manager clients on loopback (test/fuzz/harness.ts), most in-process as API Gateway
 * hands them to Lambda, the rest over real HTTP through the local gateway (raw paths, duplicate header lines,
 * raw bytes). Properties, for every request:
 * - never a 5xx, and every refusal a 4xx with a JSON `{error, message}` body (the gateway's own: `{message}`);
 * - nothing enqueued without a valid signature or token, and no replay (a captured chat request again, a stale
 *   timestamp) enqueues anything;
 * - whatever is enqueued, SQS accepts (its character set) and the consumer accepts (the queue contract), with at
 *   most 50 affected users;
 * - a correctly signed, valid request is still accepted, however many hostile ones came before it;
 * - each answered in bounded time.
 * Then every log line the suite's functions wrote, and every answer, is searched for every secret value of the
 * stack in raw, base64, URL-encoded and hex forms.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_CHAT } from '../../local/fakeChat.js';
import { MAX_USER_EMAILS } from '../../shared/incidents/emails.js';
import { hostileChar, hostileText } from './arbitraries.js';
import {
  type Delivery,
  INCIDENT_SOURCES,
  incidentBody,
  type SignOptions,
  type SourceName,
  signIncident,
  signSlack,
  signTeams,
  slackFields,
  TIMESTAMPED,
  teamsActivity,
  wrongSecret,
} from './deliveries.js';
import { type Answer, type Edge, MAX_BODY_BYTES, type Sent, startEdge } from './harness.js';
import { FUZZ_SECRETS, RETIRED_PAGERDUTY_SECRET, SLACK_RESPONSE_URL, secretNeedles } from './secrets.js';

/** A request that takes longer than this is a defect (Slack allows 3 s in all, Teams 5 s). */
const MAX_MS = 2_000;
const RUNS = {
  incidentUnsigned: 2_600,
  incidentHostile: 2_000,
  valid: 50,
  incidentRedelivery: 60,
  slackUnsigned: 1_000,
  slackHostile: 1_100,
  chatReplay: 120,
  teamsUnsigned: 800,
  teamsHostile: 1_000,
  http: 1_200,
};

let edge: Edge;
const counts = { requests: 0, http: 0, byStatus: {} as Record<number, number>, maxMs: 0, enqueued: 0 };
const answers: string[] = [];
let consoleErrors: ReturnType<typeof vi.spyOn>;

beforeAll(async () => {
  consoleErrors = vi.spyOn(console, 'error');
  edge = await startEdge();
}, 30_000);

afterAll(async () => {
  consoleErrors?.mockRestore();
  await edge?.stop();
});

type Expect = 'unsigned' | 'signed' | 'valid';

/**
 * One request and the invariants every request must keep; `unsigned`: nothing may be enqueued and the answer is a
 * refusal; `valid`: accepted with exactly one command; `signed`: anything but a 5xx, and what is enqueued is sound.
 */
async function check(
  expectation: Expect,
  d: Delivery,
  via: 'call' | 'http' = 'call',
  raw?: Parameters<Edge['http']>[0],
) {
  const before = edge.sent.length;
  const a: Answer = via === 'http' ? await edge.http(raw!) : await edge.call(d);
  const sends = edge.sent.slice(before);
  counts.requests++;
  if (via === 'http') counts.http++;
  counts.byStatus[a.status] = (counts.byStatus[a.status] ?? 0) + 1;
  counts.maxMs = Math.max(counts.maxMs, a.ms);
  counts.enqueued += sends.length;
  answers.push(a.body);

  const where = `${expectation} ${d.fn}${d.source ? `/${d.source}` : ''} → ${a.status} ${a.body.slice(0, 300)}`;
  expect(a.status, where).toBeGreaterThanOrEqual(200);
  expect(a.status, where).toBeLessThan(500);
  expect(a.ms, where).toBeLessThan(MAX_MS);
  if (a.status >= 400) {
    const body = a.json as { error?: unknown; message?: unknown } | undefined;
    expect(typeof body?.message, where).toBe('string');
    // The functions' refusals name an error code; the gateway's own (no route, undecodable path) only a message.
    if (!(via === 'http' && body?.error === undefined && [400, 404].includes(a.status)))
      expect(typeof body?.error, where).toBe('string');
  }
  for (const s of sends) soundSend(s, where);
  if (expectation === 'unsigned') {
    expect(sends, where).toEqual([]);
    expect([400, 401, 404, 413], where).toContain(a.status);
  }
  if (expectation === 'valid') {
    expect(sends, where).toHaveLength(1);
    if (d.fn === 'incident')
      expect(a.json, where).toMatchObject({ status: 'accepted', commandId: sends[0]!.command!.id });
    else expect(a.status, where).toBe(200);
  }
  return { a, sends };
}

function soundSend(s: Sent, where: string) {
  expect(s.refused, `SQS would refuse ${s.refused}: ${where}`).toBeUndefined();
  expect(s.poison, where).toBeUndefined();
  const users = (s.command as { userEmails?: string[] }).userEmails ?? [];
  expect(users.length, where).toBeLessThanOrEqual(MAX_USER_EMAILS);
}

// ---------- generators ----------

/** One character changed to a different one (not merely its case: hex is compared by bytes). Spares the tail,
 * where base64's unused bits would let a changed character decode to the same bytes. */
const flip = (s: string, pos: number, to: string): string => {
  if (s.length < 4) return `${s}x`;
  const i = pos % (s.length - 3);
  const c = s[i]!;
  const repl = to.toLowerCase() === c.toLowerCase() ? (c === 'z' ? 'q' : 'z') : to;
  return s.slice(0, i) + repl + s.slice(i + 1);
};

const AUTH_HEADERS = [
  'x-pagerduty-signature',
  'x-signature',
  'x-webhook-token',
  'x-servicenow-signature',
  'authorization',
  'webhook-signature',
  'x-rootly-signature',
  'x-slack-signature',
];
const authHeaderOf = (d: Delivery): string | undefined => AUTH_HEADERS.find((h) => d.headers[h] !== undefined);

const source = fc.constantFrom(...INCIDENT_SOURCES);

/** `value`, printed by fast-check as `label` in a counterexample (its printer recurses, and would overflow). */
const labelled = <T extends object>(value: T, label: string): T =>
  Object.defineProperty(value, fc.toStringMethod, { value: () => label, enumerable: false });

/** A value to put where a field was: hostile text, huge, wrong type, deep, polluting, thousands of emails. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText(40),
  fc.constant('x'.repeat(100_000)),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.array(hostileText(10), { maxLength: 5 }),
  fc.constant(null).map(() =>
    labelled(
      Array.from({ length: 10_000 }, (_, i) => `u${i}@corp.example`),
      '<10,000 emails>',
    ),
  ),
  fc.constant(Array.from({ length: 5_000 }, (_, i) => `user:u${i}@corp.example`).join(',')),
  fc
    .integer({ min: 1, max: 1_000 })
    .map((n) => labelled(JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown[], `<arrays ${n} deep>`)),
  // Fresh each time: the edits below write into the values they placed.
  fc
    .constant(null)
    .map(
      () => JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}') as unknown,
    ),
  fc.dictionary(hostileText(8), hostileText(8), { maxKeys: 4 }),
);

/** Dotted paths into each source's body that matter to it (ids, times, users, text, the event type). */
const FIELDS: Record<SourceName, string[]> = {
  pagerduty: [
    'event.id',
    'event.event_type',
    'event.occurred_at',
    'event.data',
    'event.data.id',
    'event.data.title',
    'event.data.service',
    'event.data.service.summary',
    'event.data.html_url',
    'event.data.priority',
    'event.data.urgency',
    'event.data.custom_details',
    'event.data.custom_details.affected_user',
    'event',
  ],
  generic: ['event_id', 'incident_id', 'action', 'user_emails', 'service', 'title', 'link', 'occurred_at', 'priority'],
  opsgenie: [
    'action',
    'alert',
    'alert.alertId',
    'alert.tags',
    'alert.details',
    'alert.details.affected_user',
    'alert.message',
    'alert.createdAt',
    'alert.updatedAt',
    'alert.priority',
    'alert.entity',
  ],
  servicenow: [
    'sys_id',
    'number',
    'operation',
    'state',
    'sys_mod_count',
    'sys_updated_on',
    'caller_email',
    'short_description',
    'priority',
    'business_service',
  ],
  datadog: ['id', 'cycle_key', 'transition', 'title', 'priority', 'tags', 'hostname', 'link', 'date', 'user_email'],
  incidentio: [
    'event_type',
    'public_incident.incident_created_v2',
    'public_incident.incident_created_v2.id',
    'public_incident.incident_created_v2.name',
    'public_incident.incident_created_v2.summary',
    'public_incident.incident_created_v2.created_at',
    'public_incident.incident_created_v2.custom_field_entries',
    'public_incident.incident_created_v2.severity',
    'public_incident.incident_created_v2.incident_status',
  ],
  rootly: [
    'event',
    'event.id',
    'event.type',
    'event.issued_at',
    'data',
    'data.id',
    'data.title',
    'data.labels',
    'data.severity',
    'data.services',
  ],
};

/** Fields each source carries on into the command as text or ids: where a character SQS refuses would travel. */
const TEXT_FIELDS: Record<SourceName, string[]> = {
  pagerduty: [
    'event.data.title',
    'event.data.service.summary',
    'event.data.priority.summary',
    'event.data.urgency',
    'event.id',
    'event.data.id',
    'event.data.html_url',
  ],
  generic: ['title', 'service', 'priority', 'event_id', 'incident_id', 'link'],
  opsgenie: ['alert.message', 'alert.entity', 'alert.priority', 'alert.alertId', 'alert.tinyId'],
  servicenow: ['short_description', 'business_service', 'cmdb_ci', 'number', 'priority', 'sys_id'],
  datadog: ['title', 'priority', 'hostname', 'id', 'cycle_key', 'link'],
  incidentio: [
    'public_incident.incident_created_v2.name',
    'public_incident.incident_created_v2.reference',
    'public_incident.incident_created_v2.id',
    'public_incident.incident_created_v2.severity.name',
    'public_incident.incident_created_v2.incident_type.name',
  ],
  rootly: ['data.title', 'data.id', 'event.id', 'data.sequential_id'],
};

/** Text holding at least one character SQS refuses, somewhere among other hostile ones. */
const refusedText = fc
  .tuple(hostileText(20), fc.constantFrom('\uFFFE', '\uFFFF', '\uD800', '\u0000', '\u001B', '\uDFFF'), hostileText(20))
  .map(([a, bad, b]) => `${a}${bad}${b}`);

function setPath(root: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  // incident.io's payload key has a dot in it: join it back.
  if (keys[0] === 'public_incident') keys.splice(0, 2, `${keys[0]}.${keys[1]}`);
  let at: Record<string, unknown> = root;
  for (const k of keys.slice(0, -1)) {
    if (at[k] === null || typeof at[k] !== 'object') at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}

/** Raw text that replaces a body: not JSON, deep JSON, polluting keys, duplicate keys, a BOM, huge arrays. */
const hostileRawBody = (base: string) =>
  fc.oneof(
    hostileText(200),
    fc.constant(''),
    fc.integer({ min: 1_000, max: 120_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
    fc.integer({ min: 1_000, max: 60_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    fc.constant(`{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},${base.slice(1)}`),
    fc.constant(`${base.slice(0, -1)},"__proto__":{"polluted":"yes"}}`),
    fc.constant(`${base.slice(0, -1)},${base.slice(1)}`), // every key twice
    fc.constant(`\uFEFF${base}`),
    fc.constant(`[${Array.from({ length: 20_000 }, () => '{}').join(',')}]`),
    fc.constant('null'),
    fc.constant('"just a string"'),
    fc.constant(base.slice(0, Math.floor(base.length / 2))), // truncated
  );

const CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=utf-16',
  '',
];

/** Headers that have nothing to do with the signature, hostile: CRLF injection, huge, odd names. */
const noiseHeaders = fc.dictionary(
  fc.constantFrom(
    'x-forwarded-for',
    'x-amzn-trace-id',
    'user-agent',
    'host',
    'x-injected',
    'cookie',
    'X-Upper-Case',
    '__proto__',
    'constructor',
  ),
  fc.oneof(hostileText(30), fc.constant('a\r\nx-pagerduty-signature: v1=00'), fc.constant('y'.repeat(20_000))),
  { maxKeys: 3 },
);

// ---------- incident-webhook ----------

describe('incident-webhook under hostile input', () => {
  it('every source still accepts a correctly signed delivery, including either secret during a rotation', async () => {
    for (const s of INCIDENT_SOURCES) {
      for (let i = 0; i < RUNS.valid; i++) {
        const body = JSON.stringify(incidentBody(s));
        await check('valid', signIncident(s, body, { alternative: i % 2 === 1 }));
      }
    }
    // PagerDuty mid-rotation: the previous secret, and a header carrying a stale signature next to a good one.
    const body = JSON.stringify(incidentBody('pagerduty'));
    await check('valid', signIncident('pagerduty', body, { secret: FUZZ_SECRETS.pagerduty[1] }));
    const good = signIncident('pagerduty', body).headers['x-pagerduty-signature']!;
    const retired = signIncident('pagerduty', body, { secret: RETIRED_PAGERDUTY_SECRET });
    await check('unsigned', retired);
    const stale = retired.headers['x-pagerduty-signature']!;
    await check('valid', {
      ...signIncident('pagerduty', body),
      headers: { 'x-pagerduty-signature': `${stale}, ${good}` },
    });
  });

  it('property: nothing unauthenticated is enqueued, whatever the mutation', async () => {
    type Mutation =
      | { kind: 'no-auth' | 'wrong-secret' | 'stale' | 'future' | 'oversized' | 'base64-garbage' | 'tamper-body' }
      | { kind: 'flip'; pos: number; to: string }
      | { kind: 'bad-header'; value: string }
      | { kind: 'unknown-source'; name: string }
      | { kind: 'mixed-case-duplicate'; value: string };
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.constantFrom<Mutation>(
        { kind: 'no-auth' },
        { kind: 'wrong-secret' },
        { kind: 'stale' },
        { kind: 'future' },
        { kind: 'oversized' },
        { kind: 'base64-garbage' },
        { kind: 'tamper-body' },
      ),
      fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), to: hostileChar }),
      fc.record({
        kind: fc.constant('bad-header' as const),
        value: fc.oneof(
          hostileText(80),
          fc.constant(`v1=${'0'.repeat(64)}`),
          fc.constant(Array.from({ length: 500 }, () => `v1=${'a'.repeat(64)}`).join(',')),
          fc.constant('z'.repeat(100_000)),
          fc.constant('sha256=\r\nx-signature: sha256=00'),
        ),
      }),
      fc.record({
        kind: fc.constant('unknown-source' as const),
        name: fc.oneof(
          hostileText(20),
          fc.constantFrom(
            '__proto__',
            'constructor',
            'toString',
            'PagerDuty',
            'pagerduty ',
            '..',
            '%2e',
            'hasOwnProperty',
            '',
          ),
        ),
      }),
      fc.record({ kind: fc.constant('mixed-case-duplicate' as const), value: hostileText(40) }),
    );
    await fc.assert(
      fc.asyncProperty(source, mutation, fc.boolean(), noiseHeaders, async (s, m, alternative, noise) => {
        const opts: SignOptions = { alternative };
        const bodyText = JSON.stringify(incidentBody(s));
        let d = signIncident(s, bodyText, opts);
        const auth = authHeaderOf(d);
        const withNoise = (x: Delivery): Delivery => ({ ...x, headers: { ...noise, ...x.headers } });
        switch (m.kind) {
          case 'no-auth':
            d = { ...d, headers: { 'content-type': 'application/json' }, query: undefined };
            break;
          case 'wrong-secret':
            d = signIncident(s, bodyText, { ...opts, secret: wrongSecret(s) });
            break;
          case 'stale':
          case 'future': {
            const shift =
              m.kind === 'stale' ? -400 - Math.floor(Math.random() * 1e8) : 400 + Math.floor(Math.random() * 1e6);
            if (TIMESTAMPED.has(s)) {
              d = signIncident(s, bodyText, { at: Math.floor(Date.now() / 1000) + shift });
            } else {
              // Sources without a signed timestamp: the signed event time bounds replays (answered "ignored").
              const old = incidentBody(s);
              const iso = new Date(Date.now() + (m.kind === 'stale' ? -7_200_000 : 3_600_000)).toISOString();
              if (s === 'pagerduty') setPath(old, 'event.occurred_at', iso);
              if (s === 'opsgenie')
                setPath(old, 'alert.createdAt', Date.parse(iso)),
                  setPath(old, 'alert.updatedAt', Date.parse(iso) * 1e6);
              if (s === 'datadog') setPath(old, 'date', String(Date.parse(iso)));
              const r = await check('signed', withNoise(signIncident(s, JSON.stringify(old), opts)));
              expect(r.sends).toEqual([]);
              expect(r.a.json).toMatchObject({ status: 'ignored' });
              return;
            }
            break;
          }
          case 'oversized': {
            const big = `${bodyText.slice(0, -1)},"pad":"${'p'.repeat(MAX_BODY_BYTES)}"}`;
            d = signIncident(s, big, opts);
            if (alternative) d = { ...d, body: Buffer.from(big).toString('base64'), isBase64Encoded: true };
            break;
          }
          case 'base64-garbage': {
            const bytes = Buffer.from([
              0xff, 0xfe, 0x80, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc,
            ]);
            d = { ...d, body: Buffer.concat([Buffer.from(bodyText), bytes]).toString('base64'), isBase64Encoded: true };
            break;
          }
          case 'tamper-body':
            // Token sources do not sign the body: a changed body with the right token is authentic.
            if (s === 'opsgenie' || s === 'datadog' || (s === 'servicenow' && alternative)) return;
            d = { ...d, body: bodyText.replace(/"[^"]*"/, (q) => (q === '"x"' ? '"y"' : '"x"')) };
            break;
          case 'flip': {
            if (s === 'opsgenie' && alternative) {
              d = { ...d, query: { token: flip(d.query!.token!, m.pos, m.to) } };
              break;
            }
            // incident.io signs the message id too: changing it is as good as changing the signature.
            d = { ...d, headers: { ...d.headers, [auth!]: flip(d.headers[auth!]!, m.pos, m.to) } };
            break;
          }
          case 'bad-header':
            if (s === 'opsgenie' && alternative) d = { ...d, query: { token: m.value } };
            else d = { ...d, headers: { ...d.headers, [auth!]: m.value } };
            break;
          case 'unknown-source':
            if ((INCIDENT_SOURCES as readonly string[]).includes(m.name)) return;
            d = { ...d, source: m.name };
            break;
          case 'mixed-case-duplicate': {
            if (s === 'opsgenie' && alternative) return;
            const { [auth!]: _right, ...rest } = d.headers;
            d = { ...d, headers: { ...rest, [auth!.toUpperCase()]: m.value, [`X-${auth!.slice(2)}`]: m.value } };
            break;
          }
        }
        await check('unsigned', withNoise(d));
      }),
      { numRuns: RUNS.incidentUnsigned },
    );
  });

  it('property: a correctly signed hostile body is answered, never 5xx, and what it enqueues is sound', async () => {
    const edit = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          raw: fc.constant(false as const),
          paths: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
          values: fc.array(hostileValue, { minLength: 3, maxLength: 3 }),
        }),
      },
      { weight: 2, arbitrary: fc.record({ raw: fc.constant(true as const), pick: fc.nat() }) },
      { weight: 4, arbitrary: fc.record({ raw: fc.constant('text' as const), field: fc.nat(), value: refusedText }) },
    );
    await fc.assert(
      fc.asyncProperty(
        source,
        edit,
        fc.constantFrom(...CONTENT_TYPES),
        noiseHeaders,
        fc.nat(),
        fc.boolean(),
        async (s, e, ct, noise, seed, alternative) => {
          const body = incidentBody(s);
          let text: string;
          if (e.raw === 'text') {
            // A real delivery, valid but for one text field or id holding a character SQS refuses.
            const fields = TEXT_FIELDS[s];
            setPath(body, fields[e.field % fields.length]!, e.value);
            text = JSON.stringify(body);
          } else if (e.raw) {
            const raws = fc.sample(hostileRawBody(JSON.stringify(body)), { numRuns: 1, seed: seed + e.pick });
            text = raws[0]!;
          } else {
            for (const [i, p] of e.paths.entries()) setPath(body, FIELDS[s][p % FIELDS[s].length]!, e.values[i]);
            text = JSON.stringify(body);
          }
          const d = signIncident(s, text, { alternative });
          const { a, sends } = await check('signed', { ...d, headers: { ...noise, ...d.headers, 'content-type': ct } });
          expect(a.status).not.toBe(401);
          if (a.status === 202) {
            const json = a.json as { status: string; commandId?: string };
            expect(sends).toHaveLength(json.status === 'accepted' ? 1 : 0);
          } else expect(sends).toEqual([]);
        },
      ),
      { numRuns: RUNS.incidentHostile },
    );
    // Nothing a body said reached Object.prototype.
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('a redelivery gets the same command id; a captured delivery replayed after 5 minutes enqueues nothing', async () => {
    for (let i = 0; i < RUNS.incidentRedelivery; i++) {
      const s = INCIDENT_SOURCES[i % INCIDENT_SOURCES.length]!;
      const d = signIncident(s, JSON.stringify(incidentBody(s)), { messageId: `msg_redeliver_${i}` });
      const first = await check('valid', d);
      const again = await check('signed', d);
      expect(again.a.json).toMatchObject({
        status: 'accepted',
        commandId: (first.a.json as { commandId: string }).commandId,
      });
      if (TIMESTAMPED.has(s)) {
        const later = signIncident(s, d.body, {
          at: Math.floor(Date.now() / 1000) - 301,
          messageId: `msg_redeliver_${i}`,
        });
        await check('unsigned', later);
      }
    }
  });
});

// ---------- slack-command ----------

/** Command lines a person could type, with hostile parts. */
const chatLine = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('bypass', 'dry-run bypass'),
      hostileText(12),
      fc.constantFrom('2h', '90m', '0m', 'x'),
      hostileText(30),
    )
    .map(([v, seg, d, r]) => `${v} ${seg || 'payroll-app'} ${d} ${r || 'reason'}`),
  fc.tuple(fc.constantFrom('unbypass', 'dry-run unbypass'), hostileText(12)).map(([v, seg]) => `${v} ${seg}`),
  fc
    .tuple(
      fc.constantFrom('trace', 'dry-run trace'),
      fc.constantFrom('carol@corp.example', 'me', 'a@b', '<mailto:bob@corp.example|bob>'),
      hostileText(5),
    )
    .map((p) => p.join(' ')),
  fc.array(fc.constantFrom('me', 'alice@corp.example', 'x'), { maxLength: 12 }).map((us) => `status ${us.join(' ')}`),
  hostileText(200),
  fc.constant('x'.repeat(50_000)),
  fc.constant('help'),
);

describe('slack-command under hostile input', () => {
  let nonce = 0;
  /** A form body made unique (a field Slack does not send), so no fresh request looks like a replay. */
  const unique = (body: string) => `${body}${body ? '&' : ''}fuzz_nonce=${nonce++}`;

  it('property: nothing unsigned, stale or re-signed is enqueued', async () => {
    const mutation = fc.oneof(
      fc.constantFrom(
        'no-sig',
        'no-ts',
        'wrong-secret',
        'stale',
        'future',
        'tamper',
        'oversized',
        'base64-garbage',
        'ts-not-signed',
      ),
      fc.record({ flip: fc.nat(), to: hostileChar }),
      fc.record({
        header: fc.constantFrom('x-slack-signature', 'x-slack-request-timestamp'),
        value: fc.oneof(
          hostileText(80),
          fc.constant(`v0=${'0'.repeat(64)}`),
          fc.constant('1e3'),
          fc.constant('  '),
          fc.constant(`${'9'.repeat(400)}`),
        ),
      }),
      fc.record({ dupe: hostileText(40) }),
    );
    await fc.assert(
      fc.asyncProperty(chatLine, mutation, noiseHeaders, async (text, m, noise) => {
        const body = unique(new URLSearchParams(slackFields(text, SLACK_RESPONSE_URL)).toString());
        let d = signSlack(body);
        const now = Math.floor(Date.now() / 1000);
        if (m === 'no-sig')
          d = {
            ...d,
            headers: {
              'content-type': d.headers['content-type']!,
              'x-slack-request-timestamp': d.headers['x-slack-request-timestamp']!,
            },
          };
        else if (m === 'no-ts')
          d = {
            ...d,
            headers: {
              'content-type': d.headers['content-type']!,
              'x-slack-signature': d.headers['x-slack-signature']!,
            },
          };
        else if (m === 'wrong-secret') d = signSlack(body, { secret: 'an-attacker-guess-at-the-secret' });
        else if (m === 'stale') d = signSlack(body, { at: now - 301 - Math.floor(Math.random() * 1e8) });
        else if (m === 'future') d = signSlack(body, { at: now + 301 + Math.floor(Math.random() * 1e6) });
        else if (m === 'tamper') d = { ...d, body: body.replace('fuzz_nonce=', 'fuzz_nonce=9') };
        else if (m === 'oversized') d = signSlack(`${body}&pad=${'p'.repeat(MAX_BODY_BYTES)}`);
        else if (m === 'base64-garbage')
          d = {
            ...d,
            body: Buffer.concat([Buffer.from(body), Buffer.from([0xff, 0xc3, 0x28])]).toString('base64'),
            isBase64Encoded: true,
          };
        else if (m === 'ts-not-signed')
          d = {
            ...d,
            headers: {
              ...d.headers,
              'x-slack-request-timestamp': String(Number(d.headers['x-slack-request-timestamp']) - 1),
            },
          };
        else if (typeof m === 'object' && 'flip' in m)
          d = {
            ...d,
            headers: { ...d.headers, 'x-slack-signature': flip(d.headers['x-slack-signature']!, m.flip + 3, m.to) },
          };
        else if (typeof m === 'object' && 'header' in m) d = { ...d, headers: { ...d.headers, [m.header]: m.value } };
        else if (typeof m === 'object' && 'dupe' in m) {
          const { 'x-slack-signature': _s, ...rest } = d.headers;
          d = { ...d, headers: { ...rest, 'X-Slack-Signature': m.dupe, 'X-SLACK-SIGNATURE': `v0=${'1'.repeat(64)}` } };
        }
        await check('unsigned', { ...d, headers: { ...noise, ...d.headers } });
      }),
      { numRuns: RUNS.slackUnsigned },
    );
  });

  it('property: a signed hostile slash command is answered (200 text, or 400 for no slash command), never enqueued unsound', async () => {
    const fieldEdit = fc.record({
      field: fc.constantFrom(
        'text',
        'user_id',
        'user_name',
        'channel_id',
        'response_url',
        'trigger_id',
        'command',
        'team_id',
      ),
      value: fc.oneof(
        hostileText(40),
        fc.constantFrom(
          '',
          'javascript:alert(1)',
          'https://hooks.slack.com/\uFFFF',
          'http://127.0.0.1:1/x',
          `https://h.example/${'a'.repeat(5000)}`,
          LOCAL_CHAT.slack.viewer.id,
          LOCAL_CHAT.slack.stranger.id,
        ),
      ),
    });
    const rawTail = fc.constantFrom(
      '&text=a&text=bypass+x+1h+y',
      '&%ZZ=1',
      '&text=%ff%fe',
      '&text=%EF%BF%BF',
      '&=&&&',
      '&__proto__[polluted]=yes',
      '&constructor[prototype][polluted]=yes',
      '&user_id=',
      '&response_url=',
    );
    await fc.assert(
      fc.asyncProperty(
        chatLine,
        fc.array(fieldEdit, { maxLength: 3 }),
        fc.option(rawTail),
        fc.constantFrom(...CONTENT_TYPES),
        fc.boolean(),
        async (text, edits, tail, ct, drop) => {
          const fields = slackFields(text, SLACK_RESPONSE_URL);
          for (const e of edits) fields[e.field] = e.value;
          if (drop && edits[0]) delete fields[edits[0].field];
          const body = unique(`${new URLSearchParams(fields).toString()}${tail ?? ''}`);
          const d = signSlack(body);
          const { a } = await check('signed', { ...d, headers: { ...d.headers, 'content-type': ct } });
          expect([200, 400]).toContain(a.status);
          if (a.status === 200) expect(a.json).toMatchObject({ response_type: 'ephemeral', text: expect.any(String) });
        },
      ),
      { numRuns: RUNS.slackHostile },
    );
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('a signed request answered once is refused as a replay, however its signature is re-spelled', async () => {
    for (let i = 0; i < RUNS.chatReplay / 2; i++) {
      const d = signSlack(
        unique(new URLSearchParams(slackFields('bypass payroll-app 1h fuzz replay', SLACK_RESPONSE_URL)).toString()),
      );
      await check('valid', d);
      const sig = d.headers['x-slack-signature']!;
      const respelled = [sig, `v0=${sig.slice(3).toUpperCase()}`, ` ${sig} `][i % 3]!;
      const replay = await check('unsigned', { ...d, headers: { ...d.headers, 'x-slack-signature': respelled } });
      expect(replay.a.status).toBe(401);
    }
  });
});

// ---------- teams-webhook ----------

describe('teams-webhook under hostile input', () => {
  it('property: nothing unsigned, stale or replayed is enqueued', async () => {
    const mutation = fc.oneof(
      fc.constantFrom('no-auth', 'wrong-token', 'tamper', 'stale', 'future', 'oversized', 'base64-garbage', 'bearer'),
      fc.record({ flip: fc.nat(), to: hostileChar }),
      fc.record({
        value: fc.oneof(
          hostileText(60),
          fc.constant(`HMAC ${'A'.repeat(43)}=`),
          fc.constant('HMAC'),
          fc.constant(`hmac  ${'/'.repeat(43)}=`),
          fc.constant('q'.repeat(30_000)),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(chatLine, mutation, noiseHeaders, async (text, m, noise) => {
        const now = Math.floor(Date.now() / 1000);
        const body = JSON.stringify(teamsActivity(text));
        let d = signTeams(body);
        if (m === 'no-auth') d = { ...d, headers: { 'content-type': 'application/json' } };
        else if (m === 'wrong-token')
          d = signTeams(body, Buffer.from('an-attacker-guess-at-the-token').toString('base64'));
        else if (m === 'tamper') d = { ...d, body: body.replace('"type":"message"', '"type":"messagE"') };
        else if (m === 'stale')
          d = signTeams(JSON.stringify(teamsActivity(text, now - 301 - Math.floor(Math.random() * 1e8))));
        else if (m === 'future')
          d = signTeams(JSON.stringify(teamsActivity(text, now + 301 + Math.floor(Math.random() * 1e6))));
        else if (m === 'oversized') d = signTeams(`${body.slice(0, -1)},"pad":"${'p'.repeat(MAX_BODY_BYTES)}"}`);
        else if (m === 'base64-garbage')
          d = {
            ...d,
            body: Buffer.concat([Buffer.from(body), Buffer.from([0xed, 0xa0, 0x80])]).toString('base64'),
            isBase64Encoded: true,
          };
        else if (m === 'bearer')
          d = { ...d, headers: { ...d.headers, authorization: d.headers.authorization!.replace('HMAC', 'Bearer') } };
        else if (typeof m === 'object' && 'flip' in m)
          d = {
            ...d,
            headers: { ...d.headers, authorization: `HMAC ${flip(d.headers.authorization!.slice(5), m.flip, m.to)}` },
          };
        else if (typeof m === 'object' && 'value' in m) d = { ...d, headers: { ...d.headers, authorization: m.value } };
        await check('unsigned', { ...d, headers: { ...noise, ...d.headers } });
      }),
      { numRuns: RUNS.teamsUnsigned },
    );
  });

  it('property: a signed hostile activity is answered, never 5xx, and what it enqueues is sound', async () => {
    const paths = [
      'text',
      'id',
      'type',
      'timestamp',
      'from',
      'from.id',
      'from.name',
      'from.aadObjectId',
      'from.userPrincipalName',
      'channelData',
      'channelData.channel.id',
      'entities',
    ];
    const edit = fc.record({ path: fc.constantFrom(...paths), value: hostileValue });
    await fc.assert(
      fc.asyncProperty(
        chatLine,
        fc.array(edit, { maxLength: 3 }),
        fc.option(fc.nat()),
        fc.nat(),
        async (text, edits, rawPick, seed) => {
          const activity = teamsActivity(text);
          for (const e of edits) setPath(activity, e.path, e.value);
          let body = JSON.stringify(activity);
          if (rawPick !== null) body = fc.sample(hostileRawBody(body), { numRuns: 1, seed: seed + rawPick })[0]!;
          const { a } = await check('signed', signTeams(body));
          // 401 only where the edit made the activity a replay or stale (its id or time), or the body is not one.
          if (a.status === 401)
            expect(rawPick !== null || edits.some((e) => e.path === 'id' || e.path === 'timestamp')).toBe(true);
          if (a.status === 200) expect(a.json).toMatchObject({ type: 'message', text: expect.any(String) });
        },
      ),
      { numRuns: RUNS.teamsHostile },
    );
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('the same activity a second time is refused and enqueues nothing', async () => {
    for (let i = 0; i < RUNS.chatReplay / 2; i++) {
      const d = signTeams(JSON.stringify(teamsActivity('unbypass payroll-app')));
      await check('valid', d);
      expect((await check('unsigned', d)).a.status).toBe(401);
    }
  });
});

// ---------- characters SQS refuses, through each chat function ----------

describe('characters SQS refuses, through each chat function (real middy chain, real SQS client)', () => {
  const slack = (text: string, fields: Record<string, string> = {}) =>
    signSlack(new URLSearchParams({ ...slackFields(text, SLACK_RESPONSE_URL), ...fields }).toString());
  const teams = (text: string, from: Record<string, string> = {}) => {
    const a = teamsActivity(text);
    Object.assign(a.from as object, from);
    return signTeams(JSON.stringify(a));
  };

  it.each([
    ['slack', () => slack('bypass payroll-app 2h patch\uFFFF db\uFFFE', { user_name: 'ali\uFFFFce' }), 'alice'],
    [
      'teams',
      () => teams('bypass payroll-app 2h patch\uFFFF db\uFFFE', { name: 'Alice\uFFFE Example' }),
      'Alice Example',
    ],
  ] as const)('%s: a reason and a display name holding U+FFFE/U+FFFF are enqueued cleaned', async (_fn, d, name) => {
    const { sends } = await check('valid', d());
    expect(sends[0]!.body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(sends[0]!.command).toMatchObject({ type: 'bypass.apply', reason: 'patch db' });
    expect((sends[0]!.command as { requestedBy: { name?: string } }).requestedBy.name).toBe(name);
  });

  it.each([
    ['slack', () => slack('bypass pay\uFFFFroll 2h x')],
    ['slack', () => slack('unbypass payroll\uFFFE')],
    ['slack', () => slack('status', { response_url: 'https://hooks.slack.com/commands/T0/1/\uFFFF' })],
    ['teams', () => teams('bypass pay\uFFFFroll 2h x')],
    ['teams', () => teams('status', { aadObjectId: `${LOCAL_CHAT.teams.oncall.aadObjectId}\uFFFF` })],
  ] as const)(
    '%s: a segment, id or reply URL holding one is answered with what was wrong; nothing is sent',
    async (_fn, d) => {
      const { a, sends } = await check('signed', d());
      expect(a.status).toBe(200);
      expect(sends).toEqual([]);
      expect((a.json as { text: string }).text).toMatch(
        /^That cannot be done as typed: .* holds U\+FFF[EF], a character that cannot be sent on/,
      );
    },
  );
});

// ---------- over real HTTP, through the local gateway ----------

describe('the local HTTP API under hostile input', () => {
  it('property: raw paths, duplicate header lines and raw bytes never break it or enqueue anything unsigned', async () => {
    const pathArb = fc.oneof(
      fc.constantFrom(
        '/webhooks/%ff',
        '/webhooks/%',
        '/webhooks/%e0%80%af',
        '/webhooks/%2e%2e%2fchat%2fslack',
        '/webhooks/..%2fchat',
        '/webhooks//pagerduty',
        '/webhooks/pagerduty/',
        '/webhooks/__proto__',
        '/webhooks/constructor',
        '/chat/slack%00',
        '/chat/teams?x=%ff',
        '/webhooks/pager%64uty?token=%ff',
        '/WEBHOOKS/pagerduty',
        '/webhooks/%c0%ae',
        '/',
      ),
      fc
        .array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 })
        .map((bytes) => `/webhooks/${bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`),
    );
    const headerValue = fc.string({ unit: fc.constantFrom(...'abcdefXYZ0189=+/ ,;:v'.split('')), maxLength: 80 });
    const requestArb = fc.oneof(
      // A signed, valid request with duplicate signature lines (the gateway joins them with ", ").
      fc.record({
        kind: fc.constant('duplicate-lines' as const),
        fn: fc.constantFrom('pagerduty', 'slack', 'teams'),
        extra: headerValue,
        first: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('path' as const), path: pathArb, body: fc.uint8Array({ maxLength: 200 }) }),
      fc.record({
        kind: fc.constant('raw-bytes' as const),
        fn: fc.constantFrom('pagerduty', 'generic', 'slack', 'teams'),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
        ct: fc.constantFrom(...CONTENT_TYPES.filter(Boolean)),
      }),
      fc.record({ kind: fc.constant('valid' as const), fn: fc.constantFrom(...INCIDENT_SOURCES, 'slack', 'teams') }),
    );
    const toHeaders = (h: Record<string, string>): [string, string][] => Object.entries(h);
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        if (r.kind === 'path') {
          const d: Delivery = { fn: 'incident', body: '', headers: {} };
          await check('unsigned', d, 'http', {
            path: r.path,
            headers: [['content-type', 'application/json']],
            body: Buffer.from(r.body),
          });
          return;
        }
        const valid = (fn: string): Delivery =>
          fn === 'slack'
            ? signSlack(new URLSearchParams(slackFields('status', SLACK_RESPONSE_URL)).toString())
            : fn === 'teams'
              ? signTeams(JSON.stringify(teamsActivity('status')))
              : signIncident(fn as SourceName, JSON.stringify(incidentBody(fn as SourceName)));
        const pathOf = (d: Delivery) =>
          (d.fn === 'incident' ? edge.paths.incident.replace('{source}', d.source!) : edge.paths[d.fn]) +
          (d.query ? `?${new URLSearchParams(d.query).toString()}` : '');
        if (r.kind === 'valid') {
          const d = valid(r.fn);
          await check('valid', d, 'http', {
            path: pathOf(d),
            headers: toHeaders(d.headers),
            body: Buffer.from(d.body),
          });
          return;
        }
        if (r.kind === 'duplicate-lines') {
          const d = valid(r.fn);
          const name = authHeaderOf(d)!;
          const lines = toHeaders(d.headers).filter(([k]) => k !== name);
          const pair: [string, string][] = [
            [name, d.headers[name]!],
            [name, r.extra],
          ];
          // Joined, the value is "<good>, <extra>": PagerDuty reads each v1 entry (its rotation form) and may
          // accept; Slack and Teams take one signature and refuse the joined text.
          await check('signed', d, 'http', {
            path: pathOf(d),
            headers: [...lines, ...(r.first ? pair : pair.reverse())],
            body: Buffer.from(d.body),
          });
          return;
        }
        // Signed over the text, then sent as other bytes: a non-UTF-8 tail (text types arrive as U+FFFD,
        // others base64-encoded and refused as not UTF-8).
        const d = valid(r.fn);
        const bytes = Buffer.concat([Buffer.from(d.body), Buffer.from(r.bytes), Buffer.from([0xff])]);
        await check('unsigned', d, 'http', {
          path: pathOf(d),
          headers: toHeaders({ ...d.headers, 'content-type': r.ct }),
          body: bytes,
        });
      }),
      { numRuns: RUNS.http },
    );
    // Still up, still accepting.
    const d = signIncident('pagerduty', JSON.stringify(incidentBody('pagerduty')));
    await check('valid', d, 'http', {
      path: '/webhooks/pagerduty',
      headers: Object.entries(d.headers),
      body: Buffer.from(d.body),
    });
  });
});

// ---------- totals and the log scan ----------

describe('after the fuzz', () => {
  it('sent at least 10,000 requests with 0 × 5xx and no crash', () => {
    const crashes = consoleErrors.mock.calls.filter((c: unknown[]) => String(c[0]).includes('handler crashed'));
    expect(crashes).toEqual([]);
    console.log(
      `fuzz: ${counts.requests} requests (${counts.http} over HTTP), ${counts.enqueued} commands enqueued, ` +
        `statuses ${JSON.stringify(counts.byStatus)}, slowest ${Math.round(counts.maxMs)} ms, ` +
        `${edge.secretReads()} Secrets Manager reads`,
    );
    expect(counts.requests).toBeGreaterThanOrEqual(10_000);
    expect(Object.keys(counts.byStatus).filter((s) => Number(s) >= 500)).toEqual([]);
  });

  it('no log line and no answer carries a secret, in any encoding', () => {
    const needles = secretNeedles();
    expect(needles.length).toBeGreaterThan(50);
    const scan = (lines: string[]) => {
      const found: string[] = [];
      for (const [i, line] of lines.entries())
        for (const { what, needle } of needles)
          if (line.includes(needle)) found.push(`${what} in line ${i}: ${line.slice(0, 200)}`);
      return found;
    };
    // The scanner finds what it looks for: a key in hex, a token in base64, a capability URL URL-encoded.
    for (const planted of [
      `{"k":"${Buffer.from(FUZZ_SECRETS.teams.securityToken, 'base64').toString('hex')}"}`,
      `{"t":"${Buffer.from(FUZZ_SECRETS.slack.botToken).toString('base64')}"}`,
      `{"u":"${encodeURIComponent(FUZZ_SECRETS.teams.replyUrl)}"}`,
      `{"p":"${FUZZ_SECRETS.servicenow.basicAuth[0].password}"}`,
    ])
      expect(scan([planted]).length, planted).toBeGreaterThan(0);
    const hits = scan([...edge.lines, ...answers]);
    console.log(
      `log scan: ${edge.lines.length} log lines and ${answers.length} answers against ${needles.length} secret forms: ${hits.length} hits`,
    );
    expect(hits).toEqual([]);
    // The scan looked at real traffic: refusals and acceptances were both logged.
    expect(edge.lines.some((l) => l.includes('"reason":"unauthorized"') || l.includes('unauthorized'))).toBe(true);
    expect(edge.lines.some((l) => l.includes('enqueued'))).toBe(true);
  });
});
