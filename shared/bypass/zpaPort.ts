/**
 * The bypass machinery's view of ZPA (port.ts), implemented with the ZPA client. A bypass rule is a client
 * forwarding rule with action BYPASS and one `APP` operand condition naming the segments.
 *
 * Lost answers never double a write: a create is read back by the rule's unique name (markers.ts) before it is
 * sent again, a segment or rule update is read back and compared, and a delete that finds the rule gone has done
 * its job (shared/zpa/rules.ts, segments.ts).
 */
import { NotFoundError } from '../errors.js';
import type { ApiClient } from '../zscaler/http.js';
import { getPolicySet } from '../zpa/policySets.js';
import { reorderRule } from '../zpa/reorder.js';
import {
  createRule,
  deleteRule,
  listRules,
  operandValues,
  updateRule,
  type Rule,
  type RuleInput,
} from '../zpa/rules.js';
import { findSegmentGroupByName, segmentIdsOf } from '../zpa/segmentGroups.js';
import { findSegmentByName, getSegment, listSegments, updateSegment } from '../zpa/segments.js';
import { isNotFound, ZscalerApiError } from '../zscaler/errors.js';
import type { ZpaScope } from '../zpa/scope.js';
import { parseRuleName, RULE_PREFIX } from './markers.js';
import type { RuleView } from './plan.js';
import type { BypassPort } from './port.js';

const FORWARDING = 'CLIENT_FORWARDING_POLICY';

const bypassRuleBody = (i: { name: string; description: string; appIds: string[] }): RuleInput => ({
  name: i.name,
  description: i.description,
  action: 'BYPASS',
  // Explicit: read-merge-write would otherwise carry a `disabled: "1"` someone set in the portal.
  disabled: '0',
  operator: 'AND',
  conditions: [{ operator: 'OR', operands: [{ objectType: 'APP', values: i.appIds }] }],
});

const ruleView = (r: Rule): RuleView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  action: r.action ?? '',
  ruleOrder: r.ruleOrder ?? '',
  disabled: r.disabled === '1',
  appIds: operandValues(r, 'APP'),
});

export function zpaBypassPort(opts: { api: ApiClient; customerId: string; microtenantId?: string }): BypassPort {
  const scope: ZpaScope = opts;
  // The forwarding policy set's id never changes: read it once per container (a failure is not cached).
  let policySet: Promise<string> | undefined;
  const policySetId = () =>
    (policySet ??= getPolicySet(scope, FORWARDING)
      .then((p) => p.id)
      .catch((e: unknown) => {
        policySet = undefined;
        throw e;
      }));

  return {
    listForwardingRules: async () => (await listRules(scope, FORWARDING)).filter((r) => !r.defaultRule).map(ruleView),
    searchBypassRules: async () => {
      let found: Rule[];
      try {
        found = await listRules(scope, FORWARDING, { search: `name STARTSWITH ${RULE_PREFIX}` });
      } catch (e) {
        // 400 filtering.input.invalid.operand: this tenant's API does not take the search; the caller lists all.
        if (e instanceof ZscalerApiError && e.status === 400 && !isNotFound(e)) return undefined;
        throw e;
      }
      const rules = found.filter((r) => !r.defaultRule).map(ruleView);
      return { rules, firstForeign: firstForeignPosition(rules) };
    },
    createBypassRule: async (i) =>
      (await createRule(scope, await policySetId(), bypassRuleBody(i), { policyType: FORWARDING })).id,
    updateBypassRule: async (ruleId, i) => {
      await updateRule(scope, await policySetId(), ruleId, bypassRuleBody(i));
    },
    moveRuleFirst: async (ruleId) => reorderRule(scope, await policySetId(), ruleId, 1),
    // Not found counts as deleted (a lost answer to our own delete, or someone was first).
    deleteRule: async (ruleId) => {
      await deleteRule(scope, await policySetId(), ruleId);
    },
    listSegments: () => listSegments(scope),
    getSegment: (id) => getSegment(scope, id).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e))),
    findSegment: async (ref) => {
      // An id is tried as an id first; a name made of digits still resolves by name.
      const byId = /^\d+$/.test(ref)
        ? await getSegment(scope, ref).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)))
        : undefined;
      return byId ?? findSegmentByName(scope, ref);
    },
    // GET-before-PUT on the segment itself: merges onto its latest state, not the list read earlier.
    writeSegment: async (current, changes) => {
      await updateSegment(scope, current.id, changes);
    },
    segmentGroupMembers: async (name) => {
      const group = await findSegmentGroupByName(scope, name);
      if (!group) throw new NotFoundError(`segment group "${name}" does not exist in ZPA`);
      return segmentIdsOf(group);
    },
  };
}

/**
 * The position of the first rule that is not ours, from a search that returned ours (and perhaps a foreign rule
 * whose name starts alike: the search ignores case). ZPA's ruleOrder is 1-based and contiguous over the policy
 * (docs/zscaler-api.md), so the first position none of the found rules holds belongs to a rule that is not ours,
 * or is past the last rule.
 */
export function firstForeignPosition(found: RuleView[]): number {
  const held = new Set<number>();
  let foreign = Number.POSITIVE_INFINITY;
  for (const r of found) {
    const order = Number(r.ruleOrder);
    if (!parseRuleName(r.name)) foreign = Math.min(foreign, order);
    else held.add(order);
  }
  let gap = 1;
  while (held.has(gap)) gap++;
  return Math.min(foreign, gap);
}
