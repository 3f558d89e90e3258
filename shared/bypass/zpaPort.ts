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
import { isNotFound } from '../zscaler/errors.js';
import type { ZpaScope } from '../zpa/scope.js';
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
