/**
 * The Zscaler simulator's HTTP server core (node:http only). One loopback server plays every host: the ZPA and
 * ZDX legacy APIs, the ZIdentity token endpoint and the OneAPI gateway, told apart by path (dispatch.ts).
 * Pipeline per request: classify → (auth | control | product: token check → fault → body → product) → log →
 * (held back by a delay fault) → reply, or a reset connection for a drop fault.
 *
 * Which products are mounted, and how they are configured, is decided by `startSimulator` in index.ts, the one
 * public entry; this module takes the products ready-made.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CredentialStore, type AcceptedCredentials } from './auth/credentialStore.js';
import { createAuthHandlers } from './auth/endpoints.js';
import { TokenAuthority, type TokenKind } from './auth/tokens.js';
import type { SimClock } from './clock.js';
import { createControlRouter, handleControl, isInspection, type CallProduct, type CallRecord } from './control.js';
import { classify, productError, unauthorized, type Destination } from './dispatch.js';
import { FaultInjector, type FaultAction, type FaultSpec, type PendingFault } from './faults.js';
import { clientIpOf, headerValue, parseJsonBody, readBody, resetConnection, sendReply } from './http.js';
import type { SimProduct, SimReply, SimRequest } from './router.js';

export type { CallProduct, CallRecord } from './control.js';

export interface ServerOptions {
  port: number;
  host: string;
  clock: SimClock;
  products: SimProduct[];
  tokenLifetimeSec: number;
  /** Seed for the seeds of rate faults queued without one. */
  faultSeed?: number;
}

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
  /** Same body as `POST /__sim/faults`; returns the fault as queued (a rate fault with its seed). Throws when invalid. */
  injectFault(spec: FaultSpec): FaultSpec;
  /** The queued faults, as `GET /__sim/faults` shows them. */
  faults(): PendingFault[];
  clearFaults(): void;
  /** Same body as `POST /__sim/credentials`, e.g. `{ kind: 'zdx', keySecret: 'new' }`. */
  rotateCredential(change: { kind: TokenKind } & Record<string, string>): void;
  /** The credentials currently accepted (tests only; never exposed over HTTP). */
  credentials(): AcceptedCredentials;
}

interface Outcome {
  product: CallProduct;
  reply: SimReply;
  fault?: FaultAction;
}

/** Timers of delay faults, so close() does not wait for them. */
class Delays {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();

  wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.set(timer, resolve);
    });
  }

  releaseAll(): void {
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer);
      resolve();
    }
    this.pending.clear();
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningSimulator> {
  const { clock } = opts;
  const productList = opts.products;
  const products = new Map<string, SimProduct>(productList.map((p) => [p.name, p]));
  const tokens = new TokenAuthority(clock, opts.tokenLifetimeSec);
  const creds = new CredentialStore();
  const faults = new FaultInjector(opts.faultSeed);
  const delays = new Delays();
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

  async function route(dest: Destination, req: SimRequest, clientIp: string, rawPath: string): Promise<Outcome> {
    const contentType = headerValue(req.headers as IncomingMessage['headers'], 'content-type');
    switch (dest.kind) {
      case 'control': {
        // Control bodies are always JSON, whatever the content type (`curl -d` sends a form type).
        const parsed = parseJsonBody(req.rawBody, 'application/json');
        if (!parsed.ok)
          return { product: 'sim', reply: { status: 400, body: { code: 400, message: 'Malformed JSON body' } } };
        return { product: 'sim', reply: await handleControl(control, { ...req, path: dest.path, body: parsed.body }) };
      }
      case 'auth': {
        if (req.method !== dest.method)
          return { product: 'auth', reply: { status: 405, body: { code: 405, message: 'Method not allowed' } } };
        const fault = faults.take('auth', req.method, rawPath);
        const early = faultedEarly('auth', fault);
        if (early) return early;
        const parsed = parseJsonBody(req.rawBody, contentType);
        if (!parsed.ok)
          return {
            product: 'auth',
            reply: { status: 400, body: { code: 400, message: 'Malformed JSON body' } },
            fault,
          };
        // ZDX's legacy token endpoint is an API call on the ZDX host: ZDX's per-IP limits count it.
        const admitted = dest.endpoint === 'zdx-token' ? products.get('zdx')?.admit?.(clientIp) : undefined;
        if (admitted?.refused) return { product: 'auth', reply: admitted.refused, fault };
        const reply = auth[dest.endpoint]({ ...req, body: parsed.body });
        return {
          product: 'auth',
          reply: admitted?.headers ? { ...reply, headers: { ...admitted.headers, ...reply.headers } } : reply,
          fault,
        };
      }
      case 'product': {
        const product = products.get(dest.product);
        if (!product)
          return {
            product: dest.product,
            reply: productError(dest.product, 404, `${dest.product} is not mounted in this simulator`),
          };
        const v = tokens.verify(headerValue(req.headers as IncomingMessage['headers'], 'authorization'), dest.token);
        if (!v.ok) return { product: dest.product, reply: unauthorized(dest.surface, v.reason) };
        const fault = faults.take('product', req.method, rawPath);
        const early = faultedEarly(dest.product, fault);
        if (early) return early;
        const parsed = parseJsonBody(req.rawBody, contentType);
        if (!parsed.ok)
          return { product: dest.product, reply: productError(dest.product, 400, 'Malformed JSON body'), fault };
        const reply = await product.handle({ ...req, path: dest.path, body: parsed.body }, { clientIp });
        return { product: dest.product, reply, fault };
      }
      case 'unknown':
        return {
          product: 'sim',
          reply: { status: 404, body: { code: 404, message: `No route for ${req.method} ${req.path}` } },
        };
    }
  }

  /** A canned reply or a drop before the work: the product (or token endpoint) never sees the request. */
  function faultedEarly(product: CallProduct, fault: FaultAction | undefined): Outcome | undefined {
    if (fault?.reply) return { product, reply: fault.reply, fault };
    if (fault?.drop === 'before') return { product, reply: { status: 0 }, fault };
    return undefined;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = clock.nowMs();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const clientIp = clientIpOf(req);
    const rawPath = url.pathname + url.search;
    const dest = classify(url.pathname);
    let outcome: Outcome = {
      product: dest.kind === 'product' ? dest.product : dest.kind === 'auth' ? 'auth' : 'sim',
      reply: { status: 500 },
    };
    try {
      const rawBody = await readBody(req);
      const simReq: SimRequest = {
        method,
        path: url.pathname,
        params: {},
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        body: undefined,
      };
      outcome = await route(dest, simReq, clientIp, rawPath);
    } catch (err) {
      outcome = {
        ...outcome,
        reply: { status: 500, body: { code: 500, message: `Simulator error: ${(err as Error).message}` } },
      };
    }
    const { product, reply, fault } = outcome;
    if (!(dest.kind === 'control' && isInspection(method, dest.path))) {
      const record: CallRecord = { at, method, path: rawPath, product, status: reply.status, clientIp };
      if (fault) record.fault = fault.kind;
      calls.push(record);
    }
    if (fault) await delays.wait(fault.delayMs);
    if (fault?.drop) resetConnection(req);
    else sendReply(res, reply);
  }

  const server = createServer((req, res) => void onRequest(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
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
        delays.releaseAll();
      }),
    reset,
    advance: (ms) => clock.advance(ms),
    state,
    tokensIssued: () => tokens.issued(),
    revokeTokens: (kind) => tokens.revokeAll(kind),
    injectFault: (spec) => faults.add(spec),
    faults: () => faults.pending(),
    clearFaults: () => faults.clear(),
    rotateCredential: (change) => {
      const r = creds.rotate(change);
      if (!r.ok) throw new Error(r.message);
    },
    credentials: () => structuredClone(creds.current),
  };
}
