/** The Teams outgoing-webhook function's real middy chain with an in-memory queue. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/teams-webhook/app.js';
import type { Command } from '../../../shared/commands/contract.js';
import { teamsDelivery } from '../../../local/chatSamples.js';
import { LOCAL_CHAT, LOCAL_CHAT_PERMISSIONS } from '../../../local/fakeChat.js';
import { LOCAL_WEBHOOK_SECRETS } from '../../../local/fakeSecrets.js';
import { parsePermissions } from '../../../shared/chat/permissions.js';
import { quietLogger } from '../../helpers/zscaler.js';

const REPLY_URL = 'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=fake';

function setup(teams: Record<string, unknown> = { ...LOCAL_WEBHOOK_SECRETS.teams, replyUrl: REPLY_URL }) {
  const sent: Command[] = [];
  const { logger, lines } = quietLogger();
  const secrets = { ...LOCAL_WEBHOOK_SECRETS, teams } as never;
  const handler = makeHandler({
    queue: { send: async (c) => void sent.push(c) },
    secrets: { get: async () => secrets, refresh: async () => secrets },
    logger,
    permissions: parsePermissions(LOCAL_CHAT_PERMISSIONS, 'test'),
    maxBodyBytes: 16_384,
  });
  const call = async (d: { body: string; headers: Record<string, string> }) => {
    const res = (await handler(
      {
        headers: d.headers,
        body: d.body,
        isBase64Encoded: false,
        requestContext: {},
      } as unknown as APIGatewayProxyEventV2,
      { getRemainingTimeInMillis: () => 5000 } as Context,
    )) as APIGatewayProxyStructuredResultV2;
    return {
      status: res.statusCode,
      body: JSON.parse(res.body!) as { type?: string; text?: string; error?: string; message?: string },
    };
  };
  const audits = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === 'audit');
  return { sent, call, audits };
}

const signed = (body: string) => ({
  body,
  headers: {
    authorization: `HMAC ${createHmac('sha256', Buffer.from(LOCAL_WEBHOOK_SECRETS.teams.securityToken, 'base64')).update(body).digest('base64')}`,
  },
});

describe('teams-webhook handler', () => {
  it('strips the mention, resolves "me" from the sender, enqueues, and answers with a message', async () => {
    const { call, sent } = setup();
    const res = await call(teamsDelivery({ text: 'trace me 30m', id: 'act-1' }));
    expect(res).toEqual({
      status: 200,
      body: {
        type: 'message',
        text: 'Starting a 30-minute deep trace for alice@corp.example (the result follows here).',
      },
    });
    expect(sent[0]).toMatchObject({
      type: 'trace.start',
      userEmails: ['alice@corp.example'],
      sessionMinutes: 30,
      incident: { source: 'teams' },
      requestedBy: { kind: 'teams', id: LOCAL_CHAT.teams.oncall.aadObjectId, name: 'Alice Example' },
      reply: { kind: 'teams', url: REPLY_URL },
    });
  });

  it('gives the same activity id the same command id (a redelivery dedupes downstream)', async () => {
    const a = setup();
    const b = setup();
    await a.call(teamsDelivery({ text: 'bypass payroll-app 1h x', id: 'act-same' }));
    await b.call(teamsDelivery({ text: 'bypass payroll-app 1h x', id: 'act-same' }));
    expect(a.sent[0]!.id).toBe(b.sent[0]!.id);
  });

  it("asks for an email when Teams did not send the sender's", async () => {
    const { call, sent } = setup();
    const res = await call(
      teamsDelivery({ text: 'trace me', user: { aadObjectId: LOCAL_CHAT.teams.oncall.aadObjectId, name: 'Alice' } }),
    );
    expect(res.body.text).toMatch(/Teams did not send your email.*name it instead/);
    expect(sent).toEqual([]);
  });

  it('says where the result will not go when no reply URL is configured', async () => {
    const { call, sent } = setup({ securityToken: LOCAL_WEBHOOK_SECRETS.teams.securityToken });
    const res = await call(teamsDelivery({ text: 'status' }));
    expect(res.body.text).toMatch(/no reply channel is configured/);
    expect(sent[0]).toMatchObject({ type: 'status', reply: undefined });
  });

  it('refuses an unknown sender with an audit record', async () => {
    const { call, sent, audits } = setup();
    const res = await call(teamsDelivery({ text: 'unbypass payroll-app', user: LOCAL_CHAT.teams.stranger }));
    expect(res.body.text).toMatch(/^Sorry, you may not run "unbypass"/);
    expect(sent).toEqual([]);
    expect(audits()).toEqual([
      expect.objectContaining({
        action: 'chatops.unbypass',
        result: 'refused',
        trigger: expect.objectContaining({ by: `teams:${LOCAL_CHAT.teams.stranger.aadObjectId}` }),
      }),
    ]);
  });

  it('answers help with the @mention prefix', async () => {
    const { call } = setup();
    expect((await call(teamsDelivery({ text: 'help', user: LOCAL_CHAT.teams.stranger }))).body.text).toMatch(
      /^Usage: @Zscaler <command>/,
    );
  });

  it.each([
    [
      'a tampered body',
      () => {
        const d = teamsDelivery({ text: 'status' });
        return { ...d, body: d.body.replace('status', 'bypass payroll-app 8h x') };
      },
    ],
    [
      'a wrong token',
      () => teamsDelivery({ text: 'status', secret: Buffer.from('an-attacker-guess-at-the-token').toString('base64') }),
    ],
    [
      'a replayed (10-minute-old) activity',
      () => teamsDelivery({ text: 'status', at: Math.floor(Date.now() / 1000) - 600 }),
    ],
    ['no authorization header', () => ({ body: teamsDelivery({ text: 'status' }).body, headers: {} })],
  ])('answers 401 to %s and enqueues nothing', async (_what, delivery) => {
    const { call, sent } = setup();
    expect(await call(delivery())).toEqual({
      status: 401,
      body: { error: 'unauthorized', message: 'invalid signature' },
    });
    expect(sent).toEqual([]);
  });

  it('answers 401 to the same activity a second time', async () => {
    const { call, sent } = setup();
    const d = teamsDelivery({ text: 'status', id: 'act-twice' });
    expect((await call(d)).status).toBe(200);
    expect((await call(d)).status).toBe(401);
    expect(sent).toHaveLength(1);
  });

  it('answers 400 to a signed body that is not JSON or not an activity', async () => {
    const { call, sent } = setup();
    expect((await call(signed('{"type": '))).body.message).toMatch(/Teams activity is not valid JSON/);
    const res = await call(signed(JSON.stringify({ type: 'message', text: 'status' })));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/invalid Teams activity: .*id/);
    expect(sent).toEqual([]);
  });
});
