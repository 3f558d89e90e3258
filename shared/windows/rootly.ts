/**
 * Rootly scheduled incidents (Rootly's maintenances), through the `rootly` webhook (docs/sources.md, "Rootly
 * scheduled incidents"). The delivery is authenticated first, like every Rootly delivery, by its
 * `X-Rootly-Signature` (shared/incidents/rootly.ts, which routes the scheduled ones here): nothing below runs on
 * an unsigned body.
 *
 * Which deliveries are maintenances: the `incident.scheduled.*` events (`created`, `updated`, `in_progress`,
 * `completed`, `deleted`), and the generic `incident.cancelled` / `incident.deleted` of an incident whose
 * `data.kind` is `scheduled` (or `scheduled_sub`). Any other event about such an incident is ignored rather than
 * treated as an incident: a maintenance never starts a deep trace.
 *
 * Status: from the event type (`in_progress`, `completed`; `deleted` and `incident.cancelled` end it as
 * `cancelled`), else from `data.status` (`scheduled`, `in_progress`, `completed`, `cancelled`; anything else is
 * read as `scheduled`). What it affects: `data.services[]` and `data.functionalities[]` (`id`, `name`). Times:
 * `data.scheduled_for` / `data.scheduled_until`. Order: `event.issued_at`, the time Rootly issued this event (every
 * event of one incident has its own, a retry the same), else `data.updated_at`. Rootly ids are UUIDs; they are
 * lowercased so that one maintenance is one window id (`rootly:<id>`).
 */
import * as z from 'zod/mini';
import type { MaintenanceDeclareCommand } from '../commands/contract.js';
import { MAX_MAINTENANCE_COMPONENTS } from '../commands/contract.js';
import { ValidationError } from '../errors.js';
import {
  boundedList,
  type MaintenanceDelivery,
  MAX_SERVICE_CHARS,
  MAX_TITLE_CHARS,
  optionalText,
  requiredId,
} from '../incidents/source.js';
import { parseJsonBody, parseWithSchema } from '../validation/parse.js';

type Maintenance = MaintenanceDeclareCommand['maintenance'];
type Component = Maintenance['components'][number];

/** Lowercase UUIDs and the like: letters, digits and dashes, at most 40 (the window id holds 48). */
const ROOTLY_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const SCHEDULED_PREFIX = 'incident.scheduled.';
const SCHEDULED_KINDS = new Set(['scheduled', 'scheduled_sub']);
/** Statuses the event type fixes; `incident.cancelled` / `incident.deleted` count only for a scheduled incident. */
const STATUS_BY_EVENT: Readonly<Record<string, Maintenance['status']>> = {
  'incident.scheduled.in_progress': 'in_progress',
  'incident.scheduled.completed': 'completed',
  'incident.scheduled.deleted': 'cancelled',
  'incident.cancelled': 'cancelled',
  'incident.deleted': 'cancelled',
};
const DATA_STATUSES = new Set<string>(['scheduled', 'in_progress', 'completed', 'cancelled']);

const text = () => z.optional(z.nullable(z.string()));
const RootlyScheduledSchema = z.looseObject({
  event: z.looseObject({
    id: z.string().check(z.minLength(1)),
    type: z.string().check(z.minLength(1), z.maxLength(200)),
    issued_at: text(),
  }),
  data: z.looseObject({
    id: text(),
    kind: text(),
    title: text(),
    status: text(),
    scheduled_for: text(),
    scheduled_until: text(),
    updated_at: text(),
    url: text(),
    services: z.optional(z.nullable(z.array(z.unknown()))),
    functionalities: z.optional(z.nullable(z.array(z.unknown()))),
  }),
});

/** Only the routing fields: what decides whether a delivery is a maintenance at all. */
const RoutingSchema = z.looseObject({
  event: z.looseObject({ type: z.optional(z.unknown()) }),
  data: z.optional(z.nullable(z.looseObject({ kind: z.optional(z.unknown()) }))),
});

