/**
 * The simulated ZPA management API (mgmtconfig). server.ts authenticates, strips the OneAPI `/zpa` prefix and
 * calls `handle`; this module applies ZPA's per-IP rate limits, checks the customer id, routes, and turns
 * thrown ZpaErrors into their documented replies.
 */
import type { SimClock } from '../clock.js';
import { Router, type SimProduct, type SimReply, type SimRequest } from '../router.js';
import type { ZpaContext } from './context.js';
import { errors, fail, ZpaError } from './errors.js';
import { POLICY_TYPES, type PolicyTypeName } from './policy-types.js';
import { registerPolicies } from './policies.js';
import { DEFAULT_RATE_LIMITS, FixedWindowLimiter, type RateLimits } from './ratelimit.js';
import { registerReorder } from './reorder.js';
import { ruleView } from './rule-model.js';
import { seed } from './seed.js';
import { registerSegmentGroups } from './segment-groups.js';
import { registerSegments } from './segments.js';
import { registerServerGroups } from './server-groups.js';
import { Store } from './store.js';

export interface ZpaSimulatorOptions {
  customerId: string;
  /** Per client IP per 10 s; `false` disables limiting. Default 20 GET / 10 writes (docs/zscaler-api.md §4). */
  rateLimits?: RateLimits | false;
  /** How long (real ms) a policy-set write holds that set's lock. Default 50. */
  concurrencyWindowMs?: number;
  /** How many app-NNN segments the seed holds (default 55). */
  bulkSegments?: number;
}

export type { RateLimits } from './ratelimit.js';

const CUSTOMER_PATH = /^\/mgmtconfig\/v[12]\/admin\/customers\/([^/]+)(?:\/|$)/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createZpaSimulator(clock: SimClock, opts: ZpaSimulatorOptions): SimProduct {
  const fresh = () => {
    const s = new Store(clock);
    seed(s, { bulkSegments: opts.bulkSegments });
    return s;
  };
  let store = fresh();
  const limiter = new FixedWindowLimiter(opts.rateLimits === undefined ? DEFAULT_RATE_LIMITS : opts.rateLimits);
  const windowMs = opts.concurrencyWindowMs ?? 50;
  const counters = { requests: 0, writes: 0, r429: 0, r409: 0 };
  const locks = new Set<string>();

  const ctx: ZpaContext = {
    get store() {
      return store;
    },
    // Each policy-set write "takes" windowMs of real time with the set locked; a write to the same set in that
    // time gets 409 api.concurrent.access.error (docs/zscaler-api.md §2.8). The SDKs serialise rule writes with a mutex.
    async withPolicyLock(policySetId, write) {
      if (locks.has(policySetId)) {
        counters.r409 += 1;
        return errors.concurrentChange();
      }
      locks.add(policySetId);
      try {
        if (windowMs > 0) await sleep(windowMs);
        return write();
      } finally {
        locks.delete(policySetId);
      }
    },
  };

  const router = new Router();
  registerSegments(router, ctx);
  registerSegmentGroups(router, ctx);
  registerServerGroups(router, ctx);
  registerPolicies(router, ctx);
  registerReorder(router, ctx);

  async function route(req: SimRequest): Promise<SimReply> {
    // A customer id other than ours is answered like any unknown id: 400 resource.not.found (docs/zscaler-api.md §2.10).
    const customerId = CUSTOMER_PATH.exec(req.path)?.[1];
    if (customerId !== undefined && customerId !== opts.customerId) fail(errors.notFound(customerId));
    const match = router.match(req.method, req.path);
    if (match === 'method') {
      return errors.coded(405, 'request.method.not.supported', `Request method '${req.method}' not supported`);
    }
    if (match === undefined) {
      return errors.coded(404, 'api.not.found', `The simulator does not implement ${req.method} ${req.path}`);
    }
    return match.handler({ ...req, params: match.params });
  }

  return {
    name: 'zpa',

    async handle(req, { clientIp }) {
      counters.requests += 1;
      const retryAfter = limiter.take(clientIp, req.method);
      if (retryAfter !== undefined) {
        counters.r429 += 1;
        return errors.tooManyRequests(retryAfter);
      }
      if (req.method.toUpperCase() !== 'GET') counters.writes += 1;
      try {
        return await route(req);
      } catch (e) {
        if (e instanceof ZpaError) return e.reply;
        throw e;
      }
    },

    state() {
      const rules: Record<string, unknown[]> = {};
      for (const typeName of Object.keys(POLICY_TYPES) as PolicyTypeName[]) {
        const ps = store.policySetByType(typeName);
        rules[typeName] = store.rulesOf(ps).map((r) => ruleView(r, ps, store, 'get'));
      }
      return {
        segments: [...store.segments.values()].map((s) => ({
          id: s.id,
          name: s.name,
          microtenantId: s.microtenantId,
          segmentGroupId: s.segmentGroupId,
          domainNames: s.domainNames,
          enabled: s.settings.enabled,
          bypassType: s.settings.bypassType,
        })),
        segmentGroups: [...store.segmentGroups.values()].map((g) => ({
          id: g.id,
          name: g.name,
          microtenantId: g.microtenantId,
          applicationIds: store.segmentsInGroup(g.id).map((s) => s.id),
        })),
        policySets: [...store.policySets.values()].map((ps) => ({
          id: ps.id,
          name: ps.name,
          typeName: ps.typeName,
          policyType: ps.policyType,
        })),
        rules,
        counters: { ...counters },
      };
    },

    reset() {
      store = fresh();
      limiter.reset();
      locks.clear();
      Object.assign(counters, { requests: 0, writes: 0, r429: 0, r409: 0 });
    },
  };
}
