/**
 * Slack request signing (slash commands, interactivity): `X-Slack-Signature: v0=<hex>` is HMAC-SHA256, keyed
 * with the app signing secret, of `v0:<X-Slack-Request-Timestamp>:<raw form body>`. Slack asks receivers to
 * reject timestamps more than five minutes from now.
 */
import { UnauthorizedError } from '../../errors.js';
import { assertFreshTimestamp, assertSecrets, hmacSha256, safeEqual, SHA256_HEX } from '../../webhooks/hmac.js';

/** Header names (lower-cased, as API Gateway v2 delivers them). */
export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';

/** The two Slack signing headers. */
export interface SlackSignatureHeaders {
  signature?: string | undefined;
  timestamp?: string | undefined;
}

/** What a verified request is, independent of how its headers were spelled. */
export interface VerifiedSlackRequest {
  /** The signed timestamp, as a number. */
  timestamp: number;
  /**
   * A canonical key for this signed request: the timestamp and the lower-case hex of the digest that matched.
   * Header spelling (hex case, surrounding spaces) does not change it, so a replay guard keyed on it cannot be
   * sidestepped by re-spelling the same signature.
   */
  replayKey: string;
}

/**
 * Verifies a Slack request over the raw (decoded, unparsed) body.
 * @param nowSec current unix time in seconds; injectable for tests.
 * @returns the canonical identity of the verified request (see {@link VerifiedSlackRequest}).
 * @throws UnauthorizedError('invalid signature') for a missing/malformed header, a timestamp outside ±300 s or a
 *   non-matching signature — never saying which. ConfigError when the signing secret is empty.
 */
export function verifySlackSignature(
  rawBody: string,
  headers: SlackSignatureHeaders,
  signingSecret: string,
  nowSec: number = Date.now() / 1000,
): VerifiedSlackRequest {
  assertSecrets([signingSecret], 'Slack');
  const { signature, timestamp } = headers;
  assertFreshTimestamp(timestamp, nowSec);
  const hex = /^v0=(.*)$/.exec(signature?.trim() ?? '')?.[1] ?? '';
  if (!SHA256_HEX.test(hex)) throw new UnauthorizedError();
  const expected = hmacSha256(signingSecret, `v0:${timestamp?.trim()}:${rawBody}`);
  if (!safeEqual(expected, Buffer.from(hex, 'hex'))) throw new UnauthorizedError();
  const timestampSec = Number(timestamp!.trim());
  return { timestamp: timestampSec, replayKey: `${timestampSec}:${expected.toString('hex')}` };
}
