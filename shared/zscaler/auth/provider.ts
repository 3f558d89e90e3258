/**
 * Token caching shared by the three auth flows. One token per provider (i.e. per credential set) per
 * container, refreshed ahead of expiry, fetched once however many calls want one at the same moment
 * (single flight), dropped on a 401 so the next call fetches a fresh one.
 */
import { ZscalerAuthError } from '../errors.js';
import type { Logger } from '../../logger.js';

export interface TokenProvider {
  /** A valid bearer token, from cache when possible. */
  getToken(): Promise<string>;
  /** Forget `token` after the API rejected it (no-op if a newer token is already cached). */
  invalidate(token: string): void;
  /** Token requests made so far (for benchmarks and tests). */
  readonly tokenRequests: number;
}

export interface FetchedToken {
  token: string;
  expiresInSec: number;
}

/** Thrown by a flow when the token endpoint refused the credentials themselves (not a transient failure). */
export class CredentialsRejected extends Error {}

export interface CredentialSource<C> {
  get(): Promise<C>;
  refresh(): Promise<C>;
}

export class CachingTokenProvider<C> implements TokenProvider {
  private current: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  tokenRequests = 0;

  constructor(
    private readonly credentials: CredentialSource<C>,
    private readonly fetchToken: (creds: C) => Promise<FetchedToken>,
    private readonly now: () => number = Date.now,
    /** Counts token fetches and refused credentials (`ZscalerTokenFetches`, `ZscalerAuthFailures`). */
    private readonly metrics?: Pick<Logger, 'metric'>,
  ) {}

  getToken(): Promise<string> {
    if (this.current && this.now() < this.current.refreshAt) return Promise.resolve(this.current.token);
    this.inflight ??= this.fetchFresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async fetchFresh(): Promise<string> {
    let fetched: FetchedToken;
    try {
      fetched = await this.request(await this.credentials.get());
    } catch (e) {
      if (!(e instanceof CredentialsRejected)) throw e;
      // The secret may have been rotated since we cached it: re-read it once, then give up.
      try {
        fetched = await this.request(await this.credentials.refresh());
      } catch (e2) {
        if (e2 instanceof CredentialsRejected) {
          this.metrics?.metric('ZscalerAuthFailures', 1, { dims: { stage: 'token' } });
          throw new ZscalerAuthError(e2.message, { cause: e2 });
        }
        throw e2;
      }
    }
    this.current = { token: fetched.token, refreshAt: this.now() + refreshAfterMs(fetched.expiresInSec) };
    return fetched.token;
  }

  private request(creds: C): Promise<FetchedToken> {
    this.tokenRequests++;
    this.metrics?.metric('ZscalerTokenFetches');
    return this.fetchToken(creds);
  }
}

/** Refresh a minute early, or at 90 % of the lifetime for short-lived tokens (ZIdentity allows 1 minute). */
export function refreshAfterMs(expiresInSec: number): number {
  const lifetime = expiresInSec * 1000;
  return Math.max(0, lifetime - 60_000, lifetime * 0.9);
}
