/**
 * Every incident source end to end, over loopback: a vendor-shaped delivery, authenticated as that vendor does
 * it, → the real incident-webhook handler (real middy chain) behind the local HTTP API → local SQS → the trace
 * reconciler → a deep trace in the ZDX simulator named after the vendor's incident id; the same delivery again
 * changes nothing; the vendor's resolve stops the trace; a wrong signature or token is answered 401 and starts
 * nothing. The bodies are the fixtures of test/fixtures/webhooks with their times set to now (ingest ignores
 * events older than an hour).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRETS } from '../../local/fakeSecrets.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { signRootlyPayload } from '../../shared/incidents/rootly.js';
import { signServiceNowPayload } from '../../shared/incidents/servicenow.js';
import { signStandardWebhook } from '../../shared/webhooks/standardWebhooks.js';
import { eventually } from '../helpers/webhooks.js';
import { readFixture } from '../unit/incidents/helpers.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    handlerSource: 'src',
    // A 5-minute trace lasts 15 s here: long enough to be stopped by the resolve, not by its own end.
    simulator: { timeScale: 20 },
    env: { TRACE_CHECK_DELAY_SECONDS: '1', LOG_LEVEL: 'warn' },
    retryDelaySeconds: 1,
  });
}, 30_000);
afterAll(() => stack?.stop());

type Trace = { trace_id: number; status: string; trace_details: { session_name: string } };
const traces = async (): Promise<Trace[]> =>
  ((await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as { products: { zdx: { traces: Trace[] } } })
    .products.zdx.traces;

interface Delivery {
  body: string;
  headers: Record<string, string>;
  query?: string;
}
const post = async (source: string, d: Delivery) => {
  const r = await fetch(`${stack.gatewayUrl}/webhooks/${source}${d.query ?? ''}`, {
    method: 'POST',
    body: d.body,
    headers: { 'content-type': 'application/json', ...d.headers },
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

const json = (name: string) => JSON.parse(readFixture(name)) as Record<string, any>;
const nowSec = () => Math.floor(Date.now() / 1000);
const snowTime = () => new Date().toISOString().slice(0, 19).replace('T', ' ');
const S = LOCAL_WEBHOOK_SECRETS;

/** Per source: the open, the resolve, a forged delivery, and the incident id its session name carries. */
const SOURCES: Record<
  string,
  { incidentId: string; open: () => Delivery; resolve: () => Delivery; forged: () => Delivery }
