import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIM_CREDENTIALS } from '../../simulator/credentials.js';
import type { RunningSimulator } from '../../simulator/index.js';
import { call, decodeJwtPart, oneApiToken, postForm, postJson, startZdxSim, zdxToken } from './helpers.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startZdxSim();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const zpa = SIM_CREDENTIALS.zpa;
const zdx = SIM_CREDENTIALS.zdx;

describe('bearer tokens on the APIs', () => {
  it('expire on the simulated clock: 401 once exp has passed', async () => {
    const token = await zdxToken(sim);
    const auth = { authorization: `Bearer ${token}` };
    expect((await call(`${sim.url}/v1/devices`, { headers: auth })).status).toBe(200);
    const { exp } = decodeJwtPart(token.split('.')[1]!) as { exp: number };
    // Up to two seconds before exp (iat is whole seconds, so real time may already have eaten a fraction).
    await postJson(`${sim.url}/__sim/advance`, { ms: (exp - 2) * 1000 - sim.clock.nowMs() });
    expect((await call(`${sim.url}/v1/devices`, { headers: auth })).status).toBe(200);
    await postJson(`${sim.url}/__sim/advance`, { ms: 2_000 });
    const r = await call(`${sim.url}/v1/devices`, { headers: auth });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe(401);
  });

  it('honour a shorter tokenLifetimeSec', async () => {
    const short = await startZdxSim({ tokenLifetimeSec: 60 });
    try {
      const r = await postJson(`${short.url}/v1/oauth/token`, { key_id: zdx.keyId, key_secret: zdx.keySecret });
      expect(r.body.expires_in).toBe(60);
      short.advance(61_000);
      expect(
        (await call(`${short.url}/v1/devices`, { headers: { authorization: `Bearer ${r.body.token}` } })).status,
      ).toBe(401);
    } finally {
      await short.close();
    }
  });

  it("are refused on the wrong surface, with each surface's own 401 body", async () => {
    const legacy = await zdxToken(sim);
    const one = await oneApiToken(sim);
    const viaOneApi = await call(`${sim.url}/zdx/v1/devices`, { headers: { authorization: `Bearer ${legacy}` } });
    expect(viaOneApi.status).toBe(401);
    expect(viaOneApi.body).toEqual({ detail: 'unauthorized', type: '', title: '', status: '' });
    const viaLegacy = await call(`${sim.url}/v1/devices`, { headers: { authorization: `Bearer ${one}` } });
    expect(viaLegacy.status).toBe(401);
    expect(viaLegacy.body.code).toBe(401);
    expect((await call(`${sim.url}/zdx/v1/devices`, { headers: { authorization: `Bearer ${one}` } })).status).toBe(200);
  });

  it('are refused when missing or tampered with', async () => {
    expect((await call(`${sim.url}/v1/devices`)).status).toBe(401);
    const token = await zdxToken(sim);
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${'A'.repeat(43)}`;
    expect((await call(`${sim.url}/v1/devices`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
  });

  it('all stop working after POST /__sim/revoke-tokens; a fresh token works again', async () => {
    const token = await zdxToken(sim);
    const r = await postJson(`${sim.url}/__sim/revoke-tokens`, {});
    expect(r.status).toBe(200);
    expect(r.body.revoked).toBe(1);
    expect((await call(`${sim.url}/v1/devices`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const fresh = await zdxToken(sim);
    expect((await call(`${sim.url}/v1/devices`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200);
    expect(sim.tokensIssued().zdx).toBe(2);
  });

  it('ZPA paths answer 404 when the ZPA product is not mounted', async () => {
    const zdxOnly = await startZdxSim();
    try {
      const r = await call(`${zdxOnly.url}/mgmtconfig/v1/admin/customers/${SIM_CREDENTIALS.zpaCustomerId}/application`);
      expect(r.status).toBe(404);
      expect((await call(`${zdxOnly.url}/zpa/mgmtconfig/v1/admin/customers/1/application`)).status).toBe(404);
    } finally {
      await zdxOnly.close();
    }
  });
});

describe('POST /__sim/credentials (secret rotation)', () => {
  it('makes the old ZDX secret fail and the new one work, without leaking secrets', async () => {
    const r = await postJson(`${sim.url}/__sim/credentials`, { kind: 'zdx', keySecret: 'rotated-zdx-secret' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ kind: 'zdx', rotated: ['keySecret'] });
    await expect(zdxToken(sim)).rejects.toThrow(/401/);
    await expect(zdxToken(sim, 'rotated-zdx-secret')).resolves.toMatch(/^ey/);
  });

  it('rotates ZPA and OneAPI secrets; reset restores the originals', async () => {
    await postJson(`${sim.url}/__sim/credentials`, { kind: 'zpa', clientSecret: 'new-zpa' });
    expect(
      (await postForm(`${sim.url}/signin`, { client_id: zpa.clientId, client_secret: zpa.clientSecret })).status,
    ).toBe(401);
    expect((await postForm(`${sim.url}/signin`, { client_id: zpa.clientId, client_secret: 'new-zpa' })).status).toBe(
      200,
    );
    await postJson(`${sim.url}/__sim/credentials`, { kind: 'oneapi', clientSecret: 'new-one' });
    await expect(oneApiToken(sim)).rejects.toThrow(/400/);
    await postJson(`${sim.url}/__sim/reset`, {});
    await expect(oneApiToken(sim)).resolves.toMatch(/^ey/);
  });

  it('rejects unknown kinds and fields', async () => {
    expect((await postJson(`${sim.url}/__sim/credentials`, { kind: 'zia', clientSecret: 'x' })).status).toBe(400);
    expect((await postJson(`${sim.url}/__sim/credentials`, { kind: 'zdx', clientSecret: 'x' })).status).toBe(400);
  });
});
