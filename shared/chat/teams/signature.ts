/**
 * Microsoft Teams outgoing webhooks: `Authorization: HMAC <base64>` is the base64 HMAC-SHA256 of the raw body,
 * keyed with the BASE64-DECODED security token Teams shows once when the webhook is created. There is no signed
 * timestamp; replay protection is dedupe on the activity `id` downstream.
 */
import { ConfigError, UnauthorizedError } from '../../errors.js';
import { hmacSha256, safeEqual } from '../../webhooks/hmac.js';

/** Header carrying the Teams signature (lower-cased, as API Gateway v2 delivers it). */
export const TEAMS_SIGNATURE_HEADER = 'authorization';

// Canonical base64 of a 32-byte digest is 43 characters and one '='. Checking the text first means lenient
// decoders cannot map odd inputs onto the digest, and malformed headers never reach the comparison.
const DIGEST_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Verifies a Teams outgoing-webhook request over the raw (decoded, unparsed) body.
 * @param authorizationHeader the `Authorization` header value, `HMAC <base64>` (scheme case-insensitive).
 * @param securityTokenBase64 the security token as Teams displays it (base64).
 * @throws UnauthorizedError('invalid signature') for a missing, malformed or non-matching header.
 *   ConfigError when the token is empty or not base64.
 */
export function verifyTeamsSignature(
  rawBody: string,
  authorizationHeader: string | undefined,
  securityTokenBase64: string,
): void {
  const key = Buffer.from(securityTokenBase64, 'base64');
  if (key.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(securityTokenBase64.trim())) {
    throw new ConfigError('Teams: security token missing or not base64');
  }
  const provided = /^HMAC\s+(\S+)$/i.exec(authorizationHeader?.trim() ?? '')?.[1] ?? '';
  if (!DIGEST_BASE64.test(provided)) throw new UnauthorizedError();
  const expected = hmacSha256(key, rawBody).toString('base64');
  if (!safeEqual(expected, provided)) throw new UnauthorizedError();
}
