/**
 * ServiceNow incidents, sent by an outbound REST call from a business rule (or a Flow) on the incident table;
 * docs/sources.md has the script and the body template to configure.
 *
 * Authentication, either (both documented; the `servicenow` section of the webhooks secret holds what is used):
 * - HMAC: `X-ServiceNow-Timestamp: <unix seconds>` and `X-ServiceNow-Signature: <base64>`, the HMAC-SHA256 that
 *   `GlideCertificateEncryption.generateMac(base64(secret), 'HmacSHA256', '<timestamp>.<body>')` makes (that
 *   method takes the key base64-encoded; the key bytes are the secret's text). The timestamp is signed and must
 *   be within 300 s of our clock: that is the replay bound.
 * - Basic auth on the REST Message (`Authorization: Basic …`), compared in constant time. No signed time: the
 *   replay bound is then the body's `sys_updated_on` (ingest ignores events older than MAX_EVENT_AGE_SECONDS).
 *
 * Mapping: `state` 6 (Resolved), 7 (Closed) or 8 (Canceled) → resolved; an `insert`, or `state` 1 (New) or
 * 2 (In Progress) → opened; anything else (3 On Hold, …) ignored. Incident id: `sys_id` (what the Table API
 * takes). Dedupe id: `<sys_id>:<sys_mod_count>` (one per update of the record; a retry sends the same count).
 * User: `caller_email`, the template's dot-walk of `caller_id.email`. Service: `business_service`, else
 * `cmdb_ci`. Title: `<number>: <short_description>`. Priority: `priority` (1…5).
 */
import * as z from 'zod/mini';
import { UnauthorizedError } from '../errors.js';
import { parseJsonBody, parseWithSchema } from '../validation/parse.js';
import { assertFreshTimestamp, headerValue, hmacSha256, safeEqualAny } from '../webhooks/hmac.js';
import type { WebhookSection } from '../webhooks/secrets.js';
import { assertTokenMatches } from '../webhooks/tokens.js';
import { distinctEmails, extractEmails } from './emails.js';
import type { IncidentAction, IncidentEvent } from './event.js';
import {
  defineSource,
  MAX_SERVICE_CHARS,
  MAX_TITLE_CHARS,
  optionalText,
  requiredId,
  type WebhookRequest,
} from './source.js';

export const SERVICENOW_SIGNATURE_HEADER = 'x-servicenow-signature';
export const SERVICENOW_TIMESTAMP_HEADER = 'x-servicenow-timestamp';

/** The `X-ServiceNow-Signature` a business rule holding `secret` computes: for local tooling and tests. */
export function signServiceNowPayload(rawBody: string, secret: string, timestamp: number | string): string {
  return hmacSha256(secret, `${timestamp}.${rawBody}`).toString('base64');
}

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * HMAC when the request carries a signature header, else basic auth; each only when the section configures it.
 * @throws UnauthorizedError (the generic message) for anything else.
 */
export function authenticateServiceNow(
  req: WebhookRequest,
  section: WebhookSection<'servicenow'>,
  nowSec: number = Date.now() / 1000,
): void {
  const signature = headerValue(req.headers, SERVICENOW_SIGNATURE_HEADER)?.trim();
  if (signature !== undefined && section.hmacSecrets) {
    const timestamp = headerValue(req.headers, SERVICENOW_TIMESTAMP_HEADER);
    assertFreshTimestamp(timestamp, nowSec);
    // Canonical base64 only: the last character's two unused bits must be zero, so one signature has one spelling.
    if (!BASE64_SHA256.test(signature) || Buffer.from(signature, 'base64').toString('base64') !== signature)
      throw new UnauthorizedError();
    const signed = `${timestamp?.trim()}.${req.rawBody}`;
    const expected = section.hmacSecrets.map((s) => hmacSha256(s, signed));
    if (!safeEqualAny(expected, [Buffer.from(signature, 'base64')])) throw new UnauthorizedError();
    return;
  }
  // RFC 7617: the scheme, one space, the credentials; anything else (a CR or tab in place of the space) is refused.
  const auth = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(headerValue(req.headers, 'authorization')?.trim() ?? '');
  if (!auth?.[1] || !section.basicAuth) throw new UnauthorizedError();
  // user:password compared as one string, so neither half is checked on its own.
  const pairs = section.basicAuth.map((b) => `${b.username}:${b.password}`);
  // Compared as the canonical base64 of each pair: decoding first would accept other spellings of the same bytes
  // (base64's unused low bits), which a byte-exact credential check must not.
  assertTokenMatches(
    auth[1],
    pairs.map((p) => Buffer.from(p, 'utf8').toString('base64')),
    'ServiceNow',
  );
}

