/**
 * The three token endpoints, each with the exact reply shape of the real service (docs/zscaler-api.md §1):
 *  - ZPA legacy `POST /signin` (form) → `expires_in` as a STRING;
 *  - ZDX legacy `POST /v1/oauth/token` (JSON, hashed secret + timestamp) → field `token`, numeric `expires_in`;
 *  - ZIdentity `POST /oauth2/v1/token` (form or HTTP Basic, `audience` required) → 400 on any failure.
 */
import type { SimClock } from '../clock.js';
import type { SimReply, SimRequest } from '../router.js';
import { safeEqual, zdxSecretHash, type CredentialStore } from './credentialStore.js';
import type { TokenAuthority } from './tokens.js';

export type AuthEndpoint = 'zpa-signin' | 'zpa-signout' | 'zdx-token' | 'zdx-validate' | 'oneapi-token';

export interface AuthDeps {
  clock: SimClock;
  tokens: TokenAuthority;
  creds: CredentialStore;
}

/** The freshness window for the ZDX `timestamp` is undocumented; 300 s mirrors common HMAC tolerances. */
export const ZDX_TIMESTAMP_TOLERANCE_SEC = 300;

const ZPA_DENIED: SimReply = { status: 401, body: { id: 'access.denied', reason: 'Access denied' } };
const zdxDenied = (message: string): SimReply => ({ status: 401, body: { code: 401, message } });
const oauthError = (description: string): SimReply => ({
  status: 400,
  body: { error: 'invalid_client', error_description: description },
});

const header = (req: SimRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function createAuthHandlers(deps: AuthDeps): Record<AuthEndpoint, (req: SimRequest) => SimReply> {
  const { clock, tokens, creds } = deps;
  const oneApiWindow = new TokenEndpointWindow();

  return {
    'zpa-signin': (req) => {
      const form = new URLSearchParams(req.rawBody);
      const c = creds.current.zpa;
      const ok =
        safeEqual(form.get('client_id') ?? '', c.clientId) &&
        safeEqual(form.get('client_secret') ?? '', c.clientSecret);
      if (!ok) return ZPA_DENIED;
      const { token } = tokens.issue('zpa', c.clientId);
      // docs/zscaler-api.md §5.1: ZPA legacy sends expires_in as a string.
      return {
        status: 200,
        body: { token_type: 'Bearer', access_token: token, expires_in: String(tokens.lifetimeSec) },
      };
    },

    'zpa-signout': (req) => {
      const v = tokens.verify(header(req, 'authorization'), 'zpa');
      if (v.ok) tokens.revoke(v.record.jti);
      return { status: 200, body: {} };
    },

    'zdx-token': (req) => {
      const b = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
      const c = creds.current.zdx;
      if (typeof b.key_id !== 'string' || typeof b.key_secret !== 'string')
        return zdxDenied('key_id and key_secret are required');
      if (!safeEqual(b.key_id, c.keyId)) return zdxDenied('Invalid API key');
      if (b.timestamp === undefined) {
        // The help page's plain example posts the raw secret without a timestamp (docs/zscaler-api.md §1.2).
        return safeEqual(b.key_secret, c.keySecret) ? zdxIssued() : zdxDenied('Invalid API key');
      }
      if (typeof b.timestamp !== 'number' || !Number.isInteger(b.timestamp))
        return zdxDenied('timestamp must be an integer epoch');
      // Clients hash with their own wall clock, which does not follow a scaled or advanced SimClock, so a
      // timestamp fresh against either simulated or real now is accepted.
      const skewSim = Math.abs(b.timestamp - clock.nowSec());
      const skewReal = Math.abs(b.timestamp - Math.floor(Date.now() / 1000));
      if (Math.min(skewSim, skewReal) > ZDX_TIMESTAMP_TOLERANCE_SEC)
        return zdxDenied('timestamp outside the allowed window');
      if (!safeEqual(b.key_secret.toLowerCase(), zdxSecretHash(c.keySecret, b.timestamp)))
        return zdxDenied('Invalid API key');
      return zdxIssued();
    },

    'zdx-validate': (req) => {
      const v = tokens.verify(header(req, 'authorization'), 'zdx');
      if (!v.ok) return zdxDenied(`Invalid token: ${v.reason}`);
      return { status: 200, body: { valid: true, exp: v.record.exp } };
    },

    'oneapi-token': (req) => {
      const rate = oneApiWindow.hit();
      const reply = oneApiToken(req);
      return { ...reply, headers: { ...reply.headers, ...rate } };
    },
  };

  function zdxIssued(): SimReply {
    const { token } = tokens.issue('zdx', creds.current.zdx.keyId);
    return { status: 200, body: { token, token_type: 'Bearer', expires_in: tokens.lifetimeSec } };
  }

  function oneApiToken(req: SimRequest): SimReply {
    const form = new URLSearchParams(req.rawBody);
    const c = creds.current.oneapi;
    let clientId = form.get('client_id') ?? '';
    let clientSecret = form.get('client_secret') ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(header(req, 'authorization') ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return oauthError('malformed Basic credentials');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (form.get('grant_type') !== 'client_credentials') return oauthError('grant_type must be client_credentials');
    const audience = form.get('audience');
    if (!audience) return oauthError('audience is required');
    if (audience !== c.audience) return oauthError(`unknown audience ${audience}`);
    if (form.has('client_assertion'))
      return oauthError('private-key JWT client assertions are not supported by the simulator');
    if (!clientId || !clientSecret) return oauthError('client_id and client_secret are required');
    if (!safeEqual(clientId, c.clientId) || !safeEqual(clientSecret, c.clientSecret))
      return oauthError('Invalid client credentials');
    const { token } = tokens.issue('oneapi', c.clientId);
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: tokens.lifetimeSec } };
  }
}

/**
 * The ZIdentity token endpoint advertises `500, 500;w=1, 100000;w=60` [rec]. The simulator reports those
 * headers from a real-time one-second window but never refuses: no test needs 500 tokens a second.
 */
class TokenEndpointWindow {
  private second = 0;
  private count = 0;

  hit(): Record<string, string> {
    const nowSec = Math.floor(Date.now() / 1000);
    if (nowSec !== this.second) {
      this.second = nowSec;
      this.count = 0;
    }
    this.count += 1;
    return {
      'x-ratelimit-limit': '500, 500;w=1, 100000;w=60',
      'x-ratelimit-remaining': String(Math.max(0, 500 - this.count)),
      'x-ratelimit-reset': '1',
    };
  }
}
