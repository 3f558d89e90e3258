/**
 * The Zscaler simulator's HTTP server (node:http only). One loopback server plays every host: the ZPA and
 * ZDX legacy APIs, the ZIdentity token endpoint and the OneAPI gateway, told apart by path (dispatch.ts).
 * Pipeline per request: classify → (auth | control | product: token check → fault → body → product) → log.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CredentialStore, type AcceptedCredentials } from './auth/credentialStore.js';
import { createAuthHandlers } from './auth/endpoints.js';
import { TokenAuthority, type TokenKind } from './auth/tokens.js';
import { SimClock } from './clock.js';
import { createControlRouter, handleControl, isInspection, type CallProduct, type CallRecord } from './control.js';
import { classify, productError, unauthorized, type Destination } from './dispatch.js';
import { FaultInjector, type FaultSpec } from './faults.js';
import { clientIpOf, headerValue, parseJsonBody, readBody, sendReply } from './http.js';
import type { SimProduct, SimReply, SimRequest } from './router.js';
import { createZdxSimulator, type ZdxRateLimitOption, type ZdxTier } from './zdx/index.js';

export type { CallProduct, CallRecord } from './control.js';

export interface SimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Simulated seconds per real second; default 1. Ignored when `clock` is given. */
  timeScale?: number;
  /** Use this clock (e.g. the one your pre-built products share) instead of a new one. */
  clock?: SimClock;
  /** Products to mount, or a factory called with the simulator's clock. Default: ZDX only (see index.ts). */
  products?: SimProduct[] | ProductFactory;
  /** Lifetime of every issued token in simulated seconds; default 3600. */
  tokenLifetimeSec?: number;
  /** ZDX rate-limit tier (per-minute limit T1 30, T2 60, T3 120, T4 180); default T4. */
  zdxTier?: ZdxTier;
  /** Override the ZDX per-second/per-minute limits, or `false` to disable ZDX rate limiting. */
  zdxRateLimit?: ZdxRateLimitOption;
  /** ZPA per-IP limits (default 20 GET / 10 writes per 10 s), shorter windows for fast tests, or `false`. */
  zpaRateLimits?: RateLimits | false;
}

import type { RateLimits } from './zpa/ratelimit.js';

export type ProductFactory = (clock: SimClock, opts: SimulatorOptions) => SimProduct[];

export interface SimState {
  now: number;
  products: Record<string, unknown>;
  tokens: { issued: Record<TokenKind, number> };
  calls: number;
}

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  port: number;
  clock: SimClock;
  /** The live call log (cleared in place by reset). */
  calls: CallRecord[];
  products: SimProduct[];
  close(): Promise<void>;
  /** Products back to seed, call log and tokens cleared, faults dropped, credentials restored. */
  reset(): void;
  advance(ms: number): void;
  state(): SimState;
  tokensIssued(): Record<TokenKind, number>;
  revokeTokens(kind?: TokenKind): number;
  injectFault(spec: FaultSpec): void;
  /** Same body as `POST /__sim/credentials`, e.g. `{ kind: 'zdx', keySecret: 'new' }`. */
  rotateCredential(change: { kind: TokenKind } & Record<string, string>): void;
  /** The credentials currently accepted (tests only; never exposed over HTTP). */
  credentials(): AcceptedCredentials;
}

