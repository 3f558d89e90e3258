/** Lambda entry: the ZPA client and the windows are built once per container. */
import { dynamoReceipts } from '../../shared/commands/receipts.js';
import bundledWindows from '../../config/maintenance-windows.json' with { type: 'json' };
import { sqsCommandQueue } from '../../shared/aws/queue.js';
import { jsonSecret } from '../../shared/aws/secrets.js';
import {
  commonFields,
  loadConfig,
  maintenanceFields,
  policyQueueFields,
  reportFields,
  windowStopFields,
  zscalerFields,
  zscalerOptionsFromConfig,
  zpaReconcilerFields,
} from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';
import { logger as rootLogger } from '../../shared/logger.js';
import { windowsSource } from '../../shared/bypass/load.js';
import { dynamoMarkedSegments } from '../../shared/bypass/markedSegments.js';
import { zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import { dynamoWindowStops } from '../../shared/windows/stops.js';
import { dynamoDeclaredWindows } from '../../shared/windows/declared.js';
import { createReporter } from '../../shared/reporting/reporter.js';
import { createZscalerClients } from '../../shared/zscaler/clients.js';
import { zscalerSecretSchema } from '../../shared/zscaler/credentials.js';
import { makeHandler } from './app.js';

const config = loadConfig({
  ...commonFields,
  ...zscalerFields,
  ...maintenanceFields,
  ...reportFields,
  ...policyQueueFields,
  ...windowStopFields,
  ...zpaReconcilerFields,
});
if (!config.ZPA_CUSTOMER_ID)
  throw new ConfigError('invalid configuration: ZPA_CUSTOMER_ID: is required by the reconciler');
const logger = rootLogger.child({ function: 'reconciler' });
const secret = jsonSecret({
  secretId: config.ZSCALER_SECRET_ID,
  schema: zscalerSecretSchema,
  ttlMs: config.SECRET_CACHE_TTL_SECONDS * 1000,
});
const clients = createZscalerClients(zscalerOptionsFromConfig(config, config.ZPA_READS_PER_10S), { secret, logger });

export const handler = makeHandler({
  port: zpaBypassPort({
    api: clients.zpa,
    customerId: config.ZPA_CUSTOMER_ID,
    microtenantId: config.ZPA_MICROTENANT_ID,
  }),
  windows: windowsSource({ path: config.WINDOWS_FILE, bundled: bundledWindows }),
  logger,
  reporter: createReporter({ callbackUrl: config.REPORT_CALLBACK_URL, logger }),
  dryRun: config.BYPASS_DRY_RUN === 'true',
  overdueGraceMs: config.BYPASS_OVERDUE_GRACE_SECONDS * 1000,
  windowStops: dynamoWindowStops({ tableName: config.LEDGER_TABLE }),
  markedSegments: dynamoMarkedSegments({ tableName: config.LEDGER_TABLE }),
  receipts: dynamoReceipts({ tableName: config.LEDGER_TABLE }),
  declaredWindows: dynamoDeclaredWindows({ tableName: config.LEDGER_TABLE }),
  policyQueue: sqsCommandQueue(config.POLICY_QUEUE_URL),
});
