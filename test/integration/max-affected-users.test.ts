/**
 * MAX_AFFECTED_USERS end to end, over loopback: the local stack with the cap set to 2 (serverless.yml's
 * `maxAffectedUsers` param, overridden as a stage would) — a signed generic webhook naming three users is answered
 * 202 with the third counted as omitted, and the trace reconciler traces the devices of the first two only; a
 * PagerDuty open naming nobody whose alerts name three is traced for the first two its REST lookup found.
 * Signed webhook → local HTTP API → the real incident-webhook handler → local SQS → the real trace reconciler →
 * the ZDX simulator over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRETS } from '../../local/fakeSecrets.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { signGenericPayload } from '../../shared/incidents/generic.js';
import { eventually, pagerDutyDelivery, post } from '../helpers/webhooks.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    handlerSource: 'src',
    // A 5-minute trace lasts 15 s here: it is still running when the assertions look.
    simulator: { timeScale: 20 },
    env: { MAX_AFFECTED_USERS: '2', TRACE_CHECK_DELAY_SECONDS: '1', LOG_LEVEL: 'warn' },
    retryDelaySeconds: 1,
  });
}, 30_000);
afterAll(() => stack?.stop());

type Trace = { user: string; device: string; trace_details: { session_name: string } };
const tracesOf = async (session: string): Promise<Trace[]> =>
  (
    (await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as { products: { zdx: { traces: Trace[] } } }
  ).products.zdx.traces.filter((t) => t.trace_details.session_name === session);
const usersTraced = async (session: string) => [...new Set((await tracesOf(session)).map((t) => t.user))].sort();

const generic = (body: Record<string, unknown>) => {
  const raw = JSON.stringify(body);
  const ts = Math.floor(Date.now() / 1000);
  return {
    body: raw,
    headers: {
      'content-type': 'application/json',
      'x-signature': signGenericPayload(raw, LOCAL_WEBHOOK_SECRETS.generic[0]!, ts),
      'x-signature-timestamp': String(ts),
    },
  };
};

describe('MAX_AFFECTED_USERS=2 through the deployed path', () => {
  it('a webhook naming three users: 202 counts one omitted, and only the first two are traced', async () => {
    const res = await post(
      `${stack.gatewayUrl}/webhooks/generic`,
      generic({
        event_id: 'evt-cap-1',
        incident_id: 'INCCAP1',
        action: 'opened',
        user_emails: ['alice@corp.example', 'carol@corp.example', 'bob@corp.example'],
        service: 'Payroll Portal',
      }),
    );
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      status: 'accepted',
      command: 'trace.start',
      usersOmitted: 1,
      note: 'the event names 3 affected users; the first 2 are acted on, the other 1 are not (the limit per incident event)',
    });
    // Alice has one device and Carol two: three traces, started in the run that looked them up together.
    await eventually(
      async () => ((await tracesOf('zea:generic:INCCAP1')).length >= 3 ? true : undefined),
      20_000,
      'traces for INCCAP1',
    );
    // A few more runs of the reconciler (ticks, checks) add nobody.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await usersTraced('zea:generic:INCCAP1')).toEqual(['alice@corp.example', 'carol@corp.example']);
    expect(await tracesOf('zea:generic:INCCAP1')).toHaveLength(3);
  }, 60_000);

  it('a PagerDuty open naming nobody: of the three users its alerts name, the first two are traced', async () => {
    stack.vendors.pagerduty.seedIncident('QCAP2', {
      alerts: [
        // Other users than the first test's: a device runs one trace at a time, and those are still running.
        { id: 'PCAP1', body: { details: { affected_user: 'peggy@corp.example' } } },
        { id: 'PCAP2', body: { details: { affected_user: 'olivia@corp.example' } } },
        { id: 'PCAP3', body: { details: { affected_user: 'quinn@corp.example' } } },
      ],
    });
    const res = await post(
      `${stack.gatewayUrl}/webhooks/pagerduty`,
      pagerDutyDelivery({ kind: 'triggered', incidentId: 'QCAP2' }),
    );
    expect(res.status).toBe(202);
    await eventually(
      async () => ((await tracesOf('zea:pagerduty:QCAP2')).length >= 2 ? true : undefined),
      20_000,
      'traces for QCAP2',
    );
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await usersTraced('zea:pagerduty:QCAP2')).toEqual(['olivia@corp.example', 'peggy@corp.example']);
  }, 60_000);
});
