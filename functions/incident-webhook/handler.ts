/** Lambda entry: dependencies built once per container from the environment (see README "Configuration"). */
import { sqsCommandQueue, TRACE_MESSAGE_GROUP } from '../../shared/aws/queue.js';
import {
  commonFields,
  incidentFields,
  loadConfig,
  policyQueueFields,
  traceQueueFields,
  webhookFields,
} from '../../shared/config.js';
import { logger } from '../../shared/logger.js';
import { webhookSecrets } from '../../shared/webhooks/secrets.js';
import { makeHandler } from './app.js';

const config = loadConfig({
  ...commonFields,
  ...traceQueueFields,
  ...policyQueueFields,
  ...webhookFields,
  ...incidentFields,
});

export const handler = makeHandler({
  // Incident events only open and resolve traces: they go straight to the trace reconciler's queue.
  queue: sqsCommandQueue(config.TRACE_QUEUE_URL, undefined, TRACE_MESSAGE_GROUP),
  // Declared maintenances (Statuspage) change ZPA policy: the reconciler's queue.
  policyQueue: sqsCommandQueue(config.POLICY_QUEUE_URL),
  secrets: webhookSecrets(config.WEBHOOK_SECRET_ID, config.SECRET_CACHE_TTL_SECONDS),
  logger: logger.child({ function: 'incident-webhook' }),
  emailFields: config.PAGERDUTY_EMAIL_FIELDS,
  opsgenieUserFields: config.OPSGENIE_USER_FIELDS,
  maxBodyBytes: config.MAX_BODY_BYTES,
  maxEventAgeSeconds: config.MAX_EVENT_AGE_SECONDS,
  maxAffectedUsers: config.MAX_AFFECTED_USERS,
});
