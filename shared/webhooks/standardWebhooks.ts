/**
 * The Standard Webhooks signing scheme (the one Svix implements; incident.io sends it), with node:crypto only.
 *
 * - `webhook-id`: the message id; the same on every retry of one message, so it is the dedupe key.
 * - `webhook-timestamp`: unix seconds of this attempt; refused when more than 300 s from our clock.
 * - `webhook-signature`: a space-separated list of `<version>,<base64>`; `v1` is HMAC-SHA256 over the UTF-8 string
 *   `<webhook-id>.<webhook-timestamp>.<raw body>`. Other versions (e.g. `v1a`, asymmetric) are skipped.
 * - The secret is shown as `whsec_<base64>`: the HMAC key is the base64-decoded part after the prefix (not the
 *   text itself). A secret without the prefix is taken as the base64 part.
 *
 * The maintained `standardwebhooks` npm package implements the same, but with a pure-JavaScript SHA-256 and one
 * secret per verifier; node:crypto is already in the runtime and we must try two secrets during a rotation.
 */
import { UnauthorizedError } from '../errors.js';
import { assertFreshTimestamp, assertSecrets, hmacSha256, safeEqualAny } from './hmac.js';

export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** Signatures accepted in one header: bounds the HMAC comparisons (secrets × signatures) a caller can cause. */
const MAX_SIGNATURES = 8;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A message id is an opaque token (`msg_…`): printable ASCII, bounded. */
const MESSAGE_ID = /^[\x21-\x7e]{1,256}$/;

/** The HMAC key of a `whsec_…` secret. */
export function standardWebhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export interface StandardWebhookHeaders {
  id?: string | undefined;
  timestamp?: string | undefined;
  signature?: string | undefined;
}

/** The `webhook-signature` value a sender holding `secret` puts on `rawBody`: for local tooling and tests. */
export function signStandardWebhook(rawBody: string, secret: string, id: string, timestamp: number | string): string {
  return `v1,${hmacSha256(standardWebhookKey(secret), `${id}.${timestamp}.${rawBody}`).toString('base64')}`;
}

/**
 * Verifies a Standard Webhooks request over the raw body against any of `secrets`.
 * @throws UnauthorizedError (the generic message) for a missing header, a stale timestamp or no matching
 *   signature; ConfigError for an empty secret list.
 */
export function verifyStandardWebhook(
  rawBody: string,
  headers: StandardWebhookHeaders,
  secrets: readonly string[],
  nowSec: number = Date.now() / 1000,
): void {
  assertSecrets(secrets, 'Standard Webhooks');
  const id = headers.id?.trim() ?? '';
  if (!MESSAGE_ID.test(id)) throw new UnauthorizedError();
  assertFreshTimestamp(headers.timestamp, nowSec);
  const entries = (headers.signature ?? '').trim().split(/\s+/).filter(Boolean);
  if (entries.length === 0 || entries.length > MAX_SIGNATURES) throw new UnauthorizedError();
  const candidates: Buffer[] = [];
  for (const entry of entries) {
    const [version, value = ''] = entry.split(',', 2);
    if (version !== 'v1') continue;
    if (!BASE64.test(value)) throw new UnauthorizedError();
    candidates.push(Buffer.from(value, 'base64'));
  }
  if (candidates.length === 0) throw new UnauthorizedError();
  const signed = `${id}.${headers.timestamp?.trim()}.${rawBody}`;
  const expected = secrets.map((s) => hmacSha256(standardWebhookKey(s), signed));
  if (!safeEqualAny(expected, candidates)) throw new UnauthorizedError();
}
