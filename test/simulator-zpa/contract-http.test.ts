/**
 * The same contract replay as contract.test.ts, but over real HTTP: a minimal node:http wrapper (no auth,
 * mounted under the OneAPI `/zpa` prefix) serves the product on a loopback port and the replay uses fetch.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe } from 'vitest';
import { SimClock } from '../../simulator/clock.js';
import { createZpaSimulator, type ZpaSimulatorOptions } from '../../simulator/zpa/index.js';
import { contractCases } from './cassettes.js';
import { CUSTOMER_ID } from './helpers.js';
import type { Transport } from './replay.js';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function serve(opts: Partial<ZpaSimulatorOptions>) {
  const sim = createZpaSimulator(new SimClock(), { customerId: CUSTOMER_ID, ...opts });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rawBody = await readBody(req);
    let body: unknown;
    if (String(req.headers['content-type'] ?? '').includes('json') && rawBody !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
    }
    const reply = await sim.handle(
      { method: req.method ?? 'GET', path: url.pathname.replace(/^\/zpa(?=\/)/, ''), params: {}, query: url.searchParams, headers: req.headers, rawBody, body },
      { clientIp: req.socket.remoteAddress ?? '127.0.0.1' },
    );
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...(text ? { 'content-type': 'application/json;charset=utf-8' } : {}), ...reply.headers });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/zpa`;
  const send: Transport = async (req) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.rawBody !== '';
    const res = await fetch(`${base}${req.path}${req.query ? `?${req.query}` : ''}`, {
      method: req.method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: hasBody ? req.rawBody : undefined,
    });
    return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: await res.text() };
  };
  return { send, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('ZPA simulator contract (over HTTP)', () => {
  contractCases(serve);
});
