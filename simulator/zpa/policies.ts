/**
 * Policy sets and rule CRUD (docs/zscaler-api.md §2.5, §2.8). Every rule write runs under the policy set's lock so a
 * concurrent second write gets the documented 409 (docs/zscaler-api.md §5.8).
 */
import type { Router, SimRequest } from '../router.js';
import { created, noContent, ok, V1, V2, type ZpaContext } from './context.js';
import { errors, fail } from './errors.js';
import { compact, objectBody, type Json } from './json.js';
import { DEFAULT_RULE_NAME, POLICY_TYPES, resolvePolicyType } from './policy-types.js';
import { matches, microtenantMatcher, paginate, parseSearch } from './query.js';
import { CLIENT_TYPES, materialize, parseRule, PLATFORMS, ruleView } from './rule-model.js';
import type { PolicySet, Rule, Store } from './store.js';

export function policySetView(ps: PolicySet): Json {
  return compact({
    id: ps.id,
    modifiedTime: ps.modifiedTime,
    creationTime: ps.creationTime,
    modifiedBy: ps.modifiedBy,
    name: ps.name,
    enabled: true,
    description: ps.description,
    policyType: ps.policyType,
    sorted: true,
  });
}

function policySetFromPath(store: Store, value: string): PolicySet {
  const type = resolvePolicyType(value);
  if (!type) fail(errors.notFound(value));
  return store.policySetByType(type);
}

/** The rule, which must belong to the policy set in the path. */
export function ruleIn(store: Store, ps: PolicySet, ruleId: string): Rule {
  const rule = store.rules.get(ruleId);
  if (!rule || rule.policySetId !== ps.id) fail(errors.notFound(ruleId));
  return rule;
}

export function registerPolicies(router: Router, ctx: ZpaContext): void {
  router.add('GET', `${V1}/policySet/policyType/:type`, (req) =>
    ok(policySetView(policySetFromPath(ctx.store, req.params.type!))),
  );

  router.add('GET', `${V1}/policySet/rules/policyType/:type`, (req) => {
    const { store } = ctx;
    const ps = policySetFromPath(store, req.params.type!);
    const search = parseSearch(req.query.get('search'));
    const inTenant = microtenantMatcher(req.query);
    const items = store
      .rulesOf(ps)
      .filter((r) => inTenant(r.microtenantId))
      .map((r) => ruleView(r, ps, store, 'get'))
      .filter((v) => matches(v, search));
    return ok(paginate(items, req.query));
  });

  router.add('GET', `${V1}/policySet/:psid/rule/:ruleId`, (req) => {
    const { store } = ctx;
    const ps = store.find(store.policySets, req.params.psid!);
    return ok(ruleView(ruleIn(store, ps, req.params.ruleId!), ps, store, 'get'));
  });

  // New rules go after the existing user rules and before the default rule [rec: forwarding rule 1 existed,
  // the new rule got ruleOrder "2" and Default_Rule moved to 3].
  const create = (version: 1 | 2) => (req: SimRequest) =>
    ctx.withPolicyLock(req.params.psid!, () => {
      const { store } = ctx;
      const ps = store.find(store.policySets, req.params.psid!);
      const { conditions, ...input } = parseRule(objectBody(req), version, ps, store);
      const rule: Rule = {
        ...store.meta(store.microtenantFor(req.query, {})),
        policySetId: ps.id,
        defaultRule: false,
        ...input,
        conditions: materialize(conditions, store),
      };
      store.rules.set(rule.id, rule);
      const hasDefault = POLICY_TYPES[ps.typeName].defaultRule !== undefined;
      ps.ruleIds.splice(hasDefault ? ps.ruleIds.length - 1 : ps.ruleIds.length, 0, rule.id);
      store.touch(ps);
      return created(ruleView(rule, ps, store, version === 1 ? 'create1' : 'create2'));
    });
  router.add('POST', `${V1}/policySet/:psid/rule`, create(1));
  router.add('POST', `${V2}/policySet/:psid/rule`, create(2));

  // Full replacement; conditions get new condition/operand ids [rec]. The default rule keeps its name and place.
  const update = (version: 1 | 2) => (req: SimRequest) =>
    ctx.withPolicyLock(req.params.psid!, () => {
      const { store } = ctx;
      const ps = store.find(store.policySets, req.params.psid!);
      const rule = ruleIn(store, ps, req.params.ruleId!);
      const { conditions, ...input } = parseRule(objectBody(req), version, ps, store);
      delete rule.description;
      delete rule.customMsg;
      Object.assign(rule, input, { conditions: materialize(conditions, store) });
      if (rule.defaultRule) rule.name = DEFAULT_RULE_NAME;
      store.touch(rule);
      store.touch(ps);
      return noContent();
    });
  router.add('PUT', `${V1}/policySet/:psid/rule/:ruleId`, update(1));
  router.add('PUT', `${V2}/policySet/:psid/rule/:ruleId`, update(2));

  router.add('DELETE', `${V1}/policySet/:psid/rule/:ruleId`, (req) =>
    ctx.withPolicyLock(req.params.psid!, () => {
      const { store } = ctx;
      const ps = store.find(store.policySets, req.params.psid!);
      const rule = ruleIn(store, ps, req.params.ruleId!);
      if (rule.defaultRule) fail(errors.invalid(`Default rule ${rule.id} cannot be deleted`, [rule.id]));
      store.rules.delete(rule.id);
      ps.ruleIds = ps.ruleIds.filter((id) => id !== rule.id);
      store.touch(ps);
      return noContent();
    }),
  );

  router.add('GET', `${V1}/clientTypes`, () => ok(CLIENT_TYPES));
  router.add('GET', `${V1}/platform`, () => ok(PLATFORMS));
}
