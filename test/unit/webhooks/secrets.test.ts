/** The webhooks secret: one section's mistake fails only the source that uses it, with a message naming it. */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeHandler as incidentHandler } from '../../../functions/incident-webhook/app.js';
import { makeHandler as slackHandler } from '../../../functions/slack-command/app.js';
import { makeHandler as teamsHandler } from '../../../functions/teams-webhook/app.js';
import { slackDelivery, teamsDelivery } from '../../../local/chatSamples.js';
import { LOCAL_CHAT_PERMISSIONS } from '../../../local/fakeChat.js';
import { LOCAL_WEBHOOK_SECRETS } from '../../../local/fakeSecrets.js';
import { parsePermissions } from '../../../shared/chat/permissions.js';
import type { Command } from '../../../shared/commands/contract.js';
import { ConfigError } from '../../../shared/errors.js';
import { webhookSecrets, webhookSection, webhookSectionSchemas } from '../../../shared/webhooks/secrets.js';
import { pagerDutyDelivery } from '../../helpers/webhooks.js';
import { quietLogger } from '../../helpers/zscaler.js';

const BAD_REPLY_URL = 'not a url: https//sig=very-secret-value';
const broken = { ...LOCAL_WEBHOOK_SECRETS, teams: { ...LOCAL_WEBHOOK_SECRETS.teams, replyUrl: BAD_REPLY_URL } };

/** The real Secrets Manager loader (`webhookSecrets`) over a client that returns `doc`. */
const sourceOf = (doc: unknown) =>
  webhookSecrets('test/webhooks', 300, {
    send: async () => ({ SecretString: typeof doc === 'string' ? doc : JSON.stringify(doc) }),
  } as unknown as SecretsManagerClient);

const event = (d: { body: string; headers: Record<string, string> }, source?: string) =>
  ({
    headers: d.headers,
    body: d.body,
    isBase64Encoded: false,
    pathParameters: source ? { source } : undefined,
    requestContext: {},
  }) as unknown as APIGatewayProxyEventV2;
const ctx = { getRemainingTimeInMillis: () => 3000 } as Context;

describe('webhooks secret sections', () => {
  it('loads a secret with a malformed teams.replyUrl, and only the teams section fails, naming the field but not its value', async () => {
    const s = await sourceOf(broken).get();
    expect(webhookSection(s, 'pagerduty')).toEqual(LOCAL_WEBHOOK_SECRETS.pagerduty);
    expect(webhookSection(s, 'slack')).toEqual(LOCAL_WEBHOOK_SECRETS.slack);
    const err = (() => {
      try {
        webhookSection(s, 'teams');
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a throw');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('webhooks secret: the "teams" section is invalid: teams.replyUrl');
    expect(err.message).not.toContain('very-secret-value');
  });

  it('names a missing section, and a secret that is not JSON still fails at load', async () => {
    const s = await sourceOf({ pagerduty: LOCAL_WEBHOOK_SECRETS.pagerduty }).get();
    expect(() => webhookSection(s, 'generic')).toThrow('webhooks secret: no "generic" section configured');
    expect(() => webhookSection(s, 'slack')).toThrow(ConfigError);
    await expect(sourceOf('not json').get()).rejects.toThrow(/is not a JSON object/);
    await expect(sourceOf({ slack: { signingSecret: 'short' } }).get()).resolves.toBeDefined();
    expect(() => webhookSection({ slack: { signingSecret: 'short' } }, 'slack')).toThrow(
      'webhooks secret: the "slack" section is invalid: slack.signingSecret',
    );
  });

  it('keeps PagerDuty and Slack working when the Teams section is broken; Teams answers 500 and logs which section', async () => {
    const secrets = sourceOf(broken);
    const sent: Command[] = [];
    const queue = { send: async (c: Command) => void sent.push(c) };

    const pd = incidentHandler({
      queue,
      secrets,
      logger: quietLogger().logger,
      emailFields: ['custom_details.affected_user'],
      maxBodyBytes: 8192,
    });
    const d = pagerDutyDelivery({ kind: 'triggered', incidentId: 'QS', email: 'alice@corp.example' });
    expect(((await pd(event(d, 'pagerduty'), ctx)) as APIGatewayProxyStructuredResultV2).statusCode).toBe(202);

    const permissions = parsePermissions(LOCAL_CHAT_PERMISSIONS, 'test');
    const slack = slackHandler({
      queue,
      secrets,
      logger: quietLogger().logger,
      permissions,
      slackApiBaseUrl: 'http://127.0.0.1:1',
      maxBodyBytes: 8192,
    });
    expect(
      (
        (await slack(
          event(slackDelivery({ text: 'status', responseUrl: 'https://hooks.slack.com/commands/T/1/x' })),
          ctx,
        )) as APIGatewayProxyStructuredResultV2
      ).statusCode,
    ).toBe(200);
    expect(sent.map((c) => c.type)).toEqual(['trace.start', 'status']);

    const { logger, lines } = quietLogger();
    const teams = teamsHandler({ queue, secrets, logger, permissions, maxBodyBytes: 8192 });
    const res = (await teams(event(teamsDelivery({ text: 'status' })), ctx)) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body!)).toEqual({ error: 'internal_error', message: 'internal error' });
    expect(lines.join('\n')).toContain('webhooks secret: the \\"teams\\" section is invalid: teams.replyUrl');
    expect(lines.join('\n')).not.toContain('very-secret-value');
    expect(sent).toHaveLength(2);
  });
});

describe('the sections of the newer sources', () => {
  const ok = (name: keyof typeof webhookSectionSchemas, value: unknown) =>
    (webhookSectionSchemas[name] as { safeParse: (v: unknown) => { success: boolean } }).safeParse(value).success;

  it('take one secret, or two during a rotation, never none or three', () => {
    for (const name of ['opsgenie', 'datadog', 'rootly'] as const) {
      expect(ok(name, ['a-sixteen-char-secret'])).toBe(true);
      expect(ok(name, ['a-sixteen-char-secret', 'another-16-char-secret'])).toBe(true);
      expect(ok(name, [])).toBe(false);
      expect(
        ok(
          name,
          ['a', 'b', 'c'].map((c) => c.repeat(16)),
        ),
      ).toBe(false);
      expect(ok(name, ['short'])).toBe(false);
    }
  });

  it('incident.io: whsec_ and the base64 of at least 16 bytes', () => {
    expect(ok('incidentio', [`whsec_${Buffer.alloc(24, 1).toString('base64')}`])).toBe(true);
    expect(ok('incidentio', [`whsec_${Buffer.alloc(8, 1).toString('base64')}`])).toBe(false);
    expect(ok('incidentio', ['whsec_not base64!'])).toBe(false);
  });

  it('ServiceNow: HMAC secrets, basic-auth users, or both; not neither', () => {
    expect(ok('servicenow', { hmacSecrets: ['a-sixteen-char-secret'] })).toBe(true);
    expect(ok('servicenow', { basicAuth: [{ username: 'snow', password: 'a-sixteen-char-password' }] })).toBe(true);
    expect(ok('servicenow', {})).toBe(false);
    expect(ok('servicenow', { basicAuth: [{ username: 'snow', password: 'short' }] })).toBe(false);
  });
});
