/** Lambda entry: clients built once per container so tokens, pacing and connections survive warm starts. */
import { sqsCommandQueue } from '../../shared/aws/queue.js';
import { jsonSecret } from '../../shared/aws/secrets.js';
import {
  commonFields,
  incidentReportFields,
  ledgerFields,
  loadConfig,
  queueFields,
  reportFields,
  traceFields,
  zscalerFields,
  zscalerOptionsFromConfig,
} from '../../shared/config.js';
import { dynamoLedger } from '../../shared/ledger/store.js';
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
});
const logger = rootLogger.child({ function: 'trace-reconciler' });
const secret = jsonSecret({
  secretId: config.ZSCALER_SECRET_ID,
  schema: zscalerSecretSchema,
  ttlMs: config.SECRET_CACHE_TTL_SECONDS * 1000,
});
const clients = createZscalerClients(zscalerOptionsFromConfig(config), { secret, logger });

const ledger = dynamoLedger({ tableName: config.LEDGER_TABLE, retentionDays: config.LEDGER_RETENTION_DAYS });

export const handler = makeHandler({
  traces: zdxTracePort(clients.zdx),
  ledger,
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
    // A step that starts with less than this left could be cut by the Lambda timeout mid-way.
    reserveMs: 5_000,
  },
});
