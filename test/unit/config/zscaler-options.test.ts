/** The one mapping from the Lambda's Zscaler keys to the HTTP core's options. */
import { describe, expect, it } from 'vitest';
import { loadConfig, zscalerFields, zscalerOptionsFromConfig } from '../../../shared/config.js';
import { ConfigError } from '../../../shared/errors.js';

const base = { ZSCALER_SECRET_ID: 'prod/zscaler' };

describe('zscalerOptionsFromConfig', () => {
  it('legacy (the default): the two product hosts, the timeout and the ZDX rate', () => {
    expect(zscalerOptionsFromConfig(loadConfig(zscalerFields, base))).toEqual({
      auth: {
        mode: 'legacy',
        zdxBaseUrl: 'https://api.zdxcloud.net',
        zpaBaseUrl: 'https://config.private.zscaler.com',
      },
      timeouts: { requestMs: 10_000 },
      rateLimits: { zdxRequestsPerSecond: 5, zdxRequestsPerMinute: undefined },
    });
    const custom = loadConfig(zscalerFields, {
      ...base,
      ZDX_BASE_URL: 'https://api.zdxbeta.net',
      ZPA_BASE_URL: 'https://config.zpabeta.net',
      HTTP_TIMEOUT_MS: '2500',
      ZDX_REQUESTS_PER_SECOND: '2',
    });
    expect(zscalerOptionsFromConfig(custom)).toEqual({
      auth: { mode: 'legacy', zdxBaseUrl: 'https://api.zdxbeta.net', zpaBaseUrl: 'https://config.zpabeta.net' },
      timeouts: { requestMs: 2_500 },
      rateLimits: { zdxRequestsPerSecond: 2 },
    });
  });

  it('oneapi: the gateway and the ZIdentity token URL, no product hosts', () => {
    const config = loadConfig(zscalerFields, {
      ...base,
      ZSCALER_AUTH_MODE: 'oneapi',
      ZIDENTITY_TOKEN_URL: 'https://acme.zslogin.net/oauth2/v1/token',
    });
    expect(zscalerOptionsFromConfig(config).auth).toEqual({
      mode: 'oneapi',
      gatewayUrl: 'https://api.zsapi.net',
      tokenUrl: 'https://acme.zslogin.net/oauth2/v1/token',
    });
  });

  it('oneapi without a token URL fails the cold start, naming the key', () => {
    const config = loadConfig(zscalerFields, { ...base, ZSCALER_AUTH_MODE: 'oneapi', ZIDENTITY_TOKEN_URL: '' });
    expect(() => zscalerOptionsFromConfig(config)).toThrow(ConfigError);
    expect(() => zscalerOptionsFromConfig(config)).toThrow('ZIDENTITY_TOKEN_URL: is required in oneapi mode');
  });
});
