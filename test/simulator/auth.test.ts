import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIM_CREDENTIALS } from '../../simulator/credentials.js';
import type { SimProduct, SimRequest } from '../../simulator/router.js';
import { startSimulator, type RunningSimulator } from '../../simulator/index.js';
import { createZdxSimulator } from '../../simulator/zdx/index.js';
import { call, decodeJwtPart, oneApiToken, postForm, postJson, zdxHash, zdxToken } from './helpers.js';

/** A stand-in ZPA product: records what reached it, so prefix stripping and auth can be checked. */
const zpaSeen: SimRequest[] = [];
const stubZpa: SimProduct = {
  name: 'zpa',
  handle: async (req) => {
    zpaSeen.push(req);
    return { status: 200, body: { totalPages: '1', totalCount: '0', list: [] } };
  },
  state: () => ({ seen: zpaSeen.length }),
  reset: () => {
    zpaSeen.length = 0;
  },
};

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ products: (clock) => [createZdxSimulator(clock, { rateLimit: false }), stubZpa] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const zpa = SIM_CREDENTIALS.zpa;
const zdx = SIM_CREDENTIALS.zdx;
const oneapi = SIM_CREDENTIALS.oneapi;
const nowSec = () => Math.floor(Date.now() / 1000);

function expectJwt(token: string, lifetime = 3600) {
  const parts = token.split('.');
  expect(parts).toHaveLength(3);
  // Unpadded base64url only: the Go SDKs reject anything else (docs/zscaler-api.md §1.4).
  for (const p of parts) expect(p).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(decodeJwtPart(parts[0]!)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
  const payload = decodeJwtPart(parts[1]!);
  expect(typeof payload.iat).toBe('number');
  expect(payload.exp).toBe((payload.iat as number) + lifetime);
  expect(typeof payload.sub).toBe('string');
  expect(typeof payload.aud).toBe('string');
  expect(typeof payload.jti).toBe('string');
  return payload;
}

describe('ZPA legacy POST /signin', () => {
  it('issues a JWT with expires_in as a string', async () => {
    const r = await postForm(`${sim.url}/signin`, { client_id: zpa.clientId, client_secret: zpa.clientSecret });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(r.body.token_type).toBe('Bearer');
    expect(r.body.expires_in).toBe('3600');
    expect(expectJwt(r.body.access_token).sub).toBe(zpa.clientId);
    expect(sim.tokensIssued()).toEqual({ zpa: 1, zdx: 0, oneapi: 0 });
  });

  it('refuses a bad secret with 401 access.denied', async () => {
    const r = await postForm(`${sim.url}/signin`, { client_id: zpa.clientId, client_secret: 'wrong' });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ id: 'access.denied', reason: 'Access denied' });
    expect(sim.tokensIssued().zpa).toBe(0);
  });

  it('is accepted on /mgmtconfig and /userconfig; signout answers 200 and invalidates the token', async () => {
    const { body } = await postForm(`${sim.url}/signin`, { client_id: zpa.clientId, client_secret: zpa.clientSecret });
    const auth = { authorization: `Bearer ${body.access_token}` };
    const path = `/mgmtconfig/v1/admin/customers/${SIM_CREDENTIALS.zpaCustomerId}/application`;
    expect((await call(`${sim.url}${path}?page=1`, { headers: auth })).status).toBe(200);
    expect((await call(`${sim.url}/userconfig/v1/customers/1/scimgroup`, { headers: auth })).status).toBe(200);
    expect(zpaSeen.map((r) => r.path)).toEqual([path, '/userconfig/v1/customers/1/scimgroup']);
    expect(zpaSeen[0]!.query.get('page')).toBe('1');

    const out = await call(`${sim.url}/signout`, { method: 'POST', headers: auth });
    expect(out.status).toBe(200);
    const after = await call(`${sim.url}${path}`, { headers: auth });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ id: 'access.denied', reason: 'Access denied' });
  });

  it('ZPA over OneAPI: /zpa prefix stripped, OneAPI token required', async () => {
    const one = await oneApiToken(sim);
    const path = `/mgmtconfig/v1/admin/customers/${SIM_CREDENTIALS.zpaCustomerId}/segmentGroup`;
    expect((await call(`${sim.url}/zpa${path}`, { headers: { authorization: `Bearer ${one}` } })).status).toBe(200);
    expect(zpaSeen.at(-1)?.path).toBe(path);
    const legacy = (await postForm(`${sim.url}/signin`, { client_id: zpa.clientId, client_secret: zpa.clientSecret }))
      .body.access_token;
    const refused = await call(`${sim.url}/zpa${path}`, { headers: { authorization: `Bearer ${legacy}` } });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ detail: 'unauthorized', type: '', title: '', status: '' });
  });
});

