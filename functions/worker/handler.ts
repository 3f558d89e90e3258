/** Lambda entry: clients built once per container so tokens, pacing and connections survive warm starts. */
import { sqsCommandQueue } from '../../shared/aws/queue.js';
import { jsonSecret } from '../../shared/aws/secrets.js';
import { commonFields, loadConfig, queueFields, reportFields, traceFields, zscalerFields, zscalerOptionsFromConfig } from '../../shared/config.js';
import { logger as rootLogger } from '../../shared/logger.js';
import { zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import { createReporter } from '../../shared/reporting/reporter.js';
import { createZscalerClients } from '../../shared/zscaler/clients.js';
import { zscalerSecretSchema } from '../../shared/zscaler/credentials.js';
import { zdxTracePort } from '../../shared/traces/zdxPort.js';
import { makeHandler } from './app.js';

const config = loadConfig({ ...commonFields, ...queueFields, ...zscalerFields, ...traceFields, ...reportFields });
const logger = rootLogger.child({ function: 'worker' });
const secret = jsonSecret({ secretId: config.ZSCALER_SECRET_ID, schema: zscalerSecretSchema, ttlMs: config.SECRET_CACHE_TTL_SECONDS * 1000 });
const clients = createZscalerClients(zscalerOptionsFromConfig(config), { secret, logger });

// Status reads ZPA through the bypass port's two list calls only (typed as StatusPort): no writes here.
const zpa = config.ZPA_CUSTOMER_ID ? zpaBypassPort({ api: clients.zpa, customerId: config.ZPA_CUSTOMER_ID, microtenantId: config.ZPA_MICROTENANT_ID }) : undefined;

export const handler = makeHandler({
  traces: zdxTracePort(clients.zdx),
  zpa: zpa && { listForwardingRules: zpa.listForwardingRules, listSegments: zpa.listSegments },
  queue: sqsCommandQueue(config.WORK_QUEUE_URL),
  reporter: createReporter({ callbackUrl: config.REPORT_CALLBACK_URL, logger }),
  logger,
  settings: {
    lookbackHours: config.ZDX_DEVICE_LOOKBACK_HOURS,
    sessionMinutes: config.TRACE_SESSION_MINUTES,
    checkDelaySeconds: config.TRACE_CHECK_DELAY_SECONDS,
    maxChecks: config.TRACE_MAX_CHECKS,
  },
});
