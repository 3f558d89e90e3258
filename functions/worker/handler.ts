/** Lambda entry: clients built once per container so tokens and connections survive warm starts. */
import { dynamoReceipts } from '../../shared/commands/receipts.js';
import { sqsCommandQueue, TRACE_MESSAGE_GROUP } from '../../shared/aws/queue.js';
import { jsonSecret } from '../../shared/aws/secrets.js';
import { zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import {
  commonFields,
  ledgerFields,
  loadConfig,
  reportFields,
  traceQueueFields,
  zscalerFields,
  zscalerOptionsFromConfig,
  zpaStatusFields,
} from '../../shared/config.js';
import { dynamoLedger } from '../../shared/ledger/store.js';
import { dynamoWindowStops } from '../../shared/windows/stops.js';
import { logger as rootLogger } from '../../shared/logger.js';
import { createReporter } from '../../shared/reporting/reporter.js';
import { createZscalerClients } from '../../shared/zscaler/clients.js';
import { zscalerSecretSchema } from '../../shared/zscaler/credentials.js';
import { makeHandler } from './app.js';

const config = loadConfig({
  ...commonFields,
  ...traceQueueFields,
  ...zscalerFields,
  ...reportFields,
  ...ledgerFields,
  ...zpaStatusFields,
});
const logger = rootLogger.child({ function: 'worker' });
const secret = jsonSecret({
  secretId: config.ZSCALER_SECRET_ID,
  schema: zscalerSecretSchema,
  ttlMs: config.SECRET_CACHE_TTL_SECONDS * 1000,
});
const clients = createZscalerClients(zscalerOptionsFromConfig(config, config.ZPA_STATUS_READS_PER_10S), {
  secret,
  logger,
});

// Status reads ZPA through the bypass port's two list calls only (typed as StatusPort): no writes here.
const zpa = config.ZPA_CUSTOMER_ID
  ? zpaBypassPort({ api: clients.zpa, customerId: config.ZPA_CUSTOMER_ID, microtenantId: config.ZPA_MICROTENANT_ID })
  : undefined;

export const handler = makeHandler({
  zpa: zpa && { listForwardingRules: zpa.listForwardingRules, listSegments: zpa.listSegments },
  ledger: dynamoLedger({ tableName: config.LEDGER_TABLE, retentionDays: config.LEDGER_RETENTION_DAYS }),
  windowStops: dynamoWindowStops({ tableName: config.LEDGER_TABLE }),
  receipts: dynamoReceipts({ tableName: config.LEDGER_TABLE }),
  traceQueue: sqsCommandQueue(config.TRACE_QUEUE_URL, undefined, TRACE_MESSAGE_GROUP),
  reporter: createReporter({ callbackUrl: config.REPORT_CALLBACK_URL, logger }),
  logger,
});
