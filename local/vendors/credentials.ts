/**
 * The local reports secret: obviously fake vendor API credentials, accepted only by the stand-ins in this folder.
 * Same layout as the reports secret on AWS (shared/reporting/reportsSecret.ts, README "Secrets").
 */
export const LOCAL_REPORTS_SECRET_ID = 'local/reports';

export const LOCAL_REPORTS_SECRET = {
  pagerduty: { apiToken: 'local-fake-pagerduty-api-token', fromEmail: 'zscaler-automation@corp.example' },
  servicenow: { username: 'local-servicenow-reports', password: 'local-fake-servicenow-reports-password' },
  opsgenie: { apiKey: 'local-fake-opsgenie-api-key' },
  slack: { botToken: 'xoxb-local-fake-incident-bot-token' },
};

/** The Slack channel the local stack's incident threads go to. */
export const LOCAL_INCIDENT_CHANNEL = 'C0LOCALINCIDENTS';