const idLike = z.union([z.string(), z.number()]);
const ServiceNowWebhookSchema = z.looseObject({
  sys_id: z.string().check(z.regex(/^[0-9a-f]{32}$/, 'must be a 32-character sys_id')),
  number: z.optional(z.nullable(z.string())),
  operation: z.optional(z.nullable(z.string())),
  state: idLike,
  sys_mod_count: idLike,
  sys_updated_on: z.optional(z.nullable(z.string())),
  caller_email: z.optional(z.nullable(z.union([z.string(), z.array(z.string())]))),
  short_description: z.optional(z.nullable(z.string())),
  priority: z.optional(z.nullable(idLike)),
  business_service: z.optional(z.nullable(z.string())),
  cmdb_ci: z.optional(z.nullable(z.string())),
  instance_url: z.optional(z.nullable(z.string())),
});

const RESOLVED_STATES = new Set(['6', '7', '8']);
const OPEN_STATES = new Set(['1', '2']);

/**
 * `sys_updated_on` as ServiceNow stores it (`YYYY-MM-DD HH:mm:ss`, UTC: `getValue` returns the internal value,
 * not the user's display time zone) as ISO 8601; undefined when it is not in that form.
 */
function serviceNowTime(value: string | null | undefined): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const at = Date.parse(`${m[1]}T${m[2]}Z`);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

/** Parses the documented ServiceNow body (authenticate first); see the module comment for the mapping. */
export function normaliseServiceNow(rawBody: string): IncidentEvent {
  const json = parseJsonBody(rawBody, 'ServiceNow webhook body');
  const body = parseWithSchema(ServiceNowWebhookSchema, json, 'ServiceNow webhook');
  const state = String(body.state).trim();
  const operation = body.operation?.trim().toLowerCase();
  let action: IncidentAction = 'ignored';
  if (RESOLVED_STATES.has(state)) action = 'resolved';
  else if (operation === 'insert' || OPEN_STATES.has(state)) action = 'opened';
  const modCount = requiredId(body.sys_mod_count, 'invalid ServiceNow webhook: sys_mod_count');
  const event: IncidentEvent = {
    source: 'servicenow',
    eventId: `${body.sys_id}:${modCount}`,
    incidentId: body.sys_id,
    action,
    eventType: `${operation ?? 'update'}:state=${optionalText(state, 10) ?? '?'}`,
    userEmails: distinctEmails(extractEmails(body.caller_email ?? undefined)),
  };
  const title = [optionalText(body.number, 40), optionalText(body.short_description, MAX_TITLE_CHARS)]
    .filter(Boolean)
    .join(': ');
  if (title) event.title = optionalText(title, MAX_TITLE_CHARS);
  const service =
    optionalText(body.business_service, MAX_SERVICE_CHARS) ?? optionalText(body.cmdb_ci, MAX_SERVICE_CHARS);
  if (service) event.service = service;
  const priority = optionalText(body.priority, 10);
  if (priority) event.priority = priority;
  const base = body.instance_url?.trim();
  if (base && /^https:\/\/[a-z0-9.-]+(:\d+)?\/?$/i.test(base))
    event.link = `${base.replace(/\/$/, '')}/nav_to.do?uri=incident.do%3Fsys_id%3D${body.sys_id}`;
  const at = serviceNowTime(body.sys_updated_on);
  if (at) event.occurredAt = at;
  return event;
}

/** ServiceNow incidents, as a registry entry (section `servicenow`: HMAC secrets and/or basic-auth users). */
export const serviceNowSource = defineSource({
  name: 'servicenow',
  section: 'servicenow',
  authenticate: authenticateServiceNow,
  normalise: (req) => normaliseServiceNow(req.rawBody),
});
