/**
 * A local stand-in for report targets (the callback URL, Slack's response_url, the Teams reply URL): records every POST so a
 * newcomer (GET /received) and the tests can see what the system reported.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeSlackApi } from './fakeChat.js';

export interface Received {
  at: string;
  path: string;
  body: unknown;
}

export async function startReceiver(port = 0) {
  const received: Received[] = [];
  const waiters: Array<{ match: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      // Stands in for Slack's Web API too (users.info for `trace me`), see fakeChat.ts.
      if (req.method === 'GET' && req.url?.startsWith('/slack-api/')) {
        const r = fakeSlackApi(req.url, req.headers.authorization);
        res.writeHead(r.status, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(r.body));
      }
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(received, null, 2));
      }
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        /* keep text */
      }
      const entry = { at: new Date().toISOString(), path: req.url ?? '/', body: parsed };
      received.push(entry);
      for (const w of [...waiters]) {
        if (!w.match(entry)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(entry);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    received,
    /** Resolves with the first received POST (past or future) that matches. */
    waitFor(match: (r: Received) => boolean, timeoutMs = 20_000): Promise<Received> {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error('receiver: timed out waiting for a matching POST'));
        }, timeoutMs).unref();
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
