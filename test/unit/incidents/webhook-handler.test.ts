/** The incident webhook's real middy chain with an in-memory queue, for the registry's sources. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/incident-webhook/app.js';
import type { Command } from '../../../shared/commands/contract.js';
import { LOCAL_WEBHOOK_SECRETS } from '../../../local/fakeSecrets.js';
import { quietLogger } from '../../helpers/zscaler.js';
import { readFixture } from './helpers.js';

function setup(secrets: Record<string, unknown> = LOCAL_WEBHOOK_SECRETS) {
  const sent: Command[] = [];
  const { logger, lines } = quietLogger();
  const handler = makeHandler({
    queue: { send: async (c) => void sent.push(c) },
    secrets: { get: async () => secrets, refresh: async () => secrets },
    logger,
    emailFields: [],
    opsgenieUserFields: ['affected_user'],
    maxBodyBytes: 8192,
  });
  const call = async (source: string, body: string, headers: Record<string, string>, query?: Record<string, string>) =>
    (await handler(
      {
        rawPath: `/webhooks/${source}`,
        pathParameters: { source },
        headers,
        queryStringParameters: query,
        body,
        isBase64Encoded: false,
        requestContext: {},
      } as unknown as APIGatewayProxyEventV2,
      { getRemainingTimeInMillis: () => 5000 } as Context,
    )) as APIGatewayProxyStructuredResultV2;
  const metrics = () =>
    lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l._aws)
      .map(({ _aws, ...rest }) => rest);
  return { sent, call, metrics };
}

const fresh = () => {
  const b = JSON.parse(readFixture('datadog-triggered.json'));
  b.date = String(Date.now());
  return JSON.stringify(b);
};

describe('incident-webhook handler with the source registry', () => {
  it('enqueues a token-guarded Datadog trigger and counts it as accepted by source', async () => {
    const { sent, call, metrics } = setup();
    const res = await call('datadog', fresh(), { 'x-webhook-token': LOCAL_WEBHOOK_SECRETS.datadog[0]! });
    expect(res.statusCode).toBe(202);
    expect(sent).toEqual([
      expect.objectContaining({
        type: 'trace.start',
        userEmails: ['alice@corp.example'],
        incident: expect.objectContaining({ source: 'datadog', incidentId: '7832917645312098001', priority: 'P2' }),
      }),
    ]);
    expect(metrics()).toContainEqual({ source: 'datadog', WebhooksAccepted: 1 });
  });

  it('answers 401 to a wrong token and counts a rejection, enqueueing nothing', async () => {
    const { sent, call, metrics } = setup();
    const res = await call('datadog', fresh(), { 'x-webhook-token': 'not-the-datadog-token' });
    expect(res.statusCode).toBe(401);
    expect(sent).toEqual([]);
    expect(metrics()).toContainEqual(expect.objectContaining({ reason: 'unauthorized', WebhooksRejected: 1 }));
  });

  it('answers 500 (not exposed) when a source has no section, while the others keep working', async () => {
    const { rootly: _, ...withoutRootly } = LOCAL_WEBHOOK_SECRETS;
    const { call } = setup(withoutRootly);
    const res = await call('rootly', readFixture('rootly-created.json'), { 'x-rootly-signature': 't=1,v1=00' });
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body!)).toEqual({ error: 'internal_error', message: 'internal error' });
    const ok = await call('datadog', fresh(), { 'x-webhook-token': LOCAL_WEBHOOK_SECRETS.datadog[0]! });
    expect(ok.statusCode).toBe(202);
  });

  it('answers 202 ignored to an authenticated event that needs no action, and 400 to a body it cannot read', async () => {
    const { sent, call } = setup();
    const token = { 'x-webhook-token': LOCAL_WEBHOOK_SECRETS.opsgenie[0]! };
    const ack = await call('opsgenie', readFixture('opsgenie-acknowledge.json'), token);
    expect(ack.statusCode).toBe(202);
    expect(JSON.parse(ack.body!)).toMatchObject({ status: 'ignored' });
    const bad = await call('opsgenie', '{"action":"Create"}', token);
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body!).message).toMatch(/alert/);
    expect(sent).toEqual([]);
  });
});
