/**
 * Token authority for all three auth flows. Tokens are real HS256 JWTs with unpadded base64url parts and
 * numeric `iat`/`exp`: the Go SDKs decode the payload before every call and treat anything else as expired
 * (docs/zscaler-api.md §1.4, §5.11). They expire on the SimClock, and a registry lets tests revoke them all.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SimClock } from '../clock.js';

export type TokenKind = 'zpa' | 'zdx' | 'oneapi';

export const TOKEN_KINDS: readonly TokenKind[] = ['zpa', 'zdx', 'oneapi'];

/** Per-process signing key: tokens from another simulator process never validate here. */
const SIGNING_KEY = randomBytes(32);

const AUDIENCE: Record<TokenKind, string> = {
  zpa: 'https://config.private.zscaler.com',
  zdx: 'https://api.zdxcloud.net',
  oneapi: 'https://api.zscaler.com',
};

export interface TokenRecord {
  jti: string;
  kind: TokenKind;
  sub: string;
  iat: number;
  exp: number;
  revoked: boolean;
}

export type Verification = { ok: true; record: TokenRecord } | { ok: false; reason: string };

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const sign = (input: string) => createHmac('sha256', SIGNING_KEY).update(input).digest('base64url');

export class TokenAuthority {
  private readonly records = new Map<string, TokenRecord>();
  private counts: Record<TokenKind, number> = { zpa: 0, zdx: 0, oneapi: 0 };

  constructor(
    private readonly clock: SimClock,
    readonly lifetimeSec: number,
  ) {}

  issue(kind: TokenKind, sub: string): { token: string; record: TokenRecord } {
    const iat = this.clock.nowSec();
    const record: TokenRecord = { jti: randomUUID(), kind, sub, iat, exp: iat + this.lifetimeSec, revoked: false };
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'zsim' }));
    const payload = b64url(
      JSON.stringify({
        iss: `https://zsim.local/${kind}`,
        sub,
        aud: AUDIENCE[kind],
        iat,
        exp: record.exp,
        jti: record.jti,
      }),
    );
    this.records.set(record.jti, record);
    this.counts[kind] += 1;
    return { token: `${header}.${payload}.${sign(`${header}.${payload}`)}`, record };
  }

  /** Checks an `Authorization` header value for a live token of the given kind. */
  verify(authorization: string | undefined, kind: TokenKind): Verification {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m?.[1]) return { ok: false, reason: 'missing bearer token' };
    const parts = m[1].split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed token' };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, reason: 'bad signature' };
    let jti: unknown;
    try {
      jti = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: unknown }).jti;
    } catch {
      return { ok: false, reason: 'malformed token' };
    }
    const record = typeof jti === 'string' ? this.records.get(jti) : undefined;
    if (!record) return { ok: false, reason: 'unknown token' };
    if (record.kind !== kind) return { ok: false, reason: `token was issued for ${record.kind}, not ${kind}` };
    if (record.revoked) return { ok: false, reason: 'token revoked' };
    if (this.clock.nowSec() >= record.exp) return { ok: false, reason: 'token expired' };
    return { ok: true, record };
  }

  /** Invalidates every live token (optionally of one kind); returns how many were live. */
  revokeAll(kind?: TokenKind): number {
    let n = 0;
    for (const r of this.records.values()) {
      if ((kind && r.kind !== kind) || r.revoked) continue;
      r.revoked = true;
      n += 1;
    }
    return n;
  }

  revoke(jti: string): void {
    const r = this.records.get(jti);
    if (r) r.revoked = true;
  }

  /** How many tokens each flow has issued since start or the last reset. */
  issued(): Record<TokenKind, number> {
    return { ...this.counts };
  }

  /** Forgets every token (so outstanding ones stop validating) and zeroes the counters. */
  reset(): void {
    this.records.clear();
    this.counts = { zpa: 0, zdx: 0, oneapi: 0 };
  }

  /** Token metadata for inspection; never the token strings. */
  list(): TokenRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }
}
