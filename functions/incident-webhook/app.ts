/**
 * POST /webhooks/{source}: authenticate the raw request, normalise, enqueue, answer 202.
 * Nothing is parsed before the request is authenticated, and nothing is enqueued for a bad request. The
 * sources are the registry's (shared/incidents/sources.ts); this handler knows none of them by name.
 * A refusal is counted (WebhooksRejected, by reason) where every error becomes a response, in
 * shared/middleware/errorResponse.ts; an accepted request is counted here, by source.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CommandQueue } from '../../shared/commands/queue.js';
import type { SecretSource } from '../../shared/aws/secrets.js';
import { NotFoundError } from '../../shared/errors.js';
import { ingestIncident } from '../../shared/incidents/ingest.js';
import { findSource, INCIDENT_SOURCES } from '../../shared/incidents/sources.js';
import type { WebhookRequest } from '../../shared/incidents/source.js';
import type { Logger } from '../../shared/logger.js';
import { jsonResponse } from '../../shared/middleware/errorResponse.js';
import { httpHandler } from '../../shared/middleware/presets.js';
import { decodeBody } from '../../shared/webhooks/hmac.js';
import { verifierWithRotation, webhookSection, type WebhookSecrets } from '../../shared/webhooks/secrets.js';

export interface IncidentWebhookDeps {
  queue: CommandQueue;
  secrets: SecretSource<WebhookSecrets>;
  logger: Logger;
  /** PagerDuty: dotted paths under `event.data` that may hold the affected user's email. */
  emailFields: string[];
  /** Opsgenie / JSM: `alert.details` keys that may hold it (default: affected_user, user_email, user). */
  opsgenieUserFields?: string[];
  maxBodyBytes: number;
  /** Signed events older than this are ignored (replay bound); default 1 hour. */
  maxEventAgeSeconds?: number;
}

const VALID = INCIDENT_SOURCES.map((s) => s.name).join(', ');

export function makeHandler(deps: IncidentWebhookDeps) {
  const verify = verifierWithRotation(deps.secrets);
  return httpHandler(deps.logger, async (event: APIGatewayProxyEventV2) => {
    const name = event.pathParameters?.source;
    const source = findSource(name);
    const rawBody = decodeBody(event.body, event.isBase64Encoded, deps.maxBodyBytes);
    if (!source) throw new NotFoundError(`unknown webhook source "${name ?? ''}"; use one of ${VALID}`);
    const req: WebhookRequest = {
      rawBody,
      headers: event.headers ?? {},
      query: event.queryStringParameters ?? {},
    };
    await verify((s) => source.authenticate(req, webhookSection(s, source.section), Date.now() / 1000));
    const incident = source.normalise(req, {
      emailFields: deps.emailFields,
      opsgenieUserFields: deps.opsgenieUserFields,
    });
    const result = await ingestIncident(incident, deps.queue, deps.logger, {
      maxEventAgeSeconds: deps.maxEventAgeSeconds,
    });
    deps.logger.metric('WebhooksAccepted', 1, { dims: { source: source.name } });
    return jsonResponse(202, result);
  });
}
