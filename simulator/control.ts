/**
 * `/__sim/*`: unauthenticated inspection and control endpoints for tests and the local stack (every route is
 * described, with an example, in simulator/README.md):
 *   GET /state, GET /calls?since=N, POST /reset, POST /advance {ms}, GET|POST|DELETE /faults,
 *   POST /revoke-tokens {kind?}, POST /credentials {kind, ...fields}.
 */
import type { CredentialStore } from './auth/credentialStore.js';
import { TOKEN_KINDS, type TokenAuthority, type TokenKind } from './auth/tokens.js';
import type { SimClock } from './clock.js';
import type { FaultInjector } from './faults.js';
import { Router, json, type SimReply, type SimRequest } from './router.js';

export type CallProduct = 'zpa' | 'zdx' | 'auth' | 'sim';

/** One request as the simulator saw it. Never holds bodies or secrets. */
export interface CallRecord {
  /** Simulated epoch milliseconds. */
  at: number;
  method: string;
  /** Path with its query string, as received. */
  path: string;
  product: CallProduct;
  /** The reply's status; for a dropped connection, what the product answered (0 when it never saw the request). */
  status: number;
  clientIp: string;
  /** Set when an injected fault acted on this request. */
  fault?: 'reply' | 'delay' | 'drop-before' | 'drop-after';
}

export interface ControlDeps {
  clock: SimClock;
  calls: CallRecord[];
  faults: FaultInjector;
  tokens: TokenAuthority;
  creds: CredentialStore;
  state(): unknown;
  reset(): void;
}

const bad = (message: string): SimReply => json(400, { code: 400, message });

export function createControlRouter(deps: ControlDeps): Router {
  const { clock, calls, faults, tokens, creds } = deps;
  return new Router()
    .add('GET', '/state', () => json(200, deps.state()))
    .add('GET', '/calls', (req) => {
      const since = req.query.get('since') ?? '0';
      if (!/^\d+$/.test(since)) return bad('since must be a non-negative integer index');
      return json(200, calls.slice(Number(since)));
    })
    .add('POST', '/reset', () => {
      deps.reset();
      return json(200, { reset: true, now: clock.nowMs() });
    })
    .add('POST', '/advance', (req) => {
      const ms = (req.body as { ms?: unknown } | undefined)?.ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
        return bad('body must be {"ms": <non-negative number>}');
      clock.advance(ms);
      return json(200, { now: clock.nowMs() });
    })
    .add('GET', '/faults', () => json(200, faults.pending()))
    .add('POST', '/faults', (req) => {
      try {
        return json(200, { queued: faults.add(req.body), pending: faults.pending().length });
      } catch (err) {
        return bad((err as Error).message);
      }
    })
    .add('DELETE', '/faults', () => {
      faults.clear();
      return json(200, { pending: 0 });
    })
    .add('POST', '/revoke-tokens', (req) => {
      const kind = (req.body as { kind?: unknown } | undefined)?.kind;
      if (kind !== undefined && !TOKEN_KINDS.includes(kind as TokenKind)) return bad('kind must be zpa, zdx or oneapi');
      return json(200, { revoked: tokens.revokeAll(kind as TokenKind | undefined) });
    })
    .add('POST', '/credentials', (req) => {
      const r = creds.rotate(req.body);
      return r.ok ? json(200, { kind: r.kind, rotated: r.rotated }) : bad(r.message);
    });
}

/** Routes a `/__sim` request; unknown control paths are 404, wrong methods 405. */
export async function handleControl(router: Router, req: SimRequest): Promise<SimReply> {
  const m = router.match(req.method, req.path);
  if (m === undefined) return json(404, { code: 404, message: `No simulator control endpoint ${req.path}` });
  if (m === 'method') return json(405, { code: 405, message: `Method ${req.method} not allowed on /__sim${req.path}` });
  return m.handler({ ...req, params: m.params });
}

/** Reading the log or state must not change what it reports, so these two are not logged. */
export const isInspection = (method: string, path: string): boolean =>
  method === 'GET' && (path === '/calls' || path === '/state' || path === '/faults');
