/**
 * Correctly signed sample chat requests, as Slack and Teams send them: used by `npm run slack` /
 * `npm run teams` and by the tests. Signing is done here independently of shared/sources.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { LOCAL_CHAT } from './fakeChat.js';
import { LOCAL_WEBHOOK_SECRETS } from './fakeSecrets.js';

export interface SampleOptions {
  text: string;
  /** Unix seconds the request claims; default now (older than 300 s = a replay). */
  at?: number;
  /** Sign with another secret (an attacker's guess). */
  secret?: string;
}

/** A slash command `/zscaler <text>` from a user in a channel; the outcome will go to `responseUrl`. */
export function slackDelivery(
  opts: SampleOptions & {
    responseUrl: string;
    user?: { id: string; name: string };
    channel?: string;
    triggerId?: string;
  },
) {
  const user = opts.user ?? LOCAL_CHAT.slack.oncall;
  const body = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0LOCAL',
    team_domain: 'local',
    channel_id: opts.channel ?? LOCAL_CHAT.slack.channel,
    channel_name: 'ops',
    user_id: user.id,
    user_name: user.name,
    command: '/zscaler',
    text: opts.text,
    api_app_id: 'A0LOCAL',
    response_url: opts.responseUrl,
    trigger_id: opts.triggerId ?? `${Date.now()}.${randomUUID().replace(/-/g, '')}`,
  }).toString();
  const ts = String(opts.at ?? Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', opts.secret ?? LOCAL_WEBHOOK_SECRETS.slack.signingSecret)
    .update(`v0:${ts}:${body}`)
    .digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': `v0=${sig}`,
    },
  };
}

/** An @mention of the bot in a Teams channel, as an outgoing webhook delivers it. */
export function teamsDelivery(
  opts: SampleOptions & { user?: { aadObjectId: string; name: string; upn?: string }; id?: string },
) {
  const user = opts.user ?? LOCAL_CHAT.teams.oncall;
  const at = opts.at ?? Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    type: 'message',
    id: opts.id ?? String(Date.now()) + Math.floor(Math.random() * 1000),
    timestamp: new Date(at * 1000).toISOString(),
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    channelId: 'msteams',
    from: {
      id: `29:${user.aadObjectId}`,
      name: user.name,
      aadObjectId: user.aadObjectId,
      ...(user.upn ? { userPrincipalName: user.upn } : {}),
    },
    conversation: { isGroup: true, id: `${LOCAL_CHAT.teams.channel};messageid=1`, name: 'ops' },
    recipient: { id: '28:local-bot', name: 'Zscaler' },
    textFormat: 'plain',
    text: `<at>Zscaler</at> ${opts.text}`,
    entities: [{ type: 'mention', mentioned: { id: '28:local-bot', name: 'Zscaler' }, text: '<at>Zscaler</at>' }],
    channelData: {
      teamsChannelId: LOCAL_CHAT.teams.channel,
      channel: { id: LOCAL_CHAT.teams.channel },
      tenant: { id: '00000000-0000-4000-8000-00000000cafe' },
    },
  });
  const key = Buffer.from(opts.secret ?? LOCAL_WEBHOOK_SECRETS.teams.securityToken, 'base64');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      authorization: `HMAC ${createHmac('sha256', key).update(body, 'utf8').digest('base64')}`,
    },
  };
}