> = {
  opsgenie: (() => {
    const body = (name: string) => {
      const b = json(name);
      b.alert.createdAt = Date.now();
      b.alert.updatedAt = Date.now() * 1e6;
      return JSON.stringify(b);
    };
    return {
      incidentId: '70413a06-38d6-4c85-92b8-5ebc900d42e2-1764777546138',
      open: () => ({ body: body('opsgenie-create.json'), headers: { 'x-webhook-token': S.opsgenie[0]! } }),
      // A tool that can only set a URL puts the token in the query.
      resolve: () => ({ body: body('opsgenie-close.json'), headers: {}, query: `?token=${S.opsgenie[0]}` }),
      forged: () => ({ body: body('opsgenie-create.json'), headers: { 'x-webhook-token': 'a-guess-at-the-token' } }),
    };
  })(),
  servicenow: (() => {
    const body = (name: string) => JSON.stringify({ ...json(name), sys_updated_on: snowTime() });
    const hmac = (b: string, secret = S.servicenow.hmacSecrets[0]!) => {
      const ts = nowSec();
      return { 'x-servicenow-signature': signServiceNowPayload(b, secret, ts), 'x-servicenow-timestamp': String(ts) };
    };
    const basic = S.servicenow.basicAuth[0]!;
    return {
      incidentId: '9d385017c611228701d22104cc95c371',
      open: () => {
        const b = body('servicenow-insert.json');
        return { body: b, headers: hmac(b) };
      },
      // The other documented way in: basic auth on the REST Message.
      resolve: () => ({
        body: body('servicenow-resolved.json'),
        headers: {
          authorization: `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`,
        },
      }),
      forged: () => {
        const b = body('servicenow-insert.json');
        return { body: b, headers: hmac(b, 'an-attacker-guess-at-the-secret') };
      },
    };
  })(),
  datadog: (() => {
    const body = (name: string) => JSON.stringify({ ...json(name), date: String(Date.now()) });
    return {
      incidentId: '7832917645312098001',
      open: () => ({ body: body('datadog-triggered.json'), headers: { 'x-webhook-token': S.datadog[0]! } }),
      resolve: () => ({ body: body('datadog-recovered.json'), headers: { 'x-webhook-token': S.datadog[0]! } }),
      forged: () => ({ body: body('datadog-triggered.json'), headers: { 'x-webhook-token': S.opsgenie[0]! } }),
    };
  })(),
  incidentio: (() => {
    const body = (name: string, key: string) => {
      const b = json(name);
      b[key].created_at = new Date().toISOString();
      b[key].updated_at = new Date().toISOString();
      return JSON.stringify(b);
    };
    const signed = (b: string, id: string, secret = S.incidentio[0]!) => {
      const ts = nowSec();
      return {
        body: b,
        headers: {
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': signStandardWebhook(b, secret, id, ts),
        },
      };
    };
    const other = `whsec_${Buffer.from('an-attacker-guess-at-the-key').toString('base64')}`;
    return {
      incidentId: '01HZ8V7Q2K3M4N5P6R7S8T9V0W',
      open: () => signed(body('incidentio-created.json', 'public_incident.incident_created_v2'), 'msg_open_1'),
      resolve: () =>
        signed(body('incidentio-resolved.json', 'public_incident.incident_status_updated_v2'), 'msg_resolve_1'),
      forged: () => signed(body('incidentio-created.json', 'public_incident.incident_created_v2'), 'msg_x', other),
    };
  })(),
  rootly: (() => {
    const body = (name: string) => {
      const b = json(name);
      b.event.issued_at = new Date().toISOString();
      return JSON.stringify(b);
    };
    const signed = (b: string, secret = S.rootly[0]!) => ({
      body: b,
      headers: { 'x-rootly-signature': signRootlyPayload(b, secret, nowSec()) },
    });
    return {
      incidentId: '6f2a9d3e-7c41-4b8e-9a15-0c2d4e6f8a10',
      open: () => signed(body('rootly-created.json')),
      resolve: () => signed(body('rootly-resolved.json')),
      forged: () => signed(body('rootly-created.json'), 'an-attacker-guess-at-the-secret'),
    };
  })(),
};

describe('incident sources end to end', () => {
  // One after another: they trace the same user's one laptop, and ZDX allows one trace per device.
  it.each(Object.keys(SOURCES))(
    '%s: a forged delivery is refused; the open starts one trace (twice delivered); the resolve stops it',
    async (source) => {
      const s = SOURCES[source]!;
      const session = `zea:${source}:${s.incidentId}`;

      const forged = await post(source, s.forged());
      expect(forged).toEqual({ status: 401, json: { error: 'unauthorized', message: 'invalid signature' } });

      const open = s.open();
      const [first, again] = [await post(source, open), await post(source, open)];
      expect(first.status).toBe(202);
      expect(first.json).toMatchObject({ status: 'accepted', command: 'trace.start' });
      expect(again.json.commandId).toBe(first.json.commandId);

      await eventually(
        async () => ((await traces()).some((t) => t.trace_details.session_name === session) ? true : undefined),
        20_000,
        `a trace named ${session}`,
      );
      expect((await traces()).filter((t) => t.trace_details.session_name === session)).toHaveLength(1);

      const resolve = await post(source, s.resolve());
      expect(resolve.json).toMatchObject({ status: 'accepted', command: 'trace.stop' });
      expect(resolve.json.commandId).not.toBe(first.json.commandId);
      await eventually(
        async () => ((await traces()).some((t) => t.trace_details.session_name === session) ? undefined : true),
        20_000,
        `${session} stopped`,
      );
    },
    60_000,
  );

  it('answers 404 naming the valid sources for an unknown one', async () => {
    const res = await post('nagios', { body: '{}', headers: {} });
    expect(res.status).toBe(404);
    expect(String(res.json.message)).toBe(
      'unknown webhook source "nagios"; use one of pagerduty, generic, opsgenie, servicenow, datadog, incidentio, rootly',
    );
  });
});
