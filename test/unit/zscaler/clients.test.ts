/**
 * createZscalerClients takes ZscalerOptions: where each auth mode sends token requests and API calls, and
 * what it sends them with. Answered in memory by an undici MockAgent (no sockets, every request recorded).
 */
import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import type { SecretSource } from '../../../shared/aws/secrets.js';
import { createZscalerClients, type ZscalerOptions } from '../../../shared/zscaler/clients.js';
import type { ZscalerSecret } from '../../../shared/zscaler/credentials.js';

const SECRET: ZscalerSecret = {
  zdx: { keyId: 'zdx-key', keySecret: 'zdx-secret' },
  zpa: { clientId: 'zpa-client', clientSecret: 'zpa-secret' },
  oneapi: { clientId: 'one-client', clientSecret: 'one-secret' },
};
const secret: SecretSource<ZscalerSecret> = { get: async () => SECRET, refresh: async () => SECRET };

/** Every request as `METHOD origin+path`, with its user agent; token endpoints answer a token. */
function recordingAgent(origins: string[]) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: Array<{ url: string; userAgent?: string; authorization?: string }> = [];
  for (const origin of origins) {
    agent
      .get(origin)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        const headers = opts.headers as Record<string, string>;
        seen.push({
          url: `${opts.method} ${origin}${opts.path}`,
          userAgent: headers['user-agent'],
          authorization: headers.authorization,
        });
        const isToken = /signin|oauth|token/.test(opts.path);
        const data = isToken ? { access_token: 'tok', token: 'tok', expires_in: 3600 } : { ok: true };
        return {
          statusCode: 200,
          data: JSON.stringify(data),
          responseOptions: { headers: { 'content-type': 'application/json' } },
        };
      })
      .persist();
  }
  return { agent, seen };
}

describe('createZscalerClients(options)', () => {
  it('legacy: each product through its own host and its own token', async () => {
    const { agent, seen } = recordingAgent(['https://api.zdx.test', 'https://config.zpa.test']);
    const options: ZscalerOptions = {
      auth: { mode: 'legacy', zdxBaseUrl: 'https://api.zdx.test/', zpaBaseUrl: 'https://config.zpa.test' },
      timeouts: { requestMs: 2_000 },
      userAgent: 'zea-test/1',
    };
    const clients = createZscalerClients(options, { secret, dispatcher: agent });
    await clients.zdx.get('/devices');
    await clients.zpa.get('/mgmtconfig/v1/admin/customers/1/application');
    expect(seen.map((s) => s.url)).toEqual([
      'POST https://api.zdx.test/v1/oauth/token',
      'GET https://api.zdx.test/v1/devices',
      'POST https://config.zpa.test/signin',
      'GET https://config.zpa.test/mgmtconfig/v1/admin/customers/1/application',
    ]);
    expect(seen.filter((s) => s.url.startsWith('GET')).map((s) => [s.userAgent, s.authorization])).toEqual([
      ['zea-test/1', 'Bearer tok'],
      ['zea-test/1', 'Bearer tok'],
    ]);
    expect(clients.tokens.zdx).not.toBe(clients.tokens.zpa);
  });

  it('oneapi: one ZIdentity token, both products under the gateway', async () => {
    const { agent, seen } = recordingAgent(['https://gw.test', 'https://acme.zslogin.test']);
    const clients = createZscalerClients(
      {
        auth: { mode: 'oneapi', gatewayUrl: 'https://gw.test', tokenUrl: 'https://acme.zslogin.test/oauth2/v1/token' },
        timeouts: { requestMs: 2_000 },
      },
      { secret, dispatcher: agent },
    );
    await clients.zdx.get('/devices');
    await clients.zpa.get('/mgmtconfig/v1/admin/customers/1/application');
    expect(seen.map((s) => s.url)).toEqual([
      'POST https://acme.zslogin.test/oauth2/v1/token',
      'GET https://gw.test/zdx/v1/devices',
      'GET https://gw.test/zpa/mgmtconfig/v1/admin/customers/1/application',
    ]);
    expect(clients.tokens.zdx).toBe(clients.tokens.zpa);
  });

  it('paces ZDX to rateLimits.zdxRequestsPerSecond', async () => {
    const { agent } = recordingAgent(['https://api.zdx.test', 'https://config.zpa.test']);
    const clients = createZscalerClients(
      {
        auth: { mode: 'legacy', zdxBaseUrl: 'https://api.zdx.test', zpaBaseUrl: 'https://config.zpa.test' },
        timeouts: { requestMs: 2_000 },
        rateLimits: { zdxRequestsPerSecond: 1 },
      },
      { secret, dispatcher: agent },
    );
    const t0 = Date.now();
    await Promise.all([clients.zdx.get('/a'), clients.zdx.get('/b')]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000); // the second waits for the next 1 s window
  });
});