export const defaultZdxOnly: ProductFactory = (clock, opts) => [
  createZdxSimulator(clock, { tier: opts.zdxTier, rateLimit: opts.zdxRateLimit }),
];

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const clock = opts.clock ?? new SimClock(opts.timeScale ?? 1);
  const productList = typeof opts.products === 'function' ? opts.products(clock, opts) : (opts.products ?? defaultZdxOnly(clock, opts));
  const products = new Map<string, SimProduct>(productList.map((p) => [p.name, p]));
  const tokens = new TokenAuthority(clock, opts.tokenLifetimeSec ?? 3600);
  const creds = new CredentialStore();
  const faults = new FaultInjector();
  const calls: CallRecord[] = [];
  const auth = createAuthHandlers({ clock, tokens, creds });

  const reset = () => {
    for (const p of productList) p.reset();
    calls.length = 0;
    tokens.reset();
    faults.clear();
    creds.reset();
  };
  const state = (): SimState => ({
    now: clock.nowMs(),
    products: Object.fromEntries(productList.map((p) => [p.name, p.state()])),
    tokens: { issued: tokens.issued() },
    calls: calls.length,
  });
  const control = createControlRouter({ clock, calls, faults, tokens, creds, state, reset });

  async function route(dest: Destination, req: SimRequest, clientIp: string, rawPath: string): Promise<{ product: CallProduct; reply: SimReply }> {
    const contentType = headerValue(req.headers as IncomingMessage['headers'], 'content-type');
    switch (dest.kind) {
      case 'control': {
        // Control bodies are always JSON, whatever the content type (`curl -d` sends a form type).
        const parsed = parseJsonBody(req.rawBody, 'application/json');
        if (!parsed.ok) return { product: 'sim', reply: { status: 400, body: { code: 400, message: 'Malformed JSON body' } } };
        return { product: 'sim', reply: await handleControl(control, { ...req, path: dest.path, body: parsed.body }) };
      }
      case 'auth': {
        if (req.method !== dest.method) return { product: 'auth', reply: { status: 405, body: { code: 405, message: 'Method not allowed' } } };
        const fault = faults.take('auth', req.method, rawPath);
        if (fault) return { product: 'auth', reply: fault };
        const parsed = parseJsonBody(req.rawBody, contentType);
        if (!parsed.ok) return { product: 'auth', reply: { status: 400, body: { code: 400, message: 'Malformed JSON body' } } };
        return { product: 'auth', reply: auth[dest.endpoint]({ ...req, body: parsed.body }) };
      }
      case 'product': {
        const product = products.get(dest.product);
        if (!product) return { product: dest.product, reply: productError(dest.product, 404, `${dest.product} is not mounted in this simulator`) };
        const v = tokens.verify(headerValue(req.headers as IncomingMessage['headers'], 'authorization'), dest.token);
        if (!v.ok) return { product: dest.product, reply: unauthorized(dest.surface, v.reason) };
        const fault = faults.take('product', req.method, rawPath);
        if (fault) return { product: dest.product, reply: fault };
        const parsed = parseJsonBody(req.rawBody, contentType);
        if (!parsed.ok) return { product: dest.product, reply: productError(dest.product, 400, 'Malformed JSON body') };
        const reply = await product.handle({ ...req, path: dest.path, body: parsed.body }, { clientIp });
        return { product: dest.product, reply };
      }
      case 'unknown':
        return { product: 'sim', reply: { status: 404, body: { code: 404, message: `No route for ${req.method} ${req.path}` } } };
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = clock.nowMs();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const clientIp = clientIpOf(req);
    const rawPath = url.pathname + url.search;
    const dest = classify(url.pathname);
    let product: CallProduct = dest.kind === 'product' ? dest.product : dest.kind === 'auth' ? 'auth' : 'sim';
    let reply: SimReply;
    try {
      const rawBody = await readBody(req);
      const simReq: SimRequest = { method, path: url.pathname, params: {}, query: url.searchParams, headers: req.headers, rawBody, body: undefined };
      ({ product, reply } = await route(dest, simReq, clientIp, rawPath));
    } catch (err) {
      reply = { status: 500, body: { code: 500, message: `Simulator error: ${(err as Error).message}` } };
    }
    if (!(dest.kind === 'control' && isInspection(method, dest.path))) {
      calls.push({ at, method, path: rawPath, product, status: reply.status, clientIp });
    }
    sendReply(res, reply);
  }

  const server = createServer((req, res) => void onRequest(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    clock,
    calls,
    products: productList,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    reset,
    advance: (ms) => clock.advance(ms),
    state,
    tokensIssued: () => tokens.issued(),
    revokeTokens: (kind) => tokens.revokeAll(kind),
    injectFault: (spec) => void faults.add(spec),
    rotateCredential: (change) => {
      const r = creds.rotate(change);
      if (!r.ok) throw new Error(r.message);
    },
    credentials: () => structuredClone(creds.current),
  };
}

