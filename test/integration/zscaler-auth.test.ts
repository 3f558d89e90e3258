/**
 * The three token flows against the simulator over HTTP, with the real Secrets Manager client reading the
 * local endpoint: reply quirks, single flight, refresh on 401, secret rotation, rejected credentials.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ZscalerAuthError } from '../../shared/zscaler/errors.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';

let env: Awaited<ReturnType<typeof zscalerTestEnv>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('token flows', () => {
  it('ZDX legacy: hashed secret + timestamp, reply field `token`', async () => {
    env = await zscalerTestEnv();
    const devices = await env.clients.zdx.get<{ devices: unknown[] }>('/devices');
    expect(Array.isArray(devices.devices)).toBe(true);
    expect(env.sim.tokensIssued().zdx).toBe(1);
  });

  it('ZPA legacy: /signin form, `expires_in` as a string', async () => {
    env = await zscalerTestEnv();
    const token = await env.clients.tokens.zpa.getToken();
    expect(token.split('.')).toHaveLength(3);
    expect(env.sim.tokensIssued().zpa).toBe(1);
    // a second call within the lifetime comes from the cache: the string "3600" was read as 3600 s
    await env.clients.tokens.zpa.getToken();
    expect(env.clients.tokens.zpa.tokenRequests).toBe(1);
  });

  it('OneAPI: one ZIdentity client token serves ZDX and ZPA', async () => {
    env = await zscalerTestEnv({ mode: 'oneapi' });
    await env.clients.zdx.get('/devices');
    expect(env.clients.tokens.zdx).toBe(env.clients.tokens.zpa);
    expect(env.sim.tokensIssued().oneapi).toBe(1);
    expect(env.sim.tokensIssued().zdx).toBe(0);
  });
});

describe('token cache', () => {
  it('fetches exactly one token when 100 calls start at once (single flight)', async () => {
    env = await zscalerTestEnv({ sim: { zdxRateLimit: false } });
    const tokens = await Promise.all(Array.from({ length: 100 }, () => env!.clients.tokens.zdx.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(env.sim.tokensIssued().zdx).toBe(1);
    expect(env.clients.tokens.zdx.tokenRequests).toBe(1);
  });

  it('refreshes once on a 401 and retries the call once, never looping', async () => {
    env = await zscalerTestEnv();
    await env.clients.zdx.get('/devices');
    env.sim.revokeTokens();
    const res = await env.clients.zdx.get<{ devices: unknown[] }>('/devices');
    expect(Array.isArray(res.devices)).toBe(true);
    expect(env.sim.tokensIssued().zdx).toBe(2);
    // A token endpoint that keeps issuing rejected tokens ends in a 401 error after one refresh.
    env.sim.injectFault({ path: '/devices', status: 401, count: 5, body: { code: 401, message: 'expired' } });
    await expect(env.clients.zdx.get('/devices')).rejects.toMatchObject({ status: 401 });
    expect(env.sim.tokensIssued().zdx).toBe(3);
  });

  it('refreshes the token when it expires on the simulated clock', async () => {
    env = await zscalerTestEnv();
    await env.clients.zdx.get('/devices');
    env.sim.advance(3_700_000); // past the 3600 s lifetime: the simulator now answers 401
    await env.clients.zdx.get('/devices');
    expect(env.sim.tokensIssued().zdx).toBe(2);
  });

  it('re-reads a rotated secret when Zscaler rejects the cached credentials', async () => {
    env = await zscalerTestEnv();
    await env.clients.zdx.get('/devices');
    env.sim.rotateCredential({ kind: 'zdx', keySecret: 'rotated-local-fake-zdx-secret' });
    env.secrets.put('test/zscaler', {
      ...(await env.secret.get()),
      zdx: { keyId: 'local-zdx-key', keySecret: 'rotated-local-fake-zdx-secret' },
    });
    env.sim.revokeTokens();
    await env.clients.zdx.get('/devices');
    expect(env.secrets.reads['test/zscaler']).toBe(2);
    expect(env.sim.tokensIssued().zdx).toBe(2);
  });

  it('fails with a non-retryable auth error, without leaking the secret, when credentials are wrong', async () => {
    env = await zscalerTestEnv();
    env.sim.rotateCredential({ kind: 'zdx', keySecret: 'a-secret-we-do-not-have' });
    const err = await env.clients.zdx.get('/devices').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZscalerAuthError);
    expect((err as ZscalerAuthError).retryable).toBe(false);
    expect(String((err as Error).message)).not.toContain('local-fake-zdx-secret');
    expect(env.secrets.reads['test/zscaler']).toBe(2); // cached read + one forced re-read, then give up
  });
});
