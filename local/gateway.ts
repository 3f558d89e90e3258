/**
 * A local HTTP API: serves every `httpApi` route of serverless.yml, turning requests into API Gateway v2
 * events (lower-cased headers, raw body, path parameters) and responses back, as AWS would.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface Route {
  method: string;
  path: string;
  invoke: (event: APIGatewayProxyEventV2) => Promise<unknown>;
}

export async function startGateway(routes: Route[], port = 0, host = '127.0.0.1') {
  const compiled = routes.map((r) => {
    const keys: string[] = [];
    const re = new RegExp(
      `^${r.path.replace(/\{(\w+)\+?\}/g, (_m, k: string) => {
        keys.push(k);
        return '([^/]+)';
      })}$`,
    );
    return { ...r, re, keys };
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    // A client that goes away mid-request must not take the local stack with it.
    req.on('error', () => res.destroy());
    req.on('end', async () => {
      let url: URL;
      let params: Record<string, string> | undefined;
      let route: (typeof compiled)[number] | undefined;
      try {
        url = new URL(req.url ?? '/', 'http://local');
        route = compiled.find((r) => r.method === req.method && r.re.test(url.pathname));
        const m = route ? route.re.exec(url.pathname)! : undefined;
        // A path parameter that is not valid percent-encoding (`/webhooks/%ff`) is the caller's error: API Gateway
        // answers 400 before any function runs. decodeURIComponent throws URIError on it.
        params =
          route?.keys.length && m
            ? Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1] ?? '')]))
            : undefined;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end('{"message":"Bad Request"}');
      }
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"message":"Not Found"}');
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
      const raw = Buffer.concat(chunks);
      // API Gateway passes text bodies through and base64-encodes binary ones.
      const isText = /json|text|x-www-form-urlencoded|xml/.test(headers['content-type'] ?? 'text/plain');
      const event: APIGatewayProxyEventV2 = {
        version: '2.0',
        routeKey: `${route.method} ${route.path}`,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
        pathParameters: params,
        body: raw.length ? (isText ? raw.toString('utf8') : raw.toString('base64')) : undefined,
        isBase64Encoded: raw.length > 0 && !isText,
        requestContext: {
          accountId: '123456789012',
          apiId: 'local',
          domainName: 'localhost',
          domainPrefix: 'localhost',
          http: {
            method: req.method ?? 'GET',
            path: url.pathname,
            protocol: 'HTTP/1.1',
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId: randomUUID(),
          routeKey: `${route.method} ${route.path}`,
          stage: '$default',
          time: new Date().toUTCString(),
          timeEpoch: Date.now(),
        },
      };
      try {
        const out = (await route.invoke(event)) as APIGatewayProxyStructuredResultV2 | string | undefined;
        const result =
          typeof out === 'object' && out !== null
            ? out
            : { statusCode: 200, body: out === undefined ? '' : JSON.stringify(out) };
        res.writeHead(result.statusCode ?? 200, {
          'content-type': 'application/json',
          ...(result.headers as Record<string, string> | undefined),
        });
        res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
      } catch (e) {
        // What API Gateway does when the function itself crashes.
        console.error('handler crashed', e);
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"message":"Internal Server Error"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  const { port: actual } = server.address() as AddressInfo;
  return { url: `http://${host}:${actual}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
