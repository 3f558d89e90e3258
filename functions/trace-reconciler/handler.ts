/** Lambda entry: clients built once per container so tokens, pacing and connections survive warm starts. */
import { dynamoReceipts } from '../../shared/commands/receipts.js';
import { sqsCommandQueue } from '../../shared/aws/queue.js';
import { jsonSecret } from '../../shared/aws/secrets.js';
import {
  commonFields,
  incidentFields,
  incidentReportFields,
  ledgerFields,
  loadConfig,
  queueFields,
  reportFields,
  traceFields,
  zscalerFields,
  zscalerOptionsFromConfig,
} from '../../shared/config.js';
import type { IncidentRef } from '../../shared/commands/contract.js';
import { capUserEmails } from '../../shared/incidents/emails.js';
import { lookupPagerDutyUsers, pagerDutyLookupCache } from '../../shared/incidents/lookup/pagerduty.js';
import { dynamoLedger } from '../../shared/ledger/store.js';
import { reportSection, reportsSecret } from '../../shared/reporting/reportsSecret.js';
import { logger as rootLogger } from '../../shared/logger.js';
import { createReporter } from '../../shared/reporting/reporter.js';
import { incidentReportsFromConfig } from '../../shared/reporting/wiring.js';
import { zdxTracePort } from '../../shared/traces/zdxPort.js';
import { createZscalerClients } from '../../shared/zscaler/clients.js';
import { zscalerSecretSchema } from '../../shared/zscaler/credentials.js';
import { makeHandler } from './app.js';

const config = loadConfig({
  ...commonFields,
  ...queueFields,
  ...zscalerFields,
  ...traceFields,
  ...reportFields,
  ...ledgerFields,
  ...incidentReportFields,
  // Where a PagerDuty incident's affected user is, for the REST lookup of an event that named none.
  PAGERDUTY_EMAIL_FIELDS: incidentFields.PAGERDUTY_EMAIL_FIELDS,
  // The same cap on affected users as the webhook's, for the users that lookup finds.
  MAX_AFFECTED_USERS: incidentFields.MAX_AFFECTED_USERS,
});
const logger = rootLogger.child({ function: 'trace-reconciler' });
const secret = jsonSecret({
  secretId: config.ZSCALER_SECRET_ID,
  schema: zscalerSecretSchema,
  ttlMs: config.SECRET_CACHE_TTL_SECONDS * 1000,
});
const clients = createZscalerClients(zscalerOptionsFromConfig(config), { secret, logger });

const ledger = dynamoLedger({ tableName: config.LEDGER_TABLE, retentionDays: config.LEDGER_RETENTION_DAYS });

// The affected users of a PagerDuty incident whose webhook named none, from its REST API with the reports secret's
// PagerDuty token (no secret or section: a ConfigError, reported on the incident as not traceable).
const reportsCredentials = reportsSecret(config.REPORTS_SECRET_ID, config.SECRET_CACHE_TTL_SECONDS);
const lookupCache = pagerDutyLookupCache();
const findUsers = async (incident: IncidentRef): Promise<string[]> => {
  if (incident.source !== 'pagerduty') return [];
  const { apiToken } = reportSection(await reportsCredentials.get(), 'pagerduty');
  const found = await lookupPagerDutyUsers(incident.incidentId, {
    baseUrl: config.PAGERDUTY_API_BASE_URL,
    apiToken,
    emailFields: config.PAGERDUTY_EMAIL_FIELDS,
    cache: lookupCache,
  });
  return capUserEmails(found, config.MAX_AFFECTED_USERS).kept;
};

export const handler = makeHandler({
  traces: zdxTracePort(clients.zdx),
  findUsers,
  ledger,
  receipts: dynamoReceipts({ tableName: config.LEDGER_TABLE }),
  reporter: createReporter({
    callbackUrl: config.REPORT_CALLBACK_URL,
    logger,
    incident: incidentReportsFromConfig(config, { ledger, logger }),
  }),
  wakeQueue: sqsCommandQueue(config.WORK_QUEUE_URL),
  logger,
  settings: {
    lookbackHours: config.ZDX_DEVICE_LOOKBACK_HOURS,
    sessionMinutes: config.TRACE_SESSION_MINUTES,
    checkDelaySeconds: config.TRACE_CHECK_DELAY_SECONDS,
    maxChecks: config.TRACE_MAX_CHECKS,
    maxActiveTraces: config.MAX_ACTIVE_TRACES,
    portalDeviceUrl: config.ZDX_PORTAL_DEVICE_URL,
    // A step that starts with less than this left could be cut by the Lambda timeout mid-way.
    reserveMs: 5_000,
  },
});
