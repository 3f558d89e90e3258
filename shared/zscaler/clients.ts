/**
 * Builds the ZDX and ZPA API clients for the configured auth mode. Called once per container (module
 * scope), so tokens, pacing windows and keep-alive connections live across warm invocations.
 *
 * legacy: ZDX key → https://api.<cloud>.net/v1 ; ZPA key → https://config.<cloud>/mgmtconfig/...
 * oneapi: one ZIdentity client → https://api.zsapi.net/zdx/v1 and https://api.zsapi.net/zpa/mgmtconfig/...
 */
import type { Dispatcher } from 'undici';
import type { ConfigOf, zscalerFields } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SecretSource } from '../aws/secrets.js';
import { CachingTokenProvider, type TokenProvider } from './auth/provider.js';
import { oneApiFlow, zdxLegacyFlow, zpaLegacyFlow } from './auth/flows.js';
import { section, type ZscalerSecret } from './credentials.js';
import { ApiClient } from './http.js';
import { zdxPacer, zpaPacer, type Pacer } from './pacer.js';
import { DEFAULT_RETRY } from './retry.js';
import { Transport } from './transport.js';

export type ZscalerConfig = ConfigOf<typeof zscalerFields>;

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

export function createZscalerClients(config: ZscalerConfig, deps: ClientDeps): ZscalerClients {
  const transport = (pacer?: Pacer) =>
    new Transport({ dispatcher: deps.dispatcher, timeoutMs: config.HTTP_TIMEOUT_MS, retry: DEFAULT_RETRY, pacer, logger: deps.logger });
  const authTransport = transport();
  const zdxTransport = transport(deps.pacers?.zdx ?? zdxPacer(config.ZDX_REQUESTS_PER_SECOND));
  const zpaTransport = transport(deps.pacers?.zpa ?? zpaPacer());

  if (config.ZSCALER_AUTH_MODE === 'oneapi') {
    if (!config.ZIDENTITY_TOKEN_URL) throw new ConfigError('invalid configuration: ZIDENTITY_TOKEN_URL: is required in oneapi mode');
    // One ZIdentity client serves both products: one token, one cache.
    const tokens = new CachingTokenProvider(section(deps.secret, 'oneapi'), oneApiFlow(authTransport, config.ZIDENTITY_TOKEN_URL));
    const base = trim(config.ONEAPI_BASE_URL);
    return {
      zdx: new ApiClient({ baseUrl: `${base}/zdx/v1`, transport: zdxTransport, tokens }),
      zpa: new ApiClient({ baseUrl: `${base}/zpa`, transport: zpaTransport, tokens }),
      tokens: { zdx: tokens, zpa: tokens },
    };
  }
  const zdxTokens = new CachingTokenProvider(section(deps.secret, 'zdx'), zdxLegacyFlow(authTransport, trim(config.ZDX_BASE_URL)));
  const zpaTokens = new CachingTokenProvider(section(deps.secret, 'zpa'), zpaLegacyFlow(authTransport, trim(config.ZPA_BASE_URL)));
  return {
    zdx: new ApiClient({ baseUrl: `${trim(config.ZDX_BASE_URL)}/v1`, transport: zdxTransport, tokens: zdxTokens }),
    zpa: new ApiClient({ baseUrl: trim(config.ZPA_BASE_URL), transport: zpaTransport, tokens: zpaTokens }),
    tokens: { zdx: zdxTokens, zpa: zpaTokens },
  };
}

const trim = (url: string) => url.replace(/\/+$/, '');
