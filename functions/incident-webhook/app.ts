/**
 * POST /webhooks/{source}: verify the signature over the raw body, normalise, enqueue, answer 202.
 * Nothing is parsed before the signature checks out, and nothing is enqueued for a bad request.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ingestIncident } from '../../shared/incidents/ingest.js';
import type { CommandQueue } from '../../shared/commands/queue.js';
import type { SecretSource } from '../../shared/aws/secrets.js';
import { NotFoundError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { jsonResponse } from '../../shared/middleware/errorResponse.js';
import { httpHandler } from '../../shared/middleware/presets.js';
import {
  GENERIC_SIGNATURE_HEADER,
  GENERIC_TIMESTAMP_HEADER,
  normaliseGeneric,
  verifyGenericSignature,
} from '../../shared/incidents/generic.js';
import { decodeBody, headerValue } from '../../shared/webhooks/hmac.js';
import type { IncidentEvent } from '../../shared/incidents/event.js';
import {
  normalisePagerDuty,
  PAGERDUTY_SIGNATURE_HEADER,
  verifyPagerDutySignature,
} from '../../shared/incidents/pagerduty.js';
import { verifierWithRotation, webhookSection, type WebhookSecrets } from '../../shared/webhooks/secrets.js';

export interface IncidentWebhookDeps {
  queue: CommandQueue;
  secrets: SecretSource<WebhookSecrets>;
  logger: Logger;
  emailFields: string[];
  maxBodyBytes: number;
  /** Signed events older than this are ignored (replay bound); default 1 hour. */
  maxEventAgeSeconds?: number;
}

export function makeHandler(deps: IncidentWebhookDeps) {
  const verify = verifierWithRotation(deps.secrets);
  return httpHandler(deps.logger, async (event: APIGatewayProxyEventV2) => {
    const source = event.pathParameters?.source;
    const raw = decodeBody(event.body, event.isBase64Encoded, deps.maxBodyBytes);
    let incident: IncidentEvent;
    if (source === 'pagerduty') {
      await verify((s) =>
        verifyPagerDutySignature(
          raw,
          headerValue(event.headers, PAGERDUTY_SIGNATURE_HEADER),
          webhookSection(s, 'pagerduty'),
        ),
      );
      incident = normalisePagerDuty(raw, { emailFields: deps.emailFields });
    } else if (source === 'generic') {
      const headers = {
        signature: headerValue(event.headers, GENERIC_SIGNATURE_HEADER),
        timestamp: headerValue(event.headers, GENERIC_TIMESTAMP_HEADER),
      };
      await verify((s) => verifyGenericSignature(raw, headers, webhookSection(s, 'generic')));
      incident = normaliseGeneric(raw);
    } else {
      throw new NotFoundError(`unknown webhook source "${source ?? ''}"; use pagerduty or generic`);
    }
    return jsonResponse(
      202,
      await ingestIncident(incident, deps.queue, deps.logger, { maxEventAgeSeconds: deps.maxEventAgeSeconds }),
    );
  });
}
