/**
 * The local stack's chat world: fake Slack and Teams identities, who may do what, and a fake Slack
 * `users.info` served by the receiver. Ids are obviously fake; the permission document is the same shape
 * as config/chatops-permissions.json (README "ChatOps").
 */
import { LOCAL_WEBHOOK_SECRETS } from './fakeSecrets.js';

export const LOCAL_CHAT = {
  slack: {
    channel: 'C0LOCALOPS',
    /** May do everything. */
    oncall: { id: 'U0LOCALONCALL', name: 'alice', email: 'alice@corp.example' },
    /** May only trace themselves, see status and dry-run, and only in the ops channel. */
    viewer: { id: 'U0LOCALVIEWER', name: 'carol', email: 'carol@corp.example' },
    /** In no grant: everything but help is refused. */
    stranger: { id: 'U0LOCALSTRANGER', name: 'mallory', email: 'mallory@corp.example' },
  },
  teams: {
    channel: '19:local-ops-channel@thread.tacv2',
    oncall: { aadObjectId: '00000000-0000-4000-8000-0000000a11ce', name: 'Alice Example', upn: 'alice@corp.example' },
    stranger: {
      aadObjectId: '00000000-0000-4000-8000-00000ma11ory',
      name: 'Mallory Example',
      upn: 'mallory@corp.example',
    },
  },
} as const;

export const LOCAL_CHAT_PERMISSIONS = {
  grants: [
    {
      description: 'local on-call: everything',
      slackUsers: [LOCAL_CHAT.slack.oncall.id],
      teamsUsers: [LOCAL_CHAT.teams.oncall.aadObjectId],
      allow: ['*'],
    },
    {
      description: 'local viewer, in the ops channel only',
      slackUsers: [LOCAL_CHAT.slack.viewer.id],
      slackChannels: [LOCAL_CHAT.slack.channel],
      allow: ['trace:self', 'status', 'dry-run'],
    },
  ],
};

const EMAILS: Record<string, string> = Object.fromEntries(
  [LOCAL_CHAT.slack.oncall, LOCAL_CHAT.slack.viewer, LOCAL_CHAT.slack.stranger].map((u) => [u.id, u.email]),
);

/** Slack's `GET users.info?user=U…` as the real API answers it (always HTTP 200, `ok` says how it went). */
export function fakeSlackApi(path: string, authorization: string | undefined): { status: number; body: unknown } {
  const url = new URL(path, 'http://local');
  if (url.pathname !== '/slack-api/users.info') return { status: 404, body: { ok: false, error: 'unknown_method' } };
  if (authorization !== `Bearer ${LOCAL_WEBHOOK_SECRETS.slack.botToken}`)
    return { status: 200, body: { ok: false, error: 'invalid_auth' } };
  const id = url.searchParams.get('user') ?? '';
  const email = EMAILS[id];
  if (!email) return { status: 200, body: { ok: false, error: 'user_not_found' } };
  return { status: 200, body: { ok: true, user: { id, name: email.split('@')[0], profile: { email } } } };
}
