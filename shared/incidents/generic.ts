/**
 * Generic signed incident webhook, for tools that can compute an HMAC but have no native signing scheme
 * (ServiceNow scripted REST with `GlideCertificateEncryption.generateMac`, Datadog behind a signing proxy,
 * in-house tools).
 *
 * Scheme:
 * - `X-Signature-Timestamp: <unix seconds>` — must be within 300 s of our clock, in either direction.
 * - `X-Signature: sha256=<hex>` — lower- or upper-case hex of HMAC-SHA256, keyed with the shared secret, over the
 *   UTF-8 string `<timestamp>.<rawBody>` (the timestamp header value, a dot, the exact body bytes sent).
 *   Signing the timestamp stops a captured request being replayed later. We may hold several secrets while
 *   rotating; any one matching is accepted.
 * - Body (`application/json`):
 *   `{ "event_id": string, "incident_id": string, "action": "opened"|"resolved", "user_emails": string[],
 *      "service"?: string, "title"?: string, "link"?: "https://…" }`
 *   `event_id` must be unique per delivery (it is the dedupe key); retries reuse it.
 *
 * Example (bash + openssl):
 * ```sh
 * SECRET='change-me'; BODY="$(cat test/fixtures/webhooks/generic-opened.json)"; TS=$(date +%s)
 * SIG=$(printf '%s' "$TS.$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
 * curl -sS "$URL" -H 'Content-Type: application/json' \
 *   -H "X-Signature-Timestamp: $TS" -H "X-Signature: sha256=$SIG" --data-binary "$BODY"
 * ```
 * (`printf '%s'` and `--data-binary` matter: `echo` adds a newline and `-d` strips them, changing the bytes.)
 */
import * as z from 'zod/mini';
import { UnauthorizedError } from '../errors.js';
import {
  assertFreshTimestamp,
  assertSecrets,
  headerValue,
  hmacSha256,
  safeEqualAny,
  SHA256_HEX,
} from '../webhooks/hmac.js';
import { distinctEmails } from './emails.js';
import { defineSource, MAX_ID_CHARS, MAX_SERVICE_CHARS, MAX_TITLE_CHARS, optionalText } from './source.js';
import { emailSchema } from '../validation/email.js';
import { parseJsonBody, parseWithSchema } from '../validation/parse.js';
import { holdsRefusedCharacter } from '../validation/sqsText.js';
import type { IncidentEvent } from './event.js';

/** Header names (lower-cased, as API Gateway v2 delivers them). */
export const GENERIC_SIGNATURE_HEADER = 'x-signature';
export const GENERIC_TIMESTAMP_HEADER = 'x-signature-timestamp';

/** The two signature headers of the generic scheme. */
export interface GenericSignatureHeaders {
  signature?: string | undefined;
  timestamp?: string | undefined;
}

/** The `X-Signature` value for `rawBody` sent at `timestamp`: for senders, local tooling and tests. */
export function signGenericPayload(rawBody: string, secret: string, timestamp: number | string): string {
  return `sha256=${hmacSha256(secret, `${timestamp}.${rawBody}`).toString('hex')}`;
}

/**
 * Verifies the generic scheme (see the module comment) over the raw body.
 * @param nowSec current unix time in seconds; injectable for tests.
 * @throws UnauthorizedError('invalid signature') for a missing/malformed header, a timestamp outside ±300 s or
 *   a non-matching signature — never saying which. ConfigError when `secrets` is empty or holds an empty secret.
 */
export function verifyGenericSignature(
  rawBody: string,
  headers: GenericSignatureHeaders,
  secrets: string[],
  nowSec: number = Date.now() / 1000,
): void {
  assertSecrets(secrets, 'generic webhook');
  const { signature, timestamp } = headers;
  assertFreshTimestamp(timestamp, nowSec);
  const match = /^sha256=(.*)$/.exec(signature?.trim() ?? '');
  const hex = match?.[1] ?? '';
  if (!SHA256_HEX.test(hex)) throw new UnauthorizedError();
  // The timestamp is signed exactly as sent (trimmed of header whitespace), not re-formatted from a number.
  const signed = `${timestamp?.trim()}.${rawBody}`;
  const expected = secrets.map((secret) => hmacSha256(secret, signed));
  if (!safeEqualAny(expected, [Buffer.from(hex, 'hex')])) throw new UnauthorizedError();
}

// Ids are keys (dedupe, ledger, session name): one holding a character a queue message cannot carry is refused,
// not repaired (shared/validation/sqsText.ts).
const nonEmpty = () =>
  z.string().check(
    z.minLength(1),
    z.maxLength(MAX_ID_CHARS),
    z.refine((v) => !holdsRefusedCharacter(v), 'holds a character a queue message cannot carry'),
  );

/** Body schema of the generic source (see the module comment). Unknown keys are dropped, not rejected. */
export const GenericWebhookSchema = z.object({
  event_id: nonEmpty(),
  incident_id: nonEmpty(),
  action: z.enum(['opened', 'resolved']),
  /** Any number; ingestIncident keeps the first MAX_USER_EMAILS and says how many it left out. */
  user_emails: z.array(emailSchema),
  service: z.optional(z.string()),
  title: z.optional(z.string()),
  link: z.optional(z.httpUrl()),
  /** When the event happened (ISO 8601): orders a reopen after a resolve. */
  occurred_at: z.optional(z.iso.datetime({ offset: true })),
  /** `P1`…`P5`, `high`/`low`, or 1…5: deep traces start most urgent first. */
  priority: z.optional(z.union([z.string().check(z.maxLength(40)), z.number()])),
});

/**
 * Parses and validates a generic webhook body (call {@link verifyGenericSignature} first).
 * `eventType` is the sender's `action`; emails are lower-cased and de-duplicated.
 * @throws ValidationError for invalid JSON or a schema violation (message lists `path: problem`).
 */
export function normaliseGeneric(rawBody: string): IncidentEvent {
  const json = parseJsonBody(rawBody, 'generic webhook body');
  const body = parseWithSchema(GenericWebhookSchema, json, 'generic webhook');
  const normalised: IncidentEvent = {
    source: 'generic',
    eventId: body.event_id,
    incidentId: body.incident_id,
    action: body.action,
    eventType: body.action,
    userEmails: distinctEmails(body.user_emails.map((e) => e.toLowerCase())),
  };
  // Free text is bounded and cleaned of characters a queue message cannot carry; a URL is not repaired.
  const service = optionalText(body.service, MAX_SERVICE_CHARS);
  if (service) normalised.service = service;
  const title = optionalText(body.title, MAX_TITLE_CHARS);
  if (title) normalised.title = title;
  if (body.link && body.link.length <= 2000 && !holdsRefusedCharacter(body.link)) normalised.link = body.link;
  const priority = optionalText(body.priority, 40);
  if (priority) normalised.priority = priority;
  if (body.occurred_at) normalised.occurredAt = body.occurred_at;
  return normalised;
}

/** The generic HMAC source, as a registry entry (section `generic`: the signing secrets). */
export const genericSource = defineSource({
  name: 'generic',
  section: 'generic',
  authenticate: (req, secrets, nowSec) =>
    verifyGenericSignature(
      req.rawBody,
      {
        signature: headerValue(req.headers, GENERIC_SIGNATURE_HEADER),
        timestamp: headerValue(req.headers, GENERIC_TIMESTAMP_HEADER),
      },
      secrets,
      nowSec,
    ),
  normalise: (req) => normaliseGeneric(req.rawBody),
});
