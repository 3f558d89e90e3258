/**
 * POST /webhooks/{source}: authenticate the raw request, normalise, enqueue, answer 202.
 * Nothing is parsed before the request is authenticated, and nothing is enqueued for a bad request. The
 * sources are the registry's (shared/incidents/sources.ts); this handler knows none of them by name.
 * A status page's scheduled maintenance (`POST /webhooks/statuspage/{token}`) is not an incident: it declares a
 * maintenance window, so it goes to the policy queue (shared/windows/statuspage.ts). So does a source's delivery
 * that its `maintenance` reads as one (Rootly's scheduled incidents, shared/windows/rootly.ts), after the
 * source's own authentication.
 * A refusal is counted (WebhooksRejected, by reason) where every error becomes a response, in
 * shared/middleware/errorResponse.ts; an accepted request is counted here, by source.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CommandQueue } from '../../shared/commands/queue.js';
import type { SecretSource } from '../../shared/aws/secrets.js';
import { NotFoundError } from '../../shared/errors.js';
import { ingestIncident } from '../../shared/incidents/ingest.js';
import { findSource, INCIDENT_SOURCES } from '../../shared/incidents/sources.js';
import type { MaintenanceDelivery, WebhookRequest } from '../../shared/incidents/source.js';
import type { Logger } from '../../shared/logger.js';
import { jsonResponse } from '../../shared/middleware/errorResponse.js';
import { httpHandler } from '../../shared/middleware/presets.js';
import { decodeBody } from '../../shared/webhooks/hmac.js';
import { declareCommand } from '../../shared/windows/declaration.js';
import { authenticateStatuspage, parseStatuspage } from '../../shared/windows/statuspage.js';
import { verifierWithRotation, webhookSection, type WebhookSecrets } from '../../shared/webhooks/secrets.js';

export interface IncidentWebhookDeps {
  queue: CommandQueue;
  /** The FIFO policy queue: declared maintenances (Statuspage, Rootly) go to the reconciler. */
  policyQueue?: CommandQueue;
  secrets: SecretSource<WebhookSecrets>;
  logger: Logger;
  /** PagerDuty: dotted paths under `event.data` that may hold the affected user's email. */
  emailFields: string[];
  /** Opsgenie / JSM: `alert.details` keys that may hold it (default: affected_user, user_email, user). */
  opsgenieUserFields?: string[];
  maxBodyBytes: number;
  /** Signed events older than this are ignored (replay bound); default 1 hour. */
  maxEventAgeSeconds?: number;
  /** Affected users acted on per event (`MAX_AFFECTED_USERS`); default 50, the contract's bound. */
  maxAffectedUsers?: number;
}

const VALID = INCIDENT_SOURCES.map((s) => s.name).join(', ');

export function makeHandler(deps: IncidentWebhookDeps) {
  const verify = verifierWithRotation(deps.secrets);
  return httpHandler(deps.logger, async (event: APIGatewayProxyEventV2) => {
    const name = event.pathParameters?.source;
    const rawBody = decodeBody(event.body, event.isBase64Encoded, deps.maxBodyBytes);
    if (name === 'statuspage') return statuspage(event.pathParameters?.token, rawBody);
    // Only a status page authenticates with a token in the path.
    const source = event.pathParameters?.token === undefined ? findSource(name) : undefined;
    if (!source) throw new NotFoundError(`unknown webhook source "${name ?? ''}"; use one of ${VALID}`);
    const req: WebhookRequest = {
      rawBody,
      headers: event.headers ?? {},
      query: event.queryStringParameters ?? {},
    };
    await verify((s) => source.authenticate(req, webhookSection(s, source.section), Date.now() / 1000));
    const maintenance = source.maintenance?.(req);
    if (maintenance) return declare(source.name, maintenance);
    const incident = source.normalise(req, {
      emailFields: deps.emailFields,
      opsgenieUserFields: deps.opsgenieUserFields,
    });
    const result = await ingestIncident(incident, deps.queue, deps.logger, {
      maxEventAgeSeconds: deps.maxEventAgeSeconds,
      maxAffectedUsers: deps.maxAffectedUsers,
    });
    deps.logger.metric('WebhooksAccepted', 1, { dims: { source: source.name } });
    return jsonResponse(202, result);
  });

  /** Token first (nothing is parsed before it matches), then the maintenance → `maintenance.declare` → 202. */
  async function statuspage(token: string | undefined, rawBody: string) {
    await verify((s) => authenticateStatuspage(token, webhookSection(s, 'statuspage')));
    if (!deps.policyQueue) throw new NotFoundError('maintenance webhooks are not configured in this deployment');
    return declare('statuspage', parseStatuspage(rawBody));
  }

  /** An authenticated delivery on the maintenance path: its `maintenance.declare` to the policy queue → 202. */
  async function declare(sourceName: string, parsed: MaintenanceDelivery) {
    if (!deps.policyQueue) throw new NotFoundError('maintenance webhooks are not configured in this deployment');
    deps.logger.metric('WebhooksAccepted', 1, { dims: { source: sourceName } });
    if (parsed.kind === 'ignored') return jsonResponse(202, { status: 'ignored', reason: parsed.reason });
    const command = declareCommand(parsed.maintenance);
    await deps.policyQueue.send(command);
    deps.logger.info('maintenance enqueued', {
      commandId: command.id,
      source: sourceName,
      maintenanceId: parsed.maintenance.id,
      status: parsed.maintenance.status,
    });
    return jsonResponse(202, { status: 'accepted', commandId: command.id, command: command.type });
  }
}
