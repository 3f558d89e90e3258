/** The HTTP core against the simulator: retries, Retry-After, deadline bounds, paging, pacing. */
import { afterEach, describe, expect, it } from 'vitest';
import { runWithDeadline } from '../../shared/deadline.js';
import { DeadlineExceededError } from '../../shared/errors.js';
import { findDevicesByEmail } from '../../shared/zdx/devices.js';
import { collect, zdxPages } from '../../shared/zscaler/paginate.js';
import { zdxPacer } from '../../shared/zscaler/pacer.js';
import { OutcomeUnknownError, ZscalerApiError } from '../../shared/zscaler/errors.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';

let env: Awaited<ReturnType<typeof zscalerTestEnv>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('retries', () => {
  it('retries 503s and succeeds', async () => {
    env = await zscalerTestEnv();
    env.sim.injectFault({ path: '/devices', status: 503, count: 2 });
    const res = await env.clients.zdx.get<{ devices: unknown[] }>('/devices');
    expect(Array.isArray(res.devices)).toBe(true);
    expect(env.clients.zdx.requestCount).toBe(3);
  });

  it('waits as long as a 429 Retry-After in the "1s" form says', async () => {
    env = await zscalerTestEnv();
    env.sim.injectFault({ path: '/devices', status: 429, count: 1, headers: { 'retry-after': '1s' } });
    const start = Date.now();
    await env.clients.zdx.get('/devices');
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
  });

  it('stops retrying when the invocation deadline is near, with a retryable error', async () => {
    env = await zscalerTestEnv();
    env.sim.injectFault({ path: '/devices', status: 503, count: 50, headers: { 'retry-after': '1' } });
    const start = Date.now();
    const err = await runWithDeadline(Date.now() + 2_500, () => env!.clients.zdx.get('/devices')).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - start).toBeLessThan(2_500);
    expect(err instanceof ZscalerApiError || err instanceof DeadlineExceededError).toBe(true);
    expect((err as ZscalerApiError).retryable).toBe(true);
  });

  it('does not retry a 404, and redacts nothing useful away', async () => {
    env = await zscalerTestEnv();
    const err = await env.clients.zdx.get('/devices/999999999').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZscalerApiError);
    expect((err as ZscalerApiError).status).toBe(404);
    expect(env.clients.zdx.requestCount).toBe(1);
    expect((err as Error).message).toContain('/devices/999999999');
    expect((err as Error).message).not.toMatch(/Bearer|eyJ/);
  });
});

describe('retry safety over HTTP', () => {
  const aliceDevice = async () => {
    const nowSec = Math.floor(env!.sim.clock.nowMs() / 1000);
    return (await findDevicesByEmail(env!.clients.zdx, ['alice@corp.example'], { lookbackHours: 24, nowSec }))[0]!.id;
  };
  const starts = () => env!.sim.calls.filter((c) => c.method === 'POST' && /\/deeptraces$/.test(c.path.split('?')[0]!));
  const start = (deviceId: number) =>
    env!.clients.zdx.post(`/devices/${deviceId}/deeptraces`, { session_name: 'zea:http:1', session_length_minutes: 5 });

  it('a GET whose connection was reset after the work is sent again; a POST is not: OutcomeUnknownError, one request', async () => {
    env = await zscalerTestEnv();
    env.sim.injectFault({ path: '/devices$', method: 'GET', drop: 'after' });
    const res = await env.clients.zdx.get<{ devices: unknown[] }>('/devices');
    expect(Array.isArray(res.devices)).toBe(true);
    expect(env.clients.zdx.requestCount).toBe(2);
    const device = await aliceDevice();
    env.sim.injectFault({ path: '/deeptraces$', method: 'POST', drop: 'after' });
    const err = await start(device).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({
      retryable: true,
      request: { method: 'POST', path: `/devices/${device}/deeptraces` },
      failure: expect.stringMatching(/^(ECONNRESET|UND_ERR_SOCKET)$/),
    });
    expect(starts()).toHaveLength(1);
  });

  it('a POST refused with 429 is sent again (the server did nothing); a reset before the server saw it looks like one after, so it is not', async () => {
    env = await zscalerTestEnv();
    const device = await aliceDevice();
    env.sim.injectFault({ path: '/deeptraces$', method: 'POST', status: 429, headers: { 'retry-after': '0' } });
    env.sim.injectFault({ path: '/deeptraces$', method: 'POST', drop: 'before' });
    // To the client a reset before the work is a reset: not re-sent; the caller reads back (nothing) and starts again.
    await expect(start(device)).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(starts().map((c) => c.fault)).toEqual(['reply', 'drop-before']);
    expect(await start(device)).toMatchObject({ trace_id: expect.anything() });
  });
});

describe('ZDX paging and the 2-hour default window', () => {
  it('follows next_offset through every page exactly once', async () => {
    env = await zscalerTestEnv();
    const now = Math.floor(env.sim.clock.nowMs() / 1000);
    const all = await collect(
      zdxPages(
        env.clients.zdx,
        '/devices',
        { from: now - 30 * 86400, to: now },
        (p) => p.devices as Array<{ id: number }>,
        7,
      ),
    );
    const ids = all.map((d) => d.id);
    expect(ids.length).toBeGreaterThanOrEqual(25);
    expect(new Set(ids).size).toBe(ids.length);
    // next_offset is null on the last page, so one request per page and no empty trailing page
    expect(env.clients.zdx.requestCount).toBe(Math.ceil(ids.length / 7));
  });

  it('finds a device idle for 6 hours only with a widened window', async () => {
    env = await zscalerTestEnv();
    const nowSec = Math.floor(env.sim.clock.nowMs() / 1000);
    expect(await findDevicesByEmail(env.clients.zdx, ['bob@corp.example'], { lookbackHours: 2, nowSec })).toHaveLength(
      0,
    );
    expect(await findDevicesByEmail(env.clients.zdx, ['bob@corp.example'], { lookbackHours: 24, nowSec })).toHaveLength(
      1,
    );
  });
});

describe('pacing', () => {
  it('keeps a burst inside the ZDX per-second limit, its legacy token request counted: no 429 from a simulator enforcing it', async () => {
    env = await zscalerTestEnv({
      sim: { zdxRateLimit: { perSecond: 5, perMinute: 1000 } },
      pacers: { zdx: zdxPacer(5) },
    });
    await Promise.all(Array.from({ length: 12 }, () => env!.clients.zdx.get('/devices')));
    // The ZDX host saw 13 requests: the token request (ZDX counts it against the same per-IP limit) and the 12.
    const statuses = env.sim.calls.filter((c) => c.product === 'zdx' || c.path === '/v1/oauth/token');
    expect(statuses).toHaveLength(13);
    expect(statuses.every((c) => c.status === 200)).toBe(true);
  });
});
