/**
 * Fault injection for retry tests: the next N requests matching a path regex (and optionally a method) get
 * a canned reply instead of reaching the product. Faults apply to authenticated product requests by
 * default, as real 5xx/429s come from behind the gateway; `target: 'auth'` aims at the token endpoints.
 */
import type { SimReply } from './router.js';

export type FaultTarget = 'product' | 'auth' | 'any';

export interface FaultSpec {
  /** A regular expression searched in the request path with its query, e.g. `/deeptraces` or `^/zdx/v1/devices$`. */
  path: string;
  method?: string;
  status: number;
  /** How many requests to fault; default 1. */
  count?: number;
  headers?: Record<string, string>;
  body?: unknown;
  target?: FaultTarget;
}

interface Fault {
  spec: FaultSpec;
  pattern: RegExp;
  remaining: number;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  429: 'Rate limit exceeded',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

export class FaultInjector {
  private faults: Fault[] = [];

  /** Validates and queues a fault; throws an Error with a readable message when the spec is bad. */
  add(raw: unknown): FaultSpec {
    if (typeof raw !== 'object' || raw === null) throw new Error('fault must be a JSON object');
    const spec = raw as FaultSpec;
    if (typeof spec.path !== 'string' || spec.path === '') throw new Error('path (a regex string) is required');
    let pattern: RegExp;
    try {
      pattern = new RegExp(spec.path);
    } catch {
      throw new Error(`path is not a valid regular expression: ${spec.path}`);
    }
    if (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599) throw new Error('status must be an HTTP status code');
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Error('count must be a positive integer');
    if (spec.method !== undefined && typeof spec.method !== 'string') throw new Error('method must be a string');
    if (spec.target !== undefined && !['product', 'auth', 'any'].includes(spec.target)) throw new Error('target must be product, auth or any');
    if (spec.headers !== undefined) {
      const bad = typeof spec.headers !== 'object' || spec.headers === null || Object.values(spec.headers).some((v) => typeof v !== 'string');
      if (bad) throw new Error('headers must be an object of strings');
    }
    this.faults.push({ spec: { ...spec, count }, pattern, remaining: count });
    return { ...spec, count };
  }

  /** The canned reply for this request, consuming one use of the first matching fault, or undefined. */
  take(target: 'product' | 'auth', method: string, pathWithQuery: string): SimReply | undefined {
    const fault = this.faults.find((f) => {
      const aim = f.spec.target ?? 'product';
      return (
        (aim === 'any' || aim === target) &&
        (!f.spec.method || f.spec.method.toUpperCase() === method.toUpperCase()) &&
        f.pattern.test(pathWithQuery)
      );
    });
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    const { status, headers, body } = fault.spec;
    return {
      status,
      headers: { ...headers },
      body: body !== undefined ? body : { code: status, message: DEFAULT_MESSAGES[status] ?? 'Injected fault' },
    };
  }

  pending(): Array<FaultSpec & { remaining: number }> {
    return this.faults.map((f) => ({ ...f.spec, remaining: f.remaining }));
  }

  clear(): void {
    this.faults = [];
  }
}
