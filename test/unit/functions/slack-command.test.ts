/** The slash-command function's real middy chain, with an in-memory queue and the local fake Slack API. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../../functions/slack-command/app.js';
import type { Command } from '../../../shared/commands/contract.js';
import { slackDelivery } from '../../../local/chatSamples.js';
import { LOCAL_CHAT, LOCAL_CHAT_PERMISSIONS } from '../../../local/fakeChat.js';
import { LOCAL_WEBHOOK_SECRETS } from '../../../local/fakeSecrets.js';
import { startReceiver } from '../../../local/receiver.js';
import { parsePermissions } from '../../../shared/chat/permissions.js';
import { quietLogger } from '../../helpers/zscaler.js';

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
afterEach(() => vi.useRealTimers());

function setup(secrets: Record<string, unknown> = LOCAL_WEBHOOK_SECRETS) {
  const sent: Command[] = [];
  const { logger, lines } = quietLogger();
  const handler = makeHandler({
    queue: { send: async (c) => void sent.push(c) },
    secrets: { get: async () => secrets, refresh: async () => secrets },
    logger,
    permissions: parsePermissions(LOCAL_CHAT_PERMISSIONS, 'test'),
    slackApiBaseUrl: `${receiver.url}/slack-api`,
    maxBodyBytes: 8192,
  });
  const call = async (d: { body: string; headers: Record<string, string> }) => {
    const res = (await handler(
      {
        headers: d.headers,
        body: d.body,
        isBase64Encoded: false,
        requestContext: {},
      } as unknown as APIGatewayProxyEventV2,
      { getRemainingTimeInMillis: () => 3000 } as Context,
    )) as APIGatewayProxyStructuredResultV2;
    return {
      status: res.statusCode,
      body: JSON.parse(res.body!) as { response_type?: string; text?: string; error?: string; message?: string },
    };
  };
  const audits = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === 'audit');
  return { sent, call, audits, lines };
}

const responseUrl = 'https://hooks.slack.com/commands/T0LOCAL/1/abc';

describe('slack-command handler', () => {
  it("verifies Slack's published signature example end to end (and answers its empty text with help)", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1531420618_000 + 10_000);
    const { call, sent } = setup({ slack: { signingSecret: '8f742231b10e8888abcd99yyyzzz85a5' } });
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
      '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const res = await call({
      body,
      headers: {
        'x-slack-request-timestamp': '1531420618',
        'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect(res.body.text).toMatch(/^Usage: \/webhook-collect <command>/);
    expect(sent).toEqual([]);
  });

  it('enqueues a trace for the named user with who asked and where to reply, and acks ephemerally', async () => {
    const { call, sent } = setup();
    const res = await call(slackDelivery({ text: 'trace carol@corp.example 15m', responseUrl }));
    expect(res).toEqual({
      status: 200,
      body: {
        response_type: 'ephemeral',
        text: 'Starting a 15-minute deep trace for carol@corp.example (the result follows here).',
      },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: 'trace.start',
      userEmails: ['carol@corp.example'],
      sessionMinutes: 15,
      incident: { source: 'slack', incidentId: expect.stringMatching(/^chat-[0-9a-f]{12}$/) },
      requestedBy: { kind: 'slack', id: LOCAL_CHAT.slack.oncall.id, name: 'alice' },
      reply: { kind: 'slack', responseUrl },
    });
  });

  it('accepts the form body base64-encoded, as API Gateway may deliver it', async () => {
    const { sent } = setup();
    const { logger } = quietLogger();
    const d = slackDelivery({ text: 'status', responseUrl });
    const handler = makeHandler({
      queue: { send: async (c) => void sent.push(c) },
      secrets: { get: async () => LOCAL_WEBHOOK_SECRETS, refresh: async () => LOCAL_WEBHOOK_SECRETS },
      logger,
      permissions: parsePermissions(LOCAL_CHAT_PERMISSIONS, 'test'),
      slackApiBaseUrl: `${receiver.url}/slack-api`,
      maxBodyBytes: 8192,
    });
    const res = (await handler(
      {
        headers: d.headers,
        body: Buffer.from(d.body).toString('base64'),
        isBase64Encoded: true,
        requestContext: {},
      } as unknown as APIGatewayProxyEventV2,
      { getRemainingTimeInMillis: () => 3000 } as Context,
    )) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(200);
    expect(sent).toEqual([expect.objectContaining({ type: 'status' })]);
  });

  it('resolves "me" with users.info and the bot token', async () => {
    const { call, sent } = setup();
    await call(slackDelivery({ text: 'trace me', responseUrl, user: LOCAL_CHAT.slack.viewer }));
    expect(sent[0]).toMatchObject({ type: 'trace.start', userEmails: [LOCAL_CHAT.slack.viewer.email] });
  });

  it('says so, and enqueues nothing, when Slack has no email for "me"', async () => {
    const { call, sent } = setup({ slack: { ...LOCAL_WEBHOOK_SECRETS.slack, botToken: 'xoxb-not-the-fake-token' } });
    const res = await call(slackDelivery({ text: 'trace me', responseUrl }));
    expect(res.status).toBe(200);
    expect(res.body.text).toMatch(/could not find your email in Slack \(invalid_auth\); name it instead/);
    expect(sent).toEqual([]);
  });

  describe('when users.info is slow, down or answers garbage', () => {
    let slow: Server;
    let base: string;
    beforeAll(async () => {
      slow = createServer((req, res) => {
        if (req.url!.startsWith('/slow/')) setTimeout(() => res.end('{"ok":true}'), 2_000).unref();
        else res.end('<html>not json</html>');
      });
      await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    });
    afterAll(() => {
      slow.closeAllConnections();
      slow.close();
    });

    it.each([
      [
        'times out',
        () => `${base}/slow`,
        /^Could not do that: Slack did not tell us your email in time \(TimeoutError\); name it instead\.$/,
      ],
      [
        'answers something that is not JSON',
        () => `${base}/garbage`,
        /^Could not do that: Slack did not tell us your email in time \(SyntaxError\); name it instead\.$/,
      ],
      [
        'cannot be reached',
        () => 'http://127.0.0.1:1',
        /^Could not do that: Slack did not tell us your email in time \(TypeError\); name it instead\.$/,
      ],
    ])(
      '"trace me" answers 200 asking for the email when Slack %s, and enqueues nothing',
      async (_what, slackApi, text) => {
        const sent: Command[] = [];
        const handler = makeHandler({
          queue: { send: async (c) => void sent.push(c) },
          secrets: { get: async () => LOCAL_WEBHOOK_SECRETS, refresh: async () => LOCAL_WEBHOOK_SECRETS },
          logger: quietLogger().logger,
          permissions: parsePermissions(LOCAL_CHAT_PERMISSIONS, 'test'),
          slackApiBaseUrl: slackApi(),
          maxBodyBytes: 8192,
          lookupTimeoutMs: 200,
        });
        const d = slackDelivery({ text: 'trace me', responseUrl });
        const started = Date.now();
        const res = (await handler(
          {
            headers: d.headers,
            body: d.body,
            isBase64Encoded: false,
            requestContext: {},
          } as unknown as APIGatewayProxyEventV2,
          { getRemainingTimeInMillis: () => 3000 } as Context,
        )) as APIGatewayProxyStructuredResultV2;
        expect(Date.now() - started).toBeLessThan(1_500);
        expect(res.statusCode).toBe(200);
        const body = JSON.parse(res.body!) as { response_type: string; text: string };
        expect(body.response_type).toBe('ephemeral');
        expect(body.text).toMatch(text);
        expect(sent).toEqual([]);
      },
    );
  });

  it('enqueues bypass, its dry run, unbypass and status as their commands', async () => {
    const { call, sent } = setup();
    await call(slackDelivery({ text: 'bypass payroll-app 2h patching db', responseUrl }));
    await call(slackDelivery({ text: 'dry-run bypass payroll-app 30m test', responseUrl }));
    await call(slackDelivery({ text: 'unbypass payroll-app', responseUrl }));
    await call(slackDelivery({ text: 'status me', responseUrl }));
    expect(sent.map((c) => c.type)).toEqual(['bypass.apply', 'bypass.apply', 'bypass.remove', 'status']);
    expect(sent[0]).toMatchObject({
      segment: 'payroll-app',
      durationMinutes: 120,
      reason: 'patching db',
      dryRun: false,
      requestedBy: { kind: 'slack', id: LOCAL_CHAT.slack.oncall.id },
    });
    expect(sent[1]).toMatchObject({ dryRun: true, durationMinutes: 30 });
    expect(sent[3]).toMatchObject({ userEmails: ['alice@corp.example'] });
  });

  it('refuses a caller without the permission, audits the refusal and enqueues nothing', async () => {
    const { call, sent, audits } = setup();
    const res = await call(
      slackDelivery({ text: 'bypass payroll-app 2h because', responseUrl, user: LOCAL_CHAT.slack.viewer }),
    );
    expect(res.status).toBe(200);
    expect(res.body.text).toMatch(/^Sorry, you may not run "bypass" here \(it needs the "bypass" permission\)/);
    expect(sent).toEqual([]);
    expect(audits()).toEqual([
      expect.objectContaining({
        action: 'chatops.bypass',
        result: 'refused',
        trigger: expect.objectContaining({ kind: 'slack', by: `slack:${LOCAL_CHAT.slack.viewer.id}` }),
        reason: 'needs the "bypass" permission',
      }),
    ]);
  });

  it.each([
    ['dry-run trace bob@corp.example', 'dry-run trace'],
    ['status bob@corp.example', 'status'],
    ['status me bob@corp.example', 'status'],
  ])(
    'refuses "%s" to a viewer (trace:self, status, dry-run): another user\'s devices need "trace"',
    async (text, what) => {
      const { call, sent, audits } = setup();
      const res = await call(slackDelivery({ text, responseUrl, user: LOCAL_CHAT.slack.viewer }));
      expect(res.status).toBe(200);
      expect(res.body.text).toBe(
        `Sorry, you may not run "${what}" here (it needs the "trace" permission for other users; for yourself, say "me"). This refusal is logged; ask the Zscaler automation owners if you need it.`,
      );
      expect(sent).toEqual([]);
      expect(audits()).toEqual([
        expect.objectContaining({ result: 'refused', reason: 'needs the "trace" permission' }),
      ]);
    },
  );

  it('lets the viewer see their own: "status me", "status", "dry-run trace me"; their results reply ephemerally', async () => {
    const { call, sent } = setup();
    for (const text of ['status me', 'status', 'dry-run trace me', 'dry-run bypass payroll-app 1h x']) {
      expect((await call(slackDelivery({ text, responseUrl, user: LOCAL_CHAT.slack.viewer }))).body.text).not.toMatch(
        /^Sorry/,
      );
    }
    expect(sent.map((c) => [c.type, c.reply])).toEqual([
      ['status', { kind: 'slack', responseUrl, responseType: 'ephemeral' }],
      ['status', { kind: 'slack', responseUrl, responseType: 'ephemeral' }],
      ['trace.start', { kind: 'slack', responseUrl, responseType: 'ephemeral' }],
      ['bypass.apply', { kind: 'slack', responseUrl, responseType: 'ephemeral' }],
    ]);
  });

  it('keeps the outcome of a real trace or change in the channel', async () => {
    const { call, sent } = setup();
    await call(slackDelivery({ text: 'trace carol@corp.example', responseUrl }));
    await call(slackDelivery({ text: 'unbypass payroll-app', responseUrl }));
    expect(sent.map((c) => c.reply)).toEqual([
      { kind: 'slack', responseUrl },
      { kind: 'slack', responseUrl },
    ]);
  });

  it('refuses the viewer outside the channel their grant names', async () => {
    const { call, sent, audits } = setup();
    const res = await call(
      slackDelivery({ text: 'trace me', responseUrl, user: LOCAL_CHAT.slack.viewer, channel: 'C0ELSEWHERE' }),
    );
    expect(res.body.text).toMatch(/may not run "trace me"/);
    expect(sent).toEqual([]);
    expect(audits()).toHaveLength(1);
  });

  it('answers an unknown command with usage help', async () => {
    const { call, sent } = setup();
    const res = await call(slackDelivery({ text: 'frobnicate now', responseUrl, user: LOCAL_CHAT.slack.stranger }));
    expect(res.status).toBe(200);
    expect(res.body.text).toMatch(/^unknown command "frobnicate"[\s\S]*Usage: \/zscaler <command>/);
    expect(sent).toEqual([]);
  });

  it.each([
    [
      'a tampered body',
      () => {
        const d = slackDelivery({ text: 'status', responseUrl });
        return { ...d, body: d.body.replace('status', 'bypass+payroll-app+8h+x') };
      },
    ],
    ['a wrong secret', () => slackDelivery({ text: 'status', responseUrl, secret: 'an-attacker-guess-at-the-secret' })],
    [
      'a replayed (10-minute-old) request',
      () => slackDelivery({ text: 'status', responseUrl, at: Math.floor(Date.now() / 1000) - 600 }),
    ],
    [
      'no signature',
      () => {
        const d = slackDelivery({ text: 'status', responseUrl });
        return { body: d.body, headers: { 'content-type': d.headers['content-type'] } };
      },
    ],
  ])('answers 401 to %s and enqueues nothing', async (_what, delivery) => {
    const { call, sent } = setup();
    const res = await call(delivery());
    expect(res).toEqual({ status: 401, body: { error: 'unauthorized', message: 'invalid signature' } });
    expect(sent).toEqual([]);
  });

  it('answers 401 to the same signed request a second time', async () => {
    const { call, sent } = setup();
    const d = slackDelivery({ text: 'bypass payroll-app 1h x', responseUrl });
    expect((await call(d)).status).toBe(200);
    expect((await call(d)).status).toBe(401);
    expect(sent).toHaveLength(1);
  });

  it.each([
    ['upper-case hex', (sig: string) => `v0=${sig.slice(3).toUpperCase()}`],
    ['a trailing space', (sig: string) => `${sig} `],
    ['a leading space', (sig: string) => ` ${sig}`],
    ['mixed-case hex and spaces', (sig: string) => `  v0=${sig.slice(3, 30).toUpperCase()}${sig.slice(30)}\t`],
  ])('answers 401 to the same signed request replayed with %s, and enqueues it only once', async (_what, respell) => {
    const { call, sent } = setup();
    const d = slackDelivery({ text: 'bypass payroll-app 1h x', responseUrl });
    expect((await call(d)).status).toBe(200);
    const replay = { ...d, headers: { ...d.headers, 'x-slack-signature': respell(d.headers['x-slack-signature']) } };
    expect(await call(replay)).toEqual({ status: 401, body: { error: 'unauthorized', message: 'invalid signature' } });
    expect(sent).toHaveLength(1);
  });

  it('answers 400 to a signed body that is not a slash command', async () => {
    const { call, sent } = setup();
    const d = slackDelivery({ text: 'status', responseUrl });
    const body = d.body.replace(/&user_id=[^&]*/, '').replace(/&response_url=[^&]*/, '&response_url=not-a-url');
    const { createHmac } = await import('node:crypto');
    const ts = d.headers['x-slack-request-timestamp'];
    const headers = {
      ...d.headers,
      'x-slack-signature': `v0=${createHmac('sha256', LOCAL_WEBHOOK_SECRETS.slack.signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`,
    };
    const res = await call({ body, headers });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(
      /invalid Slack slash command: .*user_id.*response_url|invalid Slack slash command: .*response_url.*user_id/,
    );
    expect(sent).toEqual([]);
  });
});
