/**
 * The fuzz stack's secrets: the local stack's obviously fake webhook secrets, with PagerDuty mid-rotation (two
 * current secrets) and a Teams reply URL, plus every form in which one could leak into a log line.
 */
import { LOCAL_WEBHOOK_SECRETS, LOCAL_ZSCALER_SECRET } from '../../local/fakeSecrets.js';

/** A PagerDuty secret that was rotated out: signatures made with it must be refused. */
export const RETIRED_PAGERDUTY_SECRET = 'local-fake-pagerduty-retired-secret';

/** Slack's response_url for this suite: a capability URL (whoever holds it can post to the channel). */
export const SLACK_RESPONSE_URL = 'https://hooks.slack.com/commands/T0FUZZ/1234567890/fuzzResponseUrlSecretPath';

export const FUZZ_SECRETS = {
  ...LOCAL_WEBHOOK_SECRETS,
  pagerduty: [LOCAL_WEBHOOK_SECRETS.pagerduty[0]!, 'local-fake-pagerduty-previous-secret'] as [string, string],
  generic: LOCAL_WEBHOOK_SECRETS.generic as [string],
  opsgenie: LOCAL_WEBHOOK_SECRETS.opsgenie as [string],
  datadog: LOCAL_WEBHOOK_SECRETS.datadog as [string],
  incidentio: LOCAL_WEBHOOK_SECRETS.incidentio as [string],
  rootly: LOCAL_WEBHOOK_SECRETS.rootly as [string],
  servicenow: LOCAL_WEBHOOK_SECRETS.servicenow as {
    hmacSecrets: [string];
    basicAuth: [{ username: string; password: string }];
  },
  teams: {
    ...LOCAL_WEBHOOK_SECRETS.teams,
    replyUrl: 'https://corp.webhook.office.com/workflows/fuzzTeamsReplySecretPath/triggers/manual/paths/invoke',
  },
};

/** Every string leaf of a value. */
const leaves = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(leaves) : [];

/**
 * Each secret value of the stack and the forms a leak would take: raw, base64 (standard and URL-safe),
 * URL-encoded, hex; where a secret is a key in base64 (the Teams token, incident.io's `whsec_` key), also the
 * decoded key raw and in hex; ServiceNow's basic-auth pair as its header value; the capability URLs' paths.
 * Short or non-secret values (user names) are not secrets.
 */
export function secretNeedles(): { what: string; needle: string }[] {
  const secrets: { what: string; value: string | Buffer }[] = [];
  const S = FUZZ_SECRETS;
  for (const [section, value] of Object.entries(S)) {
    if (section === 'servicenow' || section === 'teams') continue;
    for (const v of leaves(value)) secrets.push({ what: section, value: v });
  }
  secrets.push({ what: 'pagerduty retired', value: RETIRED_PAGERDUTY_SECRET });
  for (const v of S.servicenow.hmacSecrets) secrets.push({ what: 'servicenow hmac', value: v });
  for (const { username, password } of S.servicenow.basicAuth) {
    secrets.push({ what: 'servicenow password', value: password });
    secrets.push({ what: 'servicenow basic pair', value: `${username}:${password}` });
  }
  secrets.push({ what: 'teams token', value: S.teams.securityToken });
  secrets.push({ what: 'teams key', value: Buffer.from(S.teams.securityToken, 'base64') });
  secrets.push({ what: 'teams reply URL', value: S.teams.replyUrl });
  secrets.push({ what: 'teams reply URL path', value: new URL(S.teams.replyUrl).pathname });
  for (const v of S.incidentio) secrets.push({ what: 'incidentio key', value: Buffer.from(v.slice(6), 'base64') });
  secrets.push({ what: 'slack response URL path', value: new URL(SLACK_RESPONSE_URL).pathname });
  secrets.push({ what: 'slack bot bearer', value: `Bearer ${S.slack.botToken}` });
  for (const v of leaves(LOCAL_ZSCALER_SECRET)) secrets.push({ what: 'zscaler', value: v });

  const needles: { what: string; needle: string }[] = [];
  for (const { what, value } of secrets) {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
    const forms = new Set([
      bytes.toString('utf8'),
      bytes.toString('base64'),
      bytes.toString('base64url'),
      bytes.toString('base64').replace(/=+$/, ''),
      encodeURIComponent(bytes.toString('utf8')),
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
    ]);
    // A JSON log line escapes "/" nowhere, but a URL may be logged percent-encoded: covered above.
    for (const needle of forms) if (needle.length >= 12) needles.push({ what, needle });
  }
  return needles;
}
