/**
 * Fault injection for retry and recovery tests. A fault matches requests by a path regex (searched in the path
 * with its query), optionally a method, and a target (authenticated product requests by default, as real
 * 5xx/429s come from behind the gateway; `auth` aims at the token endpoints, `any` at both). What it does:
 *
 *  - `status` (+ `headers`, `body`): answer with this canned reply; the product never sees the request;
 *  - `delayMs`: hold the answer back this long (the canned reply, or the product's own: the product does its
 *    work at once, so a client that gives up meanwhile has still, say, started its trace);
 *  - `drop: 'before'`: reset the connection without the product seeing the request (nothing happened);
 *  - `drop: 'after'`: let the product do the work, then reset the connection instead of answering (the
 *    "answer lost" case: the rule exists, the client saw a socket error).
 *
 * How often: the next `count` matching requests (default 1); or, with `rate` (0..1), each matching request
 * with that probability, drawn from a PRNG seeded by `seed` so a run can be replayed exactly; a rate fault
 * lasts until cleared unless `count` caps how often it fires.
 */
import type { SimReply } from './router.js';

export type FaultTarget = 'product' | 'auth' | 'any';
export type DropPoint = 'before' | 'after';

export interface FaultSpec {
  /** A regular expression searched in the request path with its query, e.g. `/deeptraces` or `^/zdx/v1/devices$`. */
  path: string;
  method?: string;
  /** Default `product`. */
  target?: FaultTarget;
  /** Answer with this status instead of reaching the product. Excludes `drop`. */
  status?: number;
  /** Headers of the canned reply (needs `status`). */
  headers?: Record<string, string>;
  /** Body of the canned reply (needs `status`); default `{code, message}`. */
  body?: unknown;
  /** Hold the reply (canned or real) or the drop back by this many real milliseconds (0 … 600000). */
  delayMs?: number;
  /** Reset the connection before the product handles the request, or after it has. Excludes `status`. */
  drop?: DropPoint;
  /** How many times the fault fires; default 1 without `rate`, unlimited with it. */
  count?: number;
  /** Share of matching requests to fault, 0 … 1, decided per request at random. */
  rate?: number;
  /** Seed of the per-fault PRNG behind `rate` (an unsigned 32-bit integer); chosen at random when omitted. */
  seed?: number;
}

/** A queued fault as `GET /__sim/faults` shows it. */
export interface PendingFault extends FaultSpec {
  /** Firings left; null when unlimited (a `rate` fault without `count`). */
  remaining: number | null;
  /** Matching requests seen so far, and how many of them were faulted. */
  matched: number;
  fired: number;
}

/** What the server must do with one request. */
export interface FaultAction {
  /** Reply with this instead of asking the product. */
  reply?: SimReply;
  drop?: DropPoint;
  delayMs: number;
  /** For the call log: `reply`, `delay`, `drop-before` or `drop-after`. */
  kind: 'reply' | 'delay' | 'drop-before' | 'drop-after';
}

interface Fault {
  spec: FaultSpec;
  pattern: RegExp;
  /** Firings left; Infinity when unlimited. */
  remaining: number;
  matched: number;
  fired: number;
  random?: () => number;
}

export const MAX_DELAY_MS = 600_000;

const DEFAULT_MESSAGES: Record<number, string> = {
  429: 'Rate limit exceeded',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/** mulberry32: a tiny, well-mixed 32-bit PRNG; the same seed gives the same sequence on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isUint32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

export class FaultInjector {
  private faults: Fault[] = [];
  private readonly seeds: () => number;

  /** `seed` makes the seeds chosen for faults without one reproducible too. */
  constructor(seed?: number) {
    const next = seed === undefined ? Math.random : seededRandom(seed);
    this.seeds = () => Math.floor(next() * 0x100000000) >>> 0;
  }

  /** Validates and queues a fault; returns it as queued (with its seed); throws a readable Error when bad. */
  add(raw: unknown): FaultSpec {
    const spec = validate(raw);
    const rated = spec.rate !== undefined;
    if (rated && spec.seed === undefined) spec.seed = this.seeds();
    const remaining = spec.count ?? (rated ? Number.POSITIVE_INFINITY : 1);
    this.faults.push({
      spec,
      pattern: new RegExp(spec.path),
      remaining,
      matched: 0,
      fired: 0,
      random: rated ? seededRandom(spec.seed as number) : undefined,
    });
    return { ...spec };
  }

  /** What to do with this request, using up one firing of the first matching fault that fires, or undefined. */
  take(target: 'product' | 'auth', method: string, pathWithQuery: string): FaultAction | undefined {
    for (const fault of this.faults) {
      const { spec } = fault;
      const aim = spec.target ?? 'product';
      if (aim !== 'any' && aim !== target) continue;
      if (spec.method && spec.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!fault.pattern.test(pathWithQuery)) continue;
      fault.matched += 1;
      // One draw per matching request, fired or not, so the decisions depend only on the seed and the order.
      if (fault.random && !(fault.random() < (spec.rate as number))) continue;
      fault.fired += 1;
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return actionOf(spec);
    }
    return undefined;
  }

  pending(): PendingFault[] {
    return this.faults.map((f) => ({
      ...f.spec,
      remaining: Number.isFinite(f.remaining) ? f.remaining : null,
      matched: f.matched,
      fired: f.fired,
    }));
  }

  clear(): void {
    this.faults = [];
  }
}

