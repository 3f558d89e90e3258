/**
 * The first capability end to end, over loopback: a signed PagerDuty webhook → the real incident-webhook
 * handler (real middy chain) behind the local HTTP API → local SQS (real SDK) → the real worker via the
 * poller → the ZDX simulator → a report at the callback receiver; then resolve stops the trace.
 */
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { eventually, pagerDutyDelivery, post } from '../helpers/webhooks.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    handlerSource: 'src',
    simulator: { timeScale: 120 },
    env: { TRACE_CHECK_DELAY_SECONDS: '1', LOG_LEVEL: 'warn' },
    retryDelaySeconds: 1,
  });
}, 30_000);
afterAll(() => stack?.stop());

type Trace = { trace_id: number; status: string; trace_details: { session_name: string; device_id: number } };
const traces = async (): Promise<Trace[]> =>
  ((await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as { products: { zdx: { traces: Trace[] } } })
    .products.zdx.traces;
const webhook = () => `${stack.gatewayUrl}/webhooks/pagerduty`;

describe('incident webhook → deep trace', () => {
  it('starts exactly one trace for three deliveries, reports its summary, and stops on resolve', async () => {
    const delivery = pagerDutyDelivery({ kind: 'triggered', incidentId: 'QFLOW1', email: 'alice@corp.example' });
    const replies = await Promise.all([
      post(webhook(), delivery),
      post(webhook(), delivery),
      post(webhook(), delivery),
    ]);
    expect(replies.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(new Set(replies.map((r) => r.json.commandId)).size).toBe(1);

    const ours = await eventually(
      async () => (await traces()).find((t) => t.trace_details.session_name === 'zea:pagerduty:QFLOW1'),
      15_000,
      'trace start',
    );
    // let every duplicate be processed, then there must still be exactly one
    await eventually(() =>
      stack.receiver.received.filter((r) => (r.body as { kind?: string }).kind === 'trace.started').length >= 1
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect((await traces()).filter((t) => t.trace_details.session_name === 'zea:pagerduty:QFLOW1')).toHaveLength(1);

    const report = await stack.receiver.waitFor(
      (r) =>
        (r.body as { kind?: string; data?: { traceId?: string } }).kind === 'trace.completed' &&
        (r.body as { data: { traceId: string } }).data.traceId === String(ours.trace_id),
      25_000,
    );
    const body = report.body as { text: string; data: { series: unknown[]; incident: { incidentId: string } } };
    expect(body.data.incident.incidentId).toBe('QFLOW1');
    expect(body.data.series.length).toBeGreaterThan(0);
    expect(body.text).toContain('Deep trace on');
  });

  it('resolving an incident stops its running trace', async () => {
    const open = await post(
      webhook(),
      pagerDutyDelivery({ kind: 'triggered', incidentId: 'QFLOW2', email: 'carol@corp.example' }),
    );
    expect(open.status).toBe(202);
    await eventually(
      async () =>
        (await traces()).filter((t) => t.trace_details.session_name === 'zea:pagerduty:QFLOW2').length === 2
          ? true
          : undefined,
      15_000,
      "traces on both of carol's devices",
    );
    const resolve = await post(
      webhook(),
      pagerDutyDelivery({ kind: 'resolved', incidentId: 'QFLOW2', email: 'carol@corp.example' }),
    );
    expect(resolve.json.command).toBe('trace.stop');
    await eventually(
      async () =>
        (await traces()).some((t) => t.trace_details.session_name === 'zea:pagerduty:QFLOW2') ? undefined : true,
      15_000,
      'traces stopped',
    );
  });

  it('answers 401 to a bad signature and starts nothing', async () => {
    const res = await post(
      webhook(),
      pagerDutyDelivery({
        kind: 'triggered',
        incidentId: 'QFORGED',
        email: 'alice@corp.example',
        secret: 'an-attacker-guess-at-the-secret',
      }),
    );
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: 'unauthorized', message: 'invalid signature' });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await traces()).some((t) => t.trace_details.session_name.endsWith('QFORGED'))).toBe(false);
    expect(stack.receiver.received.some((r) => JSON.stringify(r.body).includes('QFORGED'))).toBe(false);
  });

  it('answers 400 with the reason to a body that is not valid JSON', async () => {
    const d = pagerDutyDelivery({ kind: 'triggered', incidentId: 'QBAD', email: 'alice@corp.example' });
    const broken = { ...d, body: '{"event": ' };
    const { createHmac } = await import('node:crypto');
    broken.headers = {
      ...d.headers,
      'x-pagerduty-signature': `v1=${createHmac('sha256', 'local-fake-pagerduty-signing-secret').update(broken.body).digest('hex')}`,
    };
    const res = await post(webhook(), broken);
    expect(res.status).toBe(400);
    expect(String(res.json.message)).toMatch(/JSON/);
  });

  it('reports an unknown user once and does not retry it', async () => {
    await post(
      webhook(),
      pagerDutyDelivery({ kind: 'triggered', incidentId: 'QNOBODY', email: 'nobody@corp.example' }),
    );
    const failed = await stack.receiver.waitFor(
      (r) =>
        (r.body as { kind?: string; text?: string }).kind === 'trace.start.failed' &&
        String((r.body as { text: string }).text).includes('nobody@corp.example'),
    );
    expect((failed.body as { ok: boolean }).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 2500));
    expect(
      stack.receiver.received.filter((r) => String((r.body as { text?: string }).text).includes('nobody@corp.example')),
    ).toHaveLength(1);
  });

  it("dead-letters a poisoned message after the redrive policy's receive count", async () => {
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queueUrls.WorkQueue,
        MessageBody: '{"type":"trace.start","this is":"not a command"',
      }),
    );
    const count = await eventually(
      async () => {
        const a = await stack.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: stack.queueUrls.WorkDLQ,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        const n = Number(a.Attributes?.ApproximateNumberOfMessages ?? 0);
        return n > 0 ? n : undefined;
      },
      20_000,
      'the poisoned message in the DLQ',
    );
    expect(count).toBe(1);
  }, 30_000);
});
