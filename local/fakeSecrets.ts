/**
 * The local stack's secrets: obviously fake, accepted only by the simulator and the local functions.
 * Stored in the local Secrets Manager under the ids below, in the same layout as on AWS (README "Secrets").
 */
import { SIM_CREDENTIALS } from '../simulator/credentials.js';

export const LOCAL_SECRET_IDS = { zscaler: 'local/zscaler', webhooks: 'local/webhooks' } as const;

export const LOCAL_WEBHOOK_SECRETS = {
  pagerduty: ['local-fake-pagerduty-signing-secret'],
  generic: ['local-fake-generic-signing-secret'],
  slack: { signingSecret: 'local-fake-slack-signing-secret', botToken: 'xoxb-local-fake-bot-token' },
  teams: { securityToken: Buffer.from('local-fake-teams-security-token').toString('base64') },
  opsgenie: ['local-fake-opsgenie-webhook-token'],
  servicenow: {
    hmacSecrets: ['local-fake-servicenow-hmac-secret'],
    basicAuth: [{ username: 'local-servicenow', password: 'local-fake-servicenow-password' }],
  },
  datadog: ['local-fake-datadog-webhook-token'],
  incidentio: [`whsec_${Buffer.from('local-fake-incidentio-signing-key').toString('base64')}`],
  rootly: ['local-fake-rootly-webhook-secret'],
  statuspage: ['local-fake-statuspage-url-token'],
};

export const LOCAL_ZSCALER_SECRET = {
  zdx: { keyId: SIM_CREDENTIALS.zdx.keyId, keySecret: SIM_CREDENTIALS.zdx.keySecret },
  zpa: { clientId: SIM_CREDENTIALS.zpa.clientId, clientSecret: SIM_CREDENTIALS.zpa.clientSecret },
  oneapi: { clientId: SIM_CREDENTIALS.oneapi.clientId, clientSecret: SIM_CREDENTIALS.oneapi.clientSecret },
};
