/**
 * The cold-start wiring both chat functions share: configuration, the routed command queue, the webhook
 * secrets, the permissions. Kept small for Slack's 3-second budget: no Zscaler client, no undici, zod/mini
 * only; the heavy parts are the two AWS SDK clients, created once per container.
 */
import bundledPermissions from '../../config/chatops-permissions.json' with { type: 'json' };
import { routedCommandQueue } from '../aws/queue.js';
import type { CommandQueue } from '../commands/queue.js';
import type { SecretSource } from '../aws/secrets.js';
import {
  chatopsFields,
  commonFields,
  loadConfig,
  policyQueueFields,
  queueFields,
  traceQueueFields,
  webhookFields,
} from '../config.js';
import { logger, type Logger } from '../logger.js';
import { webhookSecrets, type WebhookSecrets } from '../webhooks/secrets.js';
import { loadPermissions, type Permissions } from './permissions.js';

const loadChatConfig = () =>
  loadConfig({
    ...commonFields,
    ...queueFields,
    ...policyQueueFields,
    ...traceQueueFields,
    ...webhookFields,
    ...chatopsFields,
  });

/** What both chat handlers get from the wiring (the Slack one adds its API base URL). */
export interface ChatIngressDeps {
  queue: CommandQueue;
  secrets: SecretSource<WebhookSecrets>;
  logger: Logger;
  permissions: Permissions;
  maxBodyBytes: number;
  /** COMMAND_CHECK_DELAY_SECONDS (shared/commands/receipts.ts); absent or 0: no checks. */
  checkDelaySeconds?: number;
}

export function chatIngressDeps(functionName: string): ChatIngressDeps & { config: ReturnType<typeof loadChatConfig> } {
  const config = loadChatConfig();
  return {
    config,
    queue: routedCommandQueue({
      work: config.WORK_QUEUE_URL,
      policy: config.POLICY_QUEUE_URL,
      trace: config.TRACE_QUEUE_URL,
    }),
    secrets: webhookSecrets(config.WEBHOOK_SECRET_ID, config.SECRET_CACHE_TTL_SECONDS),
    logger: logger.child({ function: functionName }),
    permissions: loadPermissions(config.CHATOPS_PERMISSIONS, bundledPermissions),
    maxBodyBytes: config.MAX_BODY_BYTES,
    checkDelaySeconds: config.COMMAND_CHECK_DELAY_SECONDS,
  };
}
