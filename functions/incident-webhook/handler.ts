/** Lambda entry: dependencies built once per container from the environment (see README "Configuration"). */
import { sqsCommandQueue } from '../../shared/aws/queue.js';
import { commonFields, incidentFields, loadConfig, queueFields, webhookFields } from '../../shared/config.js';
import { logger } from '../../shared/logger.js';
import { webhookSecrets } from '../../shared/webhooks/secrets.js';
import { makeHandler } from './app.js';

const config = loadConfig({ ...commonFields, ...queueFields, ...webhookFields, ...incidentFields });

export const handler = makeHandler({
  queue: sqsCommandQueue(config.WORK_QUEUE_URL),
  secrets: webhookSecrets(config.WEBHOOK_SECRET_ID, config.SECRET_CACHE_TTL_SECONDS),
  logger: logger.child({ function: 'incident-webhook' }),
  emailFields: config.PAGERDUTY_EMAIL_FIELDS,
  maxBodyBytes: config.MAX_BODY_BYTES,
  maxEventAgeSeconds: config.MAX_EVENT_AGE_SECONDS,
});
