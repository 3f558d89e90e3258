/**
 * Builds the ZDX and ZPA API clients for the given auth mode. Called once per container (module scope), so
 * tokens, pacing windows and keep-alive connections live across warm invocations.
 *
 * legacy: ZDX key → https://api.<cloud>.net/v1 ; ZPA key → https://config.<cloud>/mgmtconfig/...
 * oneapi: one ZIdentity client → https://api.zsapi.net/zdx/v1 and https://api.zsapi.net/zpa/mgmtconfig/...
 *
 * The core takes these options, never the Lambda's environment: the mapping from configuration lives next to
 * the config field group (`zscalerOptionsFromConfig` in shared/config.ts).
 */
import type { Dispatcher } from 'undici';
import type { Logger } from '../logger.js';
import type { SecretSource } from '../aws/secrets.js';
import { CachingTokenProvider, type TokenProvider } from './auth/provider.js';
import { oneApiFlow, zdxLegacyFlow, zpaLegacyFlow } from './auth/flows.js';
import { section, type ZscalerSecret } from './credentials.js';
import { ApiClient } from './http.js';
import {
  ZDX_PUBLISHED_REQUESTS_PER_SECOND,
  ZPA_PUBLISHED_LIMITS,
  zdxPacer,
  zpaPacer,
  type Pacer,
  type ZpaRateLimits,
} from './pacer.js';
import { DEFAULT_RETRY } from './retry.js';
import { Transport } from './transport.js';

/** Legacy API keys on the product hosts: a ZDX key (secret section `zdx`) and a ZPA key (section `zpa`). */
export interface LegacyAuthOptions {
  mode: 'legacy';
  /** e.g. `https://api.zdxcloud.net` (`/v1` is added). */
  zdxBaseUrl: string;
  /** e.g. `https://config.private.zscaler.com`. */
  zpaBaseUrl: string;
}

/** One ZIdentity API client (secret section `oneapi`) for both products through the OneAPI gateway. */
export interface OneApiAuthOptions {
  mode: 'oneapi';
  /** e.g. `https://api.zsapi.net` (`/zdx/v1` and `/zpa` are added). */
  gatewayUrl: string;
  /** e.g. `https://<vanity>.zslogin.net/oauth2/v1/token`. */
  tokenUrl: string;
  /** OAuth `audience` of the client-credentials request (default `https://api.zscaler.com`). */
  audience?: string;
}

export type ZscalerAuthOptions = LegacyAuthOptions | OneApiAuthOptions;

export interface ZscalerOptions {
  auth: ZscalerAuthOptions;
  timeouts: {
    /** Each HTTP attempt (headers and body), token requests included. */
    requestMs: number;
    /** Kept free at the end of the invocation so the handler can still report (default 1000). */
    deadlineReserveMs?: number;
  };
  /** Client-side pacing; unset values are Zscaler's published limits. */
  rateLimits?: {
    /** ZDX requests per second per calling IP (published: 5). */
    zdxRequestsPerSecond?: number;
    /** A per-minute ZDX budget (some licence tiers), paced together with the per-second one. */
    zdxRequestsPerMinute?: number;
    /** ZPA GET and write budgets per window (published: 20 GET + 10 writes per 10 s). */
    zpa?: ZpaRateLimits;
  };
  /** `user-agent` of API requests (default `zscaler-event-automation`). */
  userAgent?: string;
}

export interface ZscalerClients {
  zdx: ApiClient;
  zpa: ApiClient;
  tokens: { zdx: TokenProvider; zpa: TokenProvider };
}

export interface ClientDeps {
  secret: SecretSource<ZscalerSecret>;
  logger?: Logger;
  dispatcher?: Dispatcher;
  /** Override pacing (tests and benchmarks use tighter or faster windows). */
  pacers?: { zdx?: Pacer; zpa?: Pacer };
}

export function createZscalerClients(options: ZscalerOptions, deps: ClientDeps): ZscalerClients {
  const { auth, timeouts, rateLimits, userAgent } = options;
  const transport = (name: string, pacer?: Pacer) =>
    new Transport({
      name,
      dispatcher: deps.dispatcher,
      timeoutMs: timeouts.requestMs,
      deadlineReserveMs: timeouts.deadlineReserveMs,
      retry: DEFAULT_RETRY,
      pacer,
      logger: deps.logger,
    });
  const authTransport = transport('auth');
  const zdxTransport = transport(
    'zdx',
    deps.pacers?.zdx ??
      zdxPacer(rateLimits?.zdxRequestsPerSecond ?? ZDX_PUBLISHED_REQUESTS_PER_SECOND, rateLimits?.zdxRequestsPerMinute),
  );
  const zpaTransport = transport('zpa', deps.pacers?.zpa ?? zpaPacer(rateLimits?.zpa ?? ZPA_PUBLISHED_LIMITS));
  const client = (baseUrl: string, t: Transport, tokens: TokenProvider) =>
    new ApiClient({ baseUrl, transport: t, tokens, userAgent, metrics: deps.logger });

  if (auth.mode === 'oneapi') {
    // One ZIdentity client serves both products: one token, one cache.
    const tokens = new CachingTokenProvider(
      section(deps.secret, 'oneapi'),
      oneApiFlow(authTransport, auth.tokenUrl, auth.audience),
      undefined,
      deps.logger,
    );
    const base = trim(auth.gatewayUrl);
    return {
      zdx: client(`${base}/zdx/v1`, zdxTransport, tokens),
      zpa: client(`${base}/zpa`, zpaTransport, tokens),
      tokens: { zdx: tokens, zpa: tokens },
    };
  }
  const zdxBase = trim(auth.zdxBaseUrl);
  const zpaBase = trim(auth.zpaBaseUrl);
  // The legacy ZDX token endpoint is on the ZDX API host and counts against ZDX's per-IP limits like any other
  // call: it goes through the ZDX pacer (a container's first burst otherwise collected a 429).
  const zdxTokens = new CachingTokenProvider(
    section(deps.secret, 'zdx'),
    zdxLegacyFlow(zdxTransport, zdxBase),
    undefined,
    deps.logger,
  );
  const zpaTokens = new CachingTokenProvider(
    section(deps.secret, 'zpa'),
    zpaLegacyFlow(authTransport, zpaBase),
    undefined,
    deps.logger,
  );
  return {
    zdx: client(`${zdxBase}/v1`, zdxTransport, zdxTokens),
    zpa: client(zpaBase, zpaTransport, zpaTokens),
    tokens: { zdx: zdxTokens, zpa: zpaTokens },
  };
}

const trim = (url: string) => url.replace(/\/+$/, '');
