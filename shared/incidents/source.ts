/**
 * What an incident source is: a name (the `{source}` of `POST /webhooks/{source}`), the section of the webhooks
 * secret it uses, how it authenticates the raw request (before anything is parsed), and how it reduces the
 * vendor's body to an {@link IncidentEvent}. Plus the helpers every source needs to read untrusted payloads the
 * same way: bounded text, bounded lists, vendor times.
 */
import type { MaintenanceDeclareCommand } from '../commands/contract.js';
import { ValidationError } from '../errors.js';
import type { WebhookSection, WebhookSectionName } from '../webhooks/secrets.js';
import { cleanText, refusedCharacter } from '../validation/sqsText.js';
import { extractEmails } from './emails.js';
import type { IncidentEvent } from './event.js';

/** The request as the sender made it: the raw body text (exactly the signed bytes), headers and query. */
export interface WebhookRequest {
  rawBody: string;
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
}

/** Deployment configuration a source may read (README "Configuration"). */
export interface SourceOptions {
  /** PagerDuty: dotted paths under `event.data` that may hold the affected user's email. */
  emailFields: string[];
  /** Opsgenie / JSM: keys of `alert.details` that may hold the affected user's email. */
  opsgenieUserFields?: string[];
}

/** One incident source; see the module comment. */
export interface IncidentSource<K extends WebhookSectionName = WebhookSectionName> {
  /** Lower-case letters and digits: the path segment, the ledger key's prefix and the session name's middle. */
  name: string;
  /** Its section of the webhooks secret (the schema is `webhookSectionSchemas[section]`). */
  section: K;
  /**
   * Throws UnauthorizedError unless the request comes from the vendor; must not parse the body.
   * @param nowSec unix seconds (injectable for tests).
   */
  authenticate(req: WebhookRequest, secret: WebhookSection<K>, nowSec: number): void;
  /** The body (and headers) as an {@link IncidentEvent}; throws ValidationError for a body it cannot read. */
  normalise(req: WebhookRequest, opts: SourceOptions): IncidentEvent;
  /**
   * For a source whose deliveries may declare a maintenance window instead (Rootly's scheduled incidents): called
   * after `authenticate`, before `normalise`; a result sends the delivery to the maintenance path (the policy
   * queue), undefined leaves it an incident. Throws ValidationError for a maintenance it cannot read.
   */
  maintenance?(req: WebhookRequest): MaintenanceDelivery | undefined;
}

/** A delivery on the maintenance path: the maintenance it declares, or why it declares none. */
export type MaintenanceDelivery =
  | { kind: 'maintenance'; maintenance: MaintenanceDeclareCommand['maintenance'] }
  | { kind: 'ignored'; reason: string };

/** A source as the registry holds it: the section type is checked inside the source module, not here. */
export type AnyIncidentSource = IncidentSource<WebhookSectionName>;

/** Keeps a source's own section type while letting the registry hold sources of every section in one list. */
export const defineSource = <K extends WebhookSectionName>(source: IncidentSource<K>): AnyIncidentSource =>
  source as unknown as AnyIncidentSource;

/** Items read from any one list in a payload (tags, custom fields, labels); the rest are not looked at. */
export const MAX_LIST_ITEMS = 100;
/** Longest title, service and link we keep (they end up in chat messages and ZDX-facing reports). */
export const MAX_TITLE_CHARS = 300;
export const MAX_SERVICE_CHARS = 200;
/** Longest incident or event id accepted: vendor ids are far shorter; a longer one is not a real delivery. */
export const MAX_ID_CHARS = 256;

/** Optional text: cleaned, and undefined when nothing is left. */
export function optionalText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = cleanText(String(value), max);
  return text === '' ? undefined : text;
}

/**
 * An identifier the system keys on (incident id, event id): must be exact, so one holding a refused character
 * or too long is a bad request rather than something to repair.
 * @throws ValidationError naming `what`.
 */
export function requiredId(value: unknown, what: string): string {
  const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof id !== 'string' || id.trim() === '') throw new ValidationError(`${what}: required`);
  if (id.length > MAX_ID_CHARS) throw new ValidationError(`${what}: must have at most ${MAX_ID_CHARS} characters`);
  const bad = refusedCharacter(id);
  if (bad) throw new ValidationError(`${what}: holds ${bad}, a character a queue message cannot carry`);
  return id.trim();
}

/** At most {@link MAX_LIST_ITEMS} items of `value` when it is an array, else none. */
export const boundedList = (value: unknown): unknown[] => (Array.isArray(value) ? value.slice(0, MAX_LIST_ITEMS) : []);

/** Emails in tags of the form `user:<email>` (Datadog, Opsgenie, Rootly labels). */
export function emailsFromUserTags(tags: readonly unknown[], prefix = 'user:'): string[] {
  return tags.flatMap((t) =>
    typeof t === 'string' && t.toLowerCase().startsWith(prefix) ? extractEmails(t.slice(prefix.length)) : [],
  );
}

/**
 * A vendor time as ISO 8601: an ISO string, or a unix epoch in seconds, milliseconds, microseconds or
 * nanoseconds (Opsgenie's `updatedAt` is in nanoseconds, its `createdAt` in milliseconds), told apart by size.
 * Undefined when it is none of these: the event then carries no time rather than a wrong one.
 */
export function vendorTime(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '' && !/^\d+(\.\d+)?$/.test(value.trim())) {
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : new Date(at).toISOString();
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const ms = n >= 1e17 ? n / 1e6 : n >= 1e14 ? n / 1e3 : n >= 1e11 ? n : n * 1000;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