describe('ZDX legacy POST /v1/oauth/token', () => {
  it('accepts the SDKs hashed secret + integer timestamp; replies {token, token_type, expires_in:number}', async () => {
    const timestamp = nowSec();
    const r = await postJson(`${sim.url}/v1/oauth/token`, {
      key_id: zdx.keyId,
      key_secret: zdxHash(zdx.keySecret, timestamp),
      timestamp,
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['expires_in', 'token', 'token_type']);
    expect(r.body.expires_in).toBe(3600);
    expect(r.body.token_type).toBe('Bearer');
    expectJwt(r.body.token);
  });

  it('accepts the raw secret when no timestamp is sent (the help page example)', async () => {
    const r = await postJson(`${sim.url}/v1/oauth/token`, { key_id: zdx.keyId, key_secret: zdx.keySecret });
    expect(r.status).toBe(200);
    expect(typeof r.body.token).toBe('string');
  });

  it.each([
    ['a bad raw secret', () => ({ key_id: zdx.keyId, key_secret: 'nope' })],
    ['an unknown key id', () => ({ key_id: 'other', key_secret: zdx.keySecret })],
    [
      'a hash of the wrong secret',
      () => ({ key_id: zdx.keyId, key_secret: zdxHash('nope', nowSec()), timestamp: nowSec() }),
    ],
    [
      'the raw secret beside a timestamp',
      () => ({ key_id: zdx.keyId, key_secret: zdx.keySecret, timestamp: nowSec() }),
    ],
    [
      'a stale timestamp (10 min old)',
      () => ({ key_id: zdx.keyId, key_secret: zdxHash(zdx.keySecret, nowSec() - 600), timestamp: nowSec() - 600 }),
    ],
    [
      'a future timestamp (6 min ahead)',
      () => ({ key_id: zdx.keyId, key_secret: zdxHash(zdx.keySecret, nowSec() + 360), timestamp: nowSec() + 360 }),
    ],
    [
      'a string timestamp',
      () => ({ key_id: zdx.keyId, key_secret: zdxHash(zdx.keySecret, nowSec()), timestamp: String(nowSec()) }),
    ],
  ])('refuses %s with 401 {code, message}', async (_label, body) => {
    const r = await postJson(`${sim.url}/v1/oauth/token`, body());
    expect(r.status).toBe(401);
    expect(r.body.code).toBe(401);
    expect(typeof r.body.message).toBe('string');
    expect(sim.tokensIssued().zdx).toBe(0);
  });

  it('still accepts a wall-clock timestamp after the simulated clock was advanced', async () => {
    sim.advance(2 * 3600_000);
    await expect(zdxToken(sim)).resolves.toMatch(/^ey/);
  });

  it('answers malformed JSON with 400', async () => {
    const r = await call(`${sim.url}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"key_id":',
    });
    expect(r.status).toBe(400);
  });

  it('GET /v1/oauth/validate accepts a live ZDX token only', async () => {
    const token = await zdxToken(sim);
    const ok = await call(`${sim.url}/v1/oauth/validate`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.body.valid).toBe(true);
    const bad = await call(`${sim.url}/v1/oauth/validate`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
  });
});

describe('ZIdentity POST /oauth2/v1/token', () => {
  const good = {
    grant_type: 'client_credentials',
    client_id: oneapi.clientId,
    client_secret: oneapi.clientSecret,
    audience: oneapi.audience,
  };

  it('issues {access_token, token_type, expires_in:number} with the x-ratelimit trio', async () => {
    const r = await postForm(`${sim.url}/oauth2/v1/token`, good);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(r.body.expires_in).toBe(3600);
    expect(expectJwt(r.body.access_token).aud).toBe('https://api.zscaler.com');
    expect(r.headers.get('x-ratelimit-limit')).toBe('500, 500;w=1, 100000;w=60');
    expect(Number(r.headers.get('x-ratelimit-remaining'))).toBeLessThan(500);
    expect(r.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
  });

  it('accepts HTTP Basic client authentication', async () => {
    const basic = Buffer.from(`${oneapi.clientId}:${oneapi.clientSecret}`).toString('base64');
    const r = await postForm(
      `${sim.url}/oauth2/v1/token`,
      { grant_type: 'client_credentials', audience: oneapi.audience },
      { authorization: `Basic ${basic}` },
    );
    expect(r.status).toBe(200);
  });

  it.each([
    ['a missing audience', { ...good, audience: '' }],
    ['a wrong audience', { ...good, audience: 'https://example.com' }],
    ['a bad secret', { ...good, client_secret: 'nope' }],
    ['a wrong grant type', { ...good, grant_type: 'password' }],
  ])('answers %s with 400 invalid_client', async (_label, fields) => {
    const r = await postForm(
      `${sim.url}/oauth2/v1/token`,
      Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '')),
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_client');
    expect(typeof r.body.error_description).toBe('string');
  });
});
