/**
 * The local stack's edge (issue 11 and 12 papercuts): the local HTTP API answers 400 to a path that is not
 * valid percent-encoding and keeps serving (it used to crash the whole stack with a URIError), and `npm start`
 * names the environment variable that moves a port that is already taken.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../../local/gateway.js';

describe('local HTTP API', () => {
  const seen: APIGatewayProxyEventV2[] = [];
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gw = await startGateway([
      {
        method: 'POST',
        path: '/webhooks/{source}',
        invoke: async (e) => {
          seen.push(e);
          return { statusCode: 202, body: JSON.stringify({ source: e.pathParameters?.source }) };
        },
      },
    ]);
  });
  afterAll(() => gw.close());

  it('answers 400 to an undecodable path parameter, runs no function, and keeps serving', async () => {
    const bad = await fetch(`${gw.url}/webhooks/%ff`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ message: 'Bad Request' });
    expect(seen).toHaveLength(0);
    const good = await fetch(`${gw.url}/webhooks/%E2%82%AC`, { method: 'POST', body: '{}' });
    expect(good.status).toBe(202);
    expect(await good.json()).toEqual({ source: '€' });
  });

  it('any path under the route is answered 202, 400 or 404, never a crash', async () => {
    const segment = fc.array(
      fc.oneof(
        fc.constantFrom('%', '%f', '%ff', '%00', '%2F', '%E2%82', '/', 'a', '-', '~', '%C3%A9'),
        fc.string({ maxLength: 3 }).map(encodeURIComponent),
      ),
      { maxLength: 6 },
    );
    await fc.assert(
      fc.asyncProperty(segment, async (parts) => {
        const res = await fetch(`${gw.url}/webhooks/${parts.join('')}`, { method: 'POST', body: '{}' });
        expect([202, 400, 404]).toContain(res.status);
        await res.arrayBuffer();
      }),
      { numRuns: 80 },
    );
    const after = await fetch(`${gw.url}/webhooks/generic`, { method: 'POST', body: '{}' });
    expect(after.status).toBe(202);
  });
});

describe('npm start with a port already taken', () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    port = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => holder.close(() => r())));

  it('names the variable that moves it and exits 1, without a stack trace', () => {
    const run = spawnSync('npx', ['tsx', 'local/start.ts'], {
      env: { ...process.env, SIM_PORT: String(port) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`port ${port} is already in use`);
    expect(run.stderr).toContain(`SIM_PORT=${port + 1} npm start`);
    expect(run.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    expect(run.stdout).not.toContain('ready:');
  }, 60_000);
});
