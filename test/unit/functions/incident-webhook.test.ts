/** The incident webhook's real middy chain with an in-memory queue: what is enqueued, and what is not. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../../functions/incident-webhook/app.js';
import type { Command } from '../../../shared/commands/contract.js';
import { quietLogger } from '../../helpers/zscaler.js';
import { pagerDutyDelivery } from '../../helpers/webhooks.js';

const SECRETS = { pagerduty: ['local-fake-pagerduty-signing-secret'], generic: ['local-fake-generic-signing-secret'] };

function setup(extra: { maxEventAgeSeconds?: number } = {}) {
  const sent: Command[] = [];
  let secretReads = 0;
  const { logger, lines } = quietLogger();
  const handler = makeHandler({
    queue: { send: async (c) => void sent.push(c) },
    secrets: { get: async () => (secretReads++, SECRETS), refresh: async () => (secretReads++, SECRETS) },
    logger,
    emailFields: ['custom_details.affected_user'],
    maxBodyBytes: 4096,
    ...extra,
  });
  const call = async (source: string, body: string, headers: Record<string, string>, isBase64Encoded = false) =>
    (await handler(
      {
        rawPath: `/webhooks/${source}`,
        pathParameters: { source },
        headers,
        body,
        isBase64Encoded,
        requestContext: {},
      } as unknown as APIGatewayProxyEventV2,
      { getRemainingTimeInMillis: () => 5000 } as Context,
    )) as APIGatewayProxyStructuredResultV2;
  const warnings = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
  return { sent, call, secretReads: () => secretReads, warnings };
}

describe('incident-webhook handler', () => {
  it('enqueues a trace.start for a signed incident.triggered and answers 202 with the command id', async () => {
    const { sent, call } = setup();
    const d = pagerDutyDelivery({ kind: 'triggered', incidentId: 'Q1', email: 'Alice@Corp.Example', eventId: 'evt-1' });
    const res = await call('pagerduty', d.body, d.headers);
    expect(res.statusCode).toBe(202);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: 'trace.start',
      userEmails: ['alice@corp.example'],
      incident: { source: 'pagerduty', incidentId: 'Q1', service: 'Payroll Portal' },
    });
    expect(JSON.parse(res.body!).commandId).toBe(sent[0]!.id);
  });

  it('gives a redelivery the same command id', async () => {
    const { sent, call } = setup();
    const d = pagerDutyDelivery({
      kind: 'triggered',
      incidentId: 'Q1',
      email: 'alice@corp.example',
      eventId: 'evt-same',
    });
    await call('pagerduty', d.body, d.headers);
    await call('pagerduty', d.body, d.headers);
    expect(sent[0]!.id).toBe(sent[1]!.id);
  });

  it('accepts a base64-encoded body from API Gateway', async () => {
    const { sent, call } = setup();
    const d = pagerDutyDelivery({ kind: 'resolved', incidentId: 'Q2', email: 'bob@corp.example' });
    const res = await call('pagerduty', Buffer.from(d.body).toString('base64'), d.headers, true);
    expect(res.statusCode).toBe(202);
    expect(sent[0]?.type).toBe('trace.stop');
  });

  it.each([
    [
      'a tampered body',
      (d: { body: string; headers: Record<string, string> }) => ({ ...d, body: d.body.replace('Q3', 'Q4') }),
    ],
    [
      'a missing signature',
      (d: { body: string; headers: Record<string, string> }) => ({
        ...d,
        headers: { 'content-type': 'application/json' },
      }),
    ],
    [
      'a signature from another secret',
      () =>
        pagerDutyDelivery({
          kind: 'triggered',
          incidentId: 'Q3',
          email: 'alice@corp.example',
          secret: 'some-other-secret-entirely',
        }),
    ],
  ])('answers 401 to %s and enqueues nothing', async (_name, mutate) => {
    const { sent, call } = setup();
    const d = mutate(pagerDutyDelivery({ kind: 'triggered', incidentId: 'Q3', email: 'alice@corp.example' }));
    const res = await call('pagerduty', d.body, d.headers);
    expect(res.statusCode).toBe(401);
    expect(sent).toHaveLength(0);
  });

  it('answers 413 to an oversized body and 400 to a schema error, enqueueing nothing', async () => {
    const { sent, call } = setup();
    const big = 'x'.repeat(5000);
    expect((await call('pagerduty', big, {})).statusCode).toBe(413);
    const body = JSON.stringify({ event: { id: 'e', event_type: 'incident.triggered' } });
    const sig = createHmac('sha256', SECRETS.pagerduty[0]!).update(body).digest('hex');
    const res = await call('pagerduty', body, { 'x-pagerduty-signature': `v1=${sig}` });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).message).toMatch(/event/);
    expect(sent).toHaveLength(0);
  });

  it('answers 404 for an unknown source and 2xx without enqueueing for events that need no action', async () => {
    const { sent, call } = setup();
    expect((await call('nagios', '{}', {})).statusCode).toBe(404);
    // An acknowledgement needs no action.
    const acked = JSON.parse(pagerDutyDelivery({ kind: 'triggered', incidentId: 'Q5' }).body);
    acked.event.event_type = 'incident.acknowledged';
    const body = JSON.stringify(acked);
    const sig = createHmac('sha256', SECRETS.pagerduty[0]!).update(body).digest('hex');
    const res = await call('pagerduty', body, { 'x-pagerduty-signature': `v1=${sig}` });
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body!)).toMatchObject({ status: 'ignored' });
    expect(sent).toHaveLength(0);
  });

  it('a PagerDuty open naming no affected user is enqueued for the trace reconciler to ask PagerDuty (findUsers)', async () => {
    const { sent, call } = setup();
    const d = pagerDutyDelivery({ kind: 'triggered', incidentId: 'Q6' }); // v3 webhooks carry no alert details
    const res = await call('pagerduty', d.body, d.headers);
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body!)).toMatchObject({ status: 'accepted', command: 'trace.start' });
    expect(sent).toEqual([expect.objectContaining({ type: 'trace.start', userEmails: [], findUsers: true })]);
  });

  describe('replay bound on the signed event time', () => {
    afterEach(() => vi.useRealTimers());
    const ago = (sec: number) => new Date(Date.now() - sec * 1000).toISOString();

    it('ignores a captured incident.triggered replayed after the resolve, once it is older than an hour', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const { sent, call, warnings } = setup();
      const triggered = pagerDutyDelivery({
        kind: 'triggered',
        incidentId: 'QR',
        email: 'alice@corp.example',
        eventId: 'evt-t',
      });
      const resolved = pagerDutyDelivery({
        kind: 'resolved',
        incidentId: 'QR',
        email: 'alice@corp.example',
        eventId: 'evt-r',
      });
      expect((await call('pagerduty', triggered.body, triggered.headers)).statusCode).toBe(202);
      vi.setSystemTime(Date.now() + 10 * 60_000);
      expect((await call('pagerduty', resolved.body, resolved.headers)).statusCode).toBe(202);
      expect(sent.map((c) => c.type)).toEqual(['trace.start', 'trace.stop']);
      vi.setSystemTime(Date.now() + 60 * 60_000); // 70 minutes after it was signed
      const res = await call('pagerduty', triggered.body, triggered.headers);
      expect(res.statusCode).toBe(202);
      expect(JSON.parse(res.body!)).toEqual({
        status: 'ignored',
        reason: expect.stringMatching(/^the event happened 4200 s ago, more than the 3600 s accepted/),
      });
      expect(sent).toHaveLength(2);
      expect(warnings()).toEqual([
        expect.objectContaining({
          msg: 'signed incident event outside the accepted time window; ignored',
          eventId: 'evt-t',
          incidentId: 'QR',
        }),
      ]);
    });

    it.each([
      ['2 hours old', ago(7200), 'ignored'],
      ['10 minutes in the future', ago(-600), 'ignored'],
      ['59 minutes old', ago(3540), 'accepted'],
      ['4 minutes in the future (clock skew)', ago(-240), 'accepted'],
    ])('an event %s is %s', async (_what, occurredAt, status) => {
      const { sent, call } = setup();
      const d = pagerDutyDelivery({ kind: 'triggered', incidentId: 'QT', email: 'alice@corp.example', occurredAt });
      const res = await call('pagerduty', d.body, d.headers);
      expect(res.statusCode).toBe(202);
      expect(JSON.parse(res.body!)).toMatchObject({ status });
      expect(sent).toHaveLength(status === 'accepted' ? 1 : 0);
    });

    it('takes the bound from configuration', async () => {
      const { sent, call } = setup({ maxEventAgeSeconds: 60 });
      const d = pagerDutyDelivery({
        kind: 'resolved',
        incidentId: 'QC',
        email: 'alice@corp.example',
        occurredAt: ago(120),
      });
      expect(JSON.parse((await call('pagerduty', d.body, d.headers)).body!)).toEqual({
        status: 'ignored',
        reason: expect.stringContaining('more than the 60 s accepted'),
      });
      expect(sent).toEqual([]);
    });

    it('answers 400 to a signed incident event without an event time, enqueueing nothing', async () => {
      const { sent, call } = setup();
      const d = pagerDutyDelivery({
        kind: 'triggered',
        incidentId: 'QN',
        email: 'alice@corp.example',
        occurredAt: null,
      });
      const res = await call('pagerduty', d.body, d.headers);
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body!).message).toMatch(/event\.occurred_at: a date is required/);
      expect(sent).toEqual([]);
    });
  });
});
