/**
 * Byte-level helpers shared by every signed webhook source: HMAC, constant-time comparison, raw-body decoding
 * for API Gateway v2 events, header lookup and replay/size guards. node:crypto only, so ingress bundles stay small.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError, PayloadTooLargeError, UnauthorizedError, ValidationError } from '../errors.js';

/** Default cap for webhook bodies. PagerDuty v3 incident events are a few KB; 256 KiB leaves ample room. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** How far (seconds, either direction) a signed timestamp may be from now: Slack's published 5-minute window. */
export const DEFAULT_TIMESTAMP_TOLERANCE_SEC = 300;

/** HMAC-SHA256 of `data` keyed with `key`; strings are taken as UTF-8. */
export function hmacSha256(key: string | Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

const toBytes = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

/**
 * Constant-time equality of two byte strings that may differ in length. `timingSafeEqual` throws on a length
 * mismatch, so lengths are compared first; that only leaks the length, which is public (a digest size).
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const x = toBytes(a);
  const y = toBytes(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Whether any candidate equals any expected value. Every pair is compared, with no early exit, so the time taken
 * does not reveal which configured secret or which header entry matched (or how close a guess came).
 */
export function safeEqualAny(
  expected: readonly (string | Buffer)[],
  candidates: readonly (string | Buffer)[],
): boolean {
  let matched = 0;
  for (const e of expected) {
    for (const c of candidates) matched |= Number(safeEqual(e, c));
  }
  return matched === 1;
}

// fatal: a body that is not valid UTF-8 would be silently altered by decoding (U+FFFD), and then no signature over
// the original bytes could ever match; fail with a clear 400 instead of a puzzling 401.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Raw body of an API Gateway v2 / Function URL event as text, exactly as the sender signed it.
 * Base64-encoded bodies (binary media types, some content types) are decoded first.
 * @param maxBytes optional cap on the decoded size; checked before decoding to avoid work on huge bodies.
 * @throws PayloadTooLargeError over `maxBytes`; ValidationError when the bytes are not UTF-8.
 */
export function decodeBody(body: string | undefined, isBase64Encoded = false, maxBytes?: number): string {
  if (body === undefined || body === '') return '';
  if (!isBase64Encoded) {
    if (maxBytes !== undefined) assertBodySize(body, maxBytes);
    return body;
  }
  // 4 base64 characters carry 3 bytes: reject on the estimate before allocating the decoded buffer.
  if (maxBytes !== undefined && Math.floor((body.length * 3) / 4) - 2 > maxBytes) tooLarge(maxBytes);
  const bytes = Buffer.from(body, 'base64');
  if (maxBytes !== undefined) assertBodySize(bytes, maxBytes);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ValidationError('request body is not valid UTF-8');
  }
}

/**
 * Case-insensitive header lookup. API Gateway v2 lower-cases names, but v1 events, Function URLs behind other
 * proxies and tests do not, so never rely on the casing.
 */
export function headerValue(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const direct = headers[name] ?? headers[name.toLowerCase()];
  if (direct !== undefined) return direct;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function tooLarge(maxBytes: number): never {
  throw new PayloadTooLargeError(`request body exceeds ${maxBytes} bytes`);
}

/** Throws PayloadTooLargeError when `raw` (UTF-8 for strings) is larger than `maxBytes`. */
export function assertBodySize(raw: string | Buffer, maxBytes: number = DEFAULT_MAX_BODY_BYTES): void {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
  if (size > maxBytes) tooLarge(maxBytes);
}

/**
 * Replay guard for schemes that sign a unix-seconds timestamp. Rejects missing, non-integer, stale and future
 * timestamps (a future one would otherwise stay replayable for longer than the window).
 * @throws UnauthorizedError with the generic message.
 */
export function assertFreshTimestamp(
  timestamp: string | undefined,
  nowSec: number,
  toleranceSec: number = DEFAULT_TIMESTAMP_TOLERANCE_SEC,
): void {
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp.trim())) throw new UnauthorizedError();
  // Same message as every other refusal; the reason rides along for the WebhooksRejected metric only.
  if (Math.abs(nowSec - Number(timestamp.trim())) > toleranceSec)
    throw new UnauthorizedError(undefined, { details: { reason: 'timestamp_stale' } });
}

/**
 * Fails closed on an unusable secret list. An empty secret would make the HMAC computable by anyone, so it is a
 * deployment error (500, not exposed), never a reason to accept or to blame the caller.
 */
export function assertSecrets(secrets: readonly (string | Buffer)[], source: string): void {
  if (secrets.length === 0 || secrets.some((s) => s.length === 0)) {
    throw new ConfigError(`${source}: signing secret missing or empty`);
  }
}

/** Hex (either case) of exactly 32 bytes, i.e. an HMAC-SHA256 digest; anything else is malformed. */
export const SHA256_HEX = /^[0-9a-f]{64}$/i;
