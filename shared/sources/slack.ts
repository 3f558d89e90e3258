/**
 * Slack request signing (slash commands, interactivity): `X-Slack-Signature: v0=<hex>` is HMAC-SHA256, keyed
 * with the app signing secret, of `v0:<X-Slack-Request-Timestamp>:<raw form body>`. Slack asks receivers to
 * reject timestamps more than five minutes from now.
 */
import { UnauthorizedError } from '../errors.js';
import { assertFreshTimestamp, assertSecrets, hmacSha256, safeEqual, SHA256_HEX } from './hmac.js';

/** Header names (lower-cased, as API Gateway v2 delivers them). */
export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';

/** The two Slack signing headers. */
export interface SlackSignatureHeaders {
  signature?: string | undefined;
  timestamp?: string | undefined;
}

/**
 * Verifies a Slack request over the raw (decoded, unparsed) body.
 * @param nowSec current unix time in seconds; injectable for tests.
 * @throws UnauthorizedError('invalid signature') for a missing/malformed header, a timestamp outside ±300 s or a
 *   non-matching signature — never saying which. ConfigError when the signing secret is empty.
 */
export function verifySlackSignature(
  rawBody: string,
  headers: SlackSignatureHeaders,
  signingSecret: string,
  nowSec: number = Date.now() / 1000,
): void {
  assertSecrets([signingSecret], 'Slack');
  const { signature, timestamp } = headers;
  assertFreshTimestamp(timestamp, nowSec);
  const hex = /^v0=(.*)$/.exec(signature?.trim() ?? '')?.[1] ?? '';
  if (!SHA256_HEX.test(hex)) throw new UnauthorizedError();
  const expected = hmacSha256(signingSecret, `v0:${timestamp?.trim()}:${rawBody}`);
  if (!safeEqual(expected, Buffer.from(hex, 'hex'))) throw new UnauthorizedError();
}
