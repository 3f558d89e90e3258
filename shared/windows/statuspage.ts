/**
 * Statuspage (Atlassian) scheduled maintenances, through a webhook subscription on the page
 * (docs/sources.md, "Statuspage scheduled maintenances").
 *
 * Authentication: Statuspage signs nothing and cannot add a header, so the subscription URL carries an
 * unguessable token as its last path segment (`POST /webhooks/statuspage/<token>`), compared in constant time
 * (both sides hashed first) with the `statuspage` section of the webhooks secret (two entries during a rotation).
 * There is no signed time either: replays of a captured delivery are bounded by the vendor's `updated_at`, which
 * orders every state of a maintenance (shared/windows/declared.ts): an old state replayed changes nothing.
 *
 * Payload: `meta`, `page` (`id`), and either `incident` or `component_update`. A scheduled maintenance is an
 * `incident` with `scheduled_for` / `scheduled_until` and a status of `scheduled` → `in_progress` → `verifying` →
 * `completed`; its `components[]` (`id`, `name`) are what it affects. Realtime incidents (investigating,
 * identified, monitoring, resolved, postmortem) and component updates are answered 202 "ignored": they declare no
 * window. Statuspage documents no cancelled status; one named `cancelled` is read as the end of the maintenance.
 */
import * as z from 'zod/mini';
import { MAX_MAINTENANCE_COMPONENTS } from '../commands/contract.js';
import { type MaintenanceDelivery, MAX_TITLE_CHARS, optionalText } from '../incidents/source.js';
import { ValidationError } from '../errors.js';
import { parseJsonBody, parseWithSchema } from '../validation/parse.js';
import { assertTokenMatches } from '../webhooks/tokens.js';

const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed', 'cancelled'] as const;
type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

/** Statuspage ids (pages, incidents, components) are short lowercase alphanumerics, e.g. `jb7j80lkgqvb`. */
const STATUSPAGE_ID = /^[a-z0-9]{1,40}$/;

const nullableText = () => z.optional(z.nullable(z.string()));
const StatuspageWebhookSchema = z.looseObject({
  page: z.looseObject({ id: z.string().check(z.minLength(1), z.maxLength(100)) }),
  incident: z.optional(
    z.nullable(
      z.looseObject({
        id: z.string().check(z.minLength(1), z.maxLength(100)),
        name: nullableText(),
        status: z.string().check(z.minLength(1), z.maxLength(40)),
        scheduled_for: nullableText(),
        scheduled_until: nullableText(),
        updated_at: nullableText(),
        shortlink: nullableText(),
        components: z.optional(
          z.nullable(
            z.array(z.looseObject({ id: z.string().check(z.minLength(1), z.maxLength(100)), name: nullableText() })),
          ),
        ),
      }),
    ),
  ),
});

/**
 * Reads a Statuspage webhook body (authenticate first); see the module comment. The maintenance becomes a
 * command with shared/windows/declaration.ts, like Rootly's.
 */
export function parseStatuspage(rawBody: string): MaintenanceDelivery {
  const json = parseJsonBody(rawBody, 'Statuspage webhook body');
  const { page, incident } = parseWithSchema(StatuspageWebhookSchema, json, 'Statuspage webhook');
  if (!incident) return { kind: 'ignored', reason: 'not an incident or maintenance (a component update)' };
  const status = incident.status.toLowerCase();
  if (!incident.scheduled_for || !MAINTENANCE_STATUSES.includes(status as MaintenanceStatus))
    return { kind: 'ignored', reason: `a realtime incident (status ${status}), not a scheduled maintenance` };
  const id = statuspageId(incident.id, 'incident.id');
  const pageId = statuspageId(page.id, 'page.id');
  const scheduledFor = isoTime(incident.scheduled_for, 'incident.scheduled_for');
  const scheduledUntil = isoTime(incident.scheduled_until, 'incident.scheduled_until');
  const updatedAt = isoTime(incident.updated_at, 'incident.updated_at');
  if (Date.parse(scheduledUntil) <= Date.parse(scheduledFor))
    throw new ValidationError('invalid Statuspage webhook: incident.scheduled_until must be after scheduled_for');
  const components = incident.components ?? [];
  if (components.length > MAX_MAINTENANCE_COMPONENTS)
    throw new ValidationError(
      `invalid Statuspage webhook: incident.components: at most ${MAX_MAINTENANCE_COMPONENTS} are accepted`,
    );
  const link =
    incident.shortlink && /^https?:\/\//.test(incident.shortlink) ? optionalText(incident.shortlink, 500) : undefined;
  return {
    kind: 'maintenance',
    maintenance: {
      source: 'statuspage',
      id,
      pageId,
      name: optionalText(incident.name, MAX_TITLE_CHARS) ?? '',
      status: status as MaintenanceStatus,
      scheduledFor,
      scheduledUntil,
      updatedAt,
      components: components.map((c, i) => ({
        id: statuspageId(c.id, `incident.components[${i}].id`),
        name: optionalText(c.name, MAX_TITLE_CHARS) ?? '',
      })),
      ...(link ? { link } : {}),
    },
  };
}

function statuspageId(value: string, what: string): string {
  if (!STATUSPAGE_ID.test(value))
    throw new ValidationError(
      `invalid Statuspage webhook: ${what}: must be a Statuspage id (lowercase letters and digits)`,
    );
  return value;
}

function isoTime(value: string | null | undefined, what: string): string {
  const at = value ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new ValidationError(`invalid Statuspage webhook: ${what}: must be a date and time`);
  return new Date(at).toISOString();
}

/** The token is the URL's last path segment. @throws UnauthorizedError for a missing or wrong one. */
export const authenticateStatuspage = (token: string | undefined, tokens: readonly string[]): void =>
  assertTokenMatches(token, tokens, 'Statuspage');
