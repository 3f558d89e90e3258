/**
 * PagerDuty's affected user found for real: a v3 incident webhook carries no alert details, so an open that names
 * nobody is enqueued with `findUsers`, and the trace reconciler reads the incident's alerts and custom field
 * values from PagerDuty's REST API (the local stand-in, reached with the reports secret's token) at the configured
 * `PAGERDUTY_EMAIL_FIELDS`, then traces that user's device. An incident whose alerts name nobody is reported once.
 * Signed webhook → local HTTP API → local SQS → the real trace-reconciler handler → the ZDX simulator over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { eventually, pagerDutyDelivery } from '../helpers/webhooks.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    handlerSource: 'src',
    simulator: { timeScale: 20 },
    env: { TRACE_CHECK_DELAY_SECONDS: '1', LOG_LEVEL: 'warn' },
    retryDelaySeconds: 1,
  });
}, 30_000);
afterAll(() => stack?.stop());

type Trace = { trace_details: { session_name: string } };
const traces = async (): Promise<Trace[]> =>
  ((await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as { products: { zdx: { traces: Trace[] } } })
    .products.zdx.traces;
const post = (d: { body: string; headers: Record<string, string> }) =>
  fetch(`${stack.gatewayUrl}/webhooks/pagerduty`, {
    method: 'POST',
    body: d.body,
    headers: { 'content-type': 'application/json', ...d.headers },
  });

describe('PagerDuty: the affected user read from its REST API', () => {
  it('an open naming nobody is traced for the user its alert names', async () => {
    stack.vendors.pagerduty.seedIncident('QLOOKUP1', {
      alerts: [{ id: 'PALERT1', body: { details: { affected_user: 'bob@corp.example', note: 'VPN slow' } } }],
    });
    const res = await post(pagerDutyDelivery({ kind: 'triggered', incidentId: 'QLOOKUP1' }));
    expect(res.status).toBe(202);
    await eventually(
      async () => (await traces()).some((t) => t.trace_details.session_name === 'zea:pagerduty:QLOOKUP1') || undefined,
      20_000,
      'a trace for QLOOKUP1',
    );
    const asked = stack.vendors.recorded.filter(
      (r) => r.vendor === 'pagerduty' && r.method === 'GET' && r.path.startsWith('/incidents/QLOOKUP1/'),
    );
    expect(asked.map((r) => r.path).sort()).toEqual([
      '/incidents/QLOOKUP1/alerts',
      '/incidents/QLOOKUP1/custom_fields/values',
    ]);
    const started = await stack.receiver.waitFor(
      (r) =>
        (r.body as { kind?: string; text?: string }).kind === 'trace.started' &&
        String((r.body as { text: string }).text).length > 0 &&
        JSON.stringify(r.body).includes('QLOOKUP1'),
    );
    expect(started).toBeDefined();
    await post(pagerDutyDelivery({ kind: 'resolved', incidentId: 'QLOOKUP1' }));
    await eventually(
      async () =>
        (await traces()).some((t) => t.trace_details.session_name === 'zea:pagerduty:QLOOKUP1') ? undefined : true,
      20_000,
      'QLOOKUP1 stopped',
    );
  }, 60_000);

  it('an incident whose alerts and custom fields name nobody is reported once, not traced', async () => {
    stack.vendors.pagerduty.seedIncident('QLOOKUP2', {
      alerts: [{ id: 'PALERT2', body: { details: { note: 'no user' } } }],
    });
    expect((await post(pagerDutyDelivery({ kind: 'triggered', incidentId: 'QLOOKUP2' }))).status).toBe(202);
    const failed = await stack.receiver.waitFor(
      (r) => (r.body as { kind?: string }).kind === 'trace.start.failed' && JSON.stringify(r.body).includes('QLOOKUP2'),
    );
    expect((failed.body as { text: string }).text).toBe(
      'Could not start a deep trace for the incident QLOOKUP2: no affected user found in pagerduty for the incident (its alerts and custom fields)',
    );
    await new Promise((r) => setTimeout(r, 2_500));
    expect(stack.receiver.received.filter((r) => JSON.stringify(r.body).includes('QLOOKUP2'))).toHaveLength(1);
    expect((await traces()).some((t) => t.trace_details.session_name === 'zea:pagerduty:QLOOKUP2')).toBe(false);
  }, 60_000);
});