/** Whether a Rootly body (already parsed JSON) is about a scheduled incident; anything unreadable is not. */
function isMaintenanceDelivery(json: unknown): boolean {
  const r = RoutingSchema.safeParse(json);
  if (!r.success) return false;
  const type = r.data.event.type;
  if (typeof type !== 'string') return false;
  if (type.startsWith(SCHEDULED_PREFIX)) return true;
  const kind = r.data.data?.kind;
  return typeof kind === 'string' && SCHEDULED_KINDS.has(kind.toLowerCase());
}

/**
 * The maintenance a signed Rootly delivery declares, or undefined when it is an incident (every event that is
 * not about a scheduled incident: shared/incidents/rootly.ts normalises those).
 * @throws ValidationError for a scheduled incident without a valid id, times or event time.
 */
export function parseRootlyMaintenance(rawBody: string): MaintenanceDelivery | undefined {
  const json = parseJsonBody(rawBody, 'Rootly webhook body');
  if (!isMaintenanceDelivery(json)) return undefined;
  const { event, data } = parseWithSchema(RootlyScheduledSchema, json, 'Rootly webhook');
  const type = event.type;
  const status = Object.hasOwn(STATUS_BY_EVENT, type)
    ? STATUS_BY_EVENT[type]
    : type.startsWith(SCHEDULED_PREFIX)
      ? dataStatus(data.status)
      : undefined;
  if (!status)
    return {
      kind: 'ignored',
      reason: `${type} of a scheduled incident: its lifecycle comes from the incident.scheduled.* events`,
    };
  const id = rootlyId(data.id, 'data.id');
  const scheduledFor = isoTime(data.scheduled_for, 'data.scheduled_for');
  const scheduledUntil = isoTime(data.scheduled_until, 'data.scheduled_until');
  const updatedAt = isoTime(event.issued_at ?? data.updated_at, 'event.issued_at');
  if (Date.parse(scheduledUntil) <= Date.parse(scheduledFor))
    throw new ValidationError('invalid Rootly webhook: data.scheduled_until must be after scheduled_for');
  const components = [
    ...affected(data.services, 'service', 'data.services'),
    ...affected(data.functionalities, 'functionality', 'data.functionalities'),
  ];
  if (components.length > MAX_MAINTENANCE_COMPONENTS)
    throw new ValidationError(
      `invalid Rootly webhook: data.services and data.functionalities: at most ${MAX_MAINTENANCE_COMPONENTS} in all are accepted`,
    );
  const link = data.url && /^https?:\/\//.test(data.url) ? optionalText(data.url, 500) : undefined;
  return {
    kind: 'maintenance',
    maintenance: {
      source: 'rootly',
      id,
      name: optionalText(data.title, MAX_TITLE_CHARS) ?? '',
      status,
      scheduledFor,
      scheduledUntil,
      updatedAt,
      components,
      ...(link ? { link } : {}),
    },
  };
}

/** `data.status` of a created or updated scheduled incident; one we do not know is still a scheduled maintenance. */
const dataStatus = (value: string | null | undefined): Maintenance['status'] => {
  const s = (value ?? '').toLowerCase();
  return DATA_STATUSES.has(s) ? (s as Maintenance['status']) : 'scheduled';
};

/** Services or functionalities as components: each needs an id; the name is what the mapping may use instead. */
function affected(list: unknown, kind: NonNullable<Component['kind']>, what: string): Component[] {
  return boundedList(list).map((item, i) => {
    const o = (item ?? {}) as { id?: unknown; name?: unknown };
    const id = requiredId(o.id, `invalid Rootly webhook: ${what}[${i}].id`);
    if (id.length > 100) throw new ValidationError(`invalid Rootly webhook: ${what}[${i}].id: at most 100 characters`);
    return { id, name: optionalText(o.name, MAX_SERVICE_CHARS) ?? '', kind };
  });
}

function rootlyId(value: string | null | undefined, what: string): string {
  const id = (value ?? '').trim().toLowerCase();
  if (!ROOTLY_ID.test(id))
    throw new ValidationError(`invalid Rootly webhook: ${what}: must be a Rootly id (letters, digits and dashes)`);
  return id;
}

function isoTime(value: string | null | undefined, what: string): string {
  const at = value ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new ValidationError(`invalid Rootly webhook: ${what}: must be a date and time`);
  return new Date(at).toISOString();
}
