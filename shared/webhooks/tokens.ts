/**
 * Shared-secret tokens, for senders that cannot sign a request (Opsgenie, Datadog): the secret travels in a
 * header (or, where a tool can only set a URL, a query parameter) and is compared with the configured ones.
 * Both sides are hashed first, so the comparison is constant-time and does not even reveal the secret's length.
 */
import { createHash } from 'node:crypto';
import { UnauthorizedError } from '../errors.js';
import { assertSecrets, safeEqualAny } from './hmac.js';

const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();

/** Longest token we hash: anything longer is not one of ours (secrets are short), so refuse it unhashed. */
const MAX_TOKEN_CHARS = 512;

/**
 * Accepts when `candidate` equals any of `secrets` (two during a rotation). Every secret is compared.
 * @throws UnauthorizedError for a missing, oversized or wrong token; ConfigError for an empty secret list.
 */
export function assertTokenMatches(candidate: string | undefined, secrets: readonly string[], source: string): void {
  assertSecrets(secrets, source);
  const token = candidate?.trim() ?? '';
  if (token === '' || token.length > MAX_TOKEN_CHARS) throw new UnauthorizedError();
  if (!safeEqualAny(secrets.map(digest), [digest(token)])) throw new UnauthorizedError();
}
