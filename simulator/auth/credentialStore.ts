/**
 * The credentials the simulator currently accepts: starts as SIM_CREDENTIALS and can be rotated through
 * `POST /__sim/credentials`, so tests can prove a client picks up a rotated secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SIM_CREDENTIALS } from '../credentials.js';
import type { TokenKind } from './tokens.js';

export interface AcceptedCredentials {
  zpa: { clientId: string; clientSecret: string };
  zdx: { keyId: string; keySecret: string };
  oneapi: { clientId: string; clientSecret: string; audience: string };
}

const initial = (): AcceptedCredentials => ({
  zpa: { ...SIM_CREDENTIALS.zpa },
  zdx: { ...SIM_CREDENTIALS.zdx },
  oneapi: { ...SIM_CREDENTIALS.oneapi },
});

/** Which body fields may be rotated for each kind (the id may change as well as the secret). */
const ROTATABLE: Record<TokenKind, readonly string[]> = {
  zpa: ['clientId', 'clientSecret'],
  zdx: ['keyId', 'keySecret'],
  oneapi: ['clientId', 'clientSecret'],
};

export class CredentialStore {
  current: AcceptedCredentials = initial();

  reset(): void {
    this.current = initial();
  }

  /** Applies `{kind, ...fields}`; returns the names of the rotated fields, or an error message. */
  rotate(body: unknown): { ok: true; kind: TokenKind; rotated: string[] } | { ok: false; message: string } {
    if (typeof body !== 'object' || body === null) return { ok: false, message: 'expected a JSON object' };
    const { kind, ...fields } = body as Record<string, unknown>;
    if (kind !== 'zpa' && kind !== 'zdx' && kind !== 'oneapi')
      return { ok: false, message: 'kind must be zpa, zdx or oneapi' };
    const allowed = ROTATABLE[kind];
    const rotated: string[] = [];
    const target = this.current[kind] as unknown as Record<string, string>;
    for (const [key, value] of Object.entries(fields)) {
      if (!allowed.includes(key))
        return { ok: false, message: `${kind} credentials have no field ${key} (allowed: ${allowed.join(', ')})` };
      if (typeof value !== 'string' || value === '') return { ok: false, message: `${key} must be a non-empty string` };
      rotated.push(key);
    }
    if (rotated.length === 0) return { ok: false, message: `give at least one of ${allowed.join(', ')}` };
    for (const key of rotated) target[key] = fields[key] as string;
    return { ok: true, kind, rotated };
  }
}

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** ZDX legacy secret hash as both official SDKs compute it: lowercase hex SHA-256 of `secret:epoch`. */
export function zdxSecretHash(secret: string, timestamp: number): string {
  return createHash('sha256').update(`${secret}:${timestamp}`, 'utf8').digest('hex');
}