function actionOf(spec: FaultSpec): FaultAction {
  const delayMs = spec.delayMs ?? 0;
  if (spec.drop) return { drop: spec.drop, delayMs, kind: spec.drop === 'before' ? 'drop-before' : 'drop-after' };
  if (spec.status !== undefined) {
    const { status, headers, body } = spec;
    return {
      reply: {
        status,
        headers: { ...headers },
        body: body !== undefined ? body : { code: status, message: DEFAULT_MESSAGES[status] ?? 'Injected fault' },
      },
      delayMs,
      kind: 'reply',
    };
  }
  return { delayMs, kind: 'delay' };
}

const KNOWN_FIELDS = new Set([
  'path',
  'method',
  'target',
  'status',
  'headers',
  'body',
  'delayMs',
  'drop',
  'count',
  'rate',
  'seed',
]);

function validate(raw: unknown): FaultSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('fault must be a JSON object');
  const spec = { ...(raw as FaultSpec) };
  const unknown = Object.keys(spec).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length > 0) throw new Error(`unknown fault field(s): ${unknown.join(', ')}`);
  if (typeof spec.path !== 'string' || spec.path === '') throw new Error('path (a regex string) is required');
  try {
    new RegExp(spec.path);
  } catch {
    throw new Error(`path is not a valid regular expression: ${spec.path}`);
  }
  if (spec.method !== undefined && typeof spec.method !== 'string') throw new Error('method must be a string');
  if (spec.target !== undefined && !['product', 'auth', 'any'].includes(spec.target))
    throw new Error('target must be product, auth or any');

  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) {
    throw new Error('status must be an HTTP status code');
  }
  if (spec.drop !== undefined && spec.drop !== 'before' && spec.drop !== 'after')
    throw new Error('drop must be "before" or "after"');
  if (
    spec.delayMs !== undefined &&
    (!Number.isInteger(spec.delayMs) || spec.delayMs < 0 || spec.delayMs > MAX_DELAY_MS)
  ) {
    throw new Error(`delayMs must be an integer from 0 to ${MAX_DELAY_MS}`);
  }
  if (spec.status === undefined && spec.drop === undefined && spec.delayMs === undefined) {
    throw new Error('a fault needs status, drop or delayMs');
  }
  if (spec.status !== undefined && spec.drop !== undefined)
    throw new Error('status and drop exclude each other: a dropped connection has no reply');
  if (spec.status === undefined && (spec.headers !== undefined || spec.body !== undefined))
    throw new Error('headers and body describe a canned reply: give status too');
  if (spec.headers !== undefined) {
    const bad =
      typeof spec.headers !== 'object' ||
      spec.headers === null ||
      Object.values(spec.headers).some((v) => typeof v !== 'string');
    if (bad) throw new Error('headers must be an object of strings');
  }

  if (spec.count !== undefined && (!Number.isInteger(spec.count) || spec.count < 1))
    throw new Error('count must be a positive integer');
  if (spec.rate !== undefined && (typeof spec.rate !== 'number' || !(spec.rate >= 0 && spec.rate <= 1)))
    throw new Error('rate must be a number from 0 to 1');
  if (spec.seed !== undefined && spec.rate === undefined) throw new Error('seed only applies to a rate fault');
  if (spec.seed !== undefined && !isUint32(spec.seed)) throw new Error('seed must be an integer from 0 to 4294967295');
  if (spec.rate === undefined) spec.count = spec.count ?? 1;
  return spec;
}
