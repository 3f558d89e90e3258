/** Lambda entry: the same small dependency set as the slash-command function. */
import bundledPermissions from '../../config/chatops-permissions.json' with { type: 'json' };
import { routedCommandQueue } from '../../shared/aws/queue.js';
import { loadPermissions } from '../../shared/chatops/permissions.js';
import { chatopsFields, commonFields, loadConfig, policyQueueFields, queueFields, webhookFields } from '../../shared/config.js';
import { logger } from '../../shared/logger.js';
import { webhookSecrets } from '../../shared/webhookSecrets.js';
import { makeHandler } from './app.js';

const config = loadConfig({ ...commonFields, ...queueFields, ...policyQueueFields, ...webhookFields, ...chatopsFields });

export const handler = makeHandler({
  queue: routedCommandQueue({ work: config.WORK_QUEUE_URL, policy: config.POLICY_QUEUE_URL }),
  secrets: webhookSecrets(config.WEBHOOK_SECRET_ID, config.SECRET_CACHE_TTL_SECONDS),
  logger: logger.child({ function: 'teams-webhook' }),
  permissions: loadPermissions(config.CHATOPS_PERMISSIONS, bundledPermissions),
  maxBodyBytes: config.MAX_BODY_BYTES,
});
