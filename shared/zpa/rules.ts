/**
 * Policy rules. Writes use the v2 operand form (`{objectType, values}` / `{objectType, entryValues}`), but
 * ZPA returns every rule v1-shaped (`{objectType, lhs, rhs}`, one operand per value: docs/zscaler-api.md §5.9), so an
 * update converts what it read back to v2 before the full-replacement PUT. `ruleOrder` in a body is not
 * honoured: position rules with reorder.ts.
 */
import * as z from 'zod/mini';
import { policyWrite } from './policyLock.js';
import type { PolicyType } from './policySets.js';
import { listAll, q, v1, v2, withoutReadOnly, zpaId, zpaNumeric, type ZpaScope } from './scope.js';

const operandV1 = z.looseObject({ objectType: z.string(), lhs: z.optional(z.string()), rhs: z.optional(zpaNumeric) });
const conditionV1 = z.looseObject({ operator: z.optional(z.string()), negated: z.optional(z.boolean()), operands: z.optional(z.array(operandV1)) });

export const ruleSchema = z.looseObject({
  id: zpaId,
  name: z.string(),
  description: z.optional(z.string()),
  action: z.optional(z.string()),
  ruleOrder: z.optional(zpaNumeric),
  priority: z.optional(zpaNumeric),
  defaultRule: z.optional(z.boolean()),
  /** "0" or "1" (a string, like every ZPA number). */
  disabled: z.optional(zpaNumeric),
  conditions: z.optional(z.array(conditionV1)),
});
export type Rule = z.infer<typeof ruleSchema>;

export type OperandV2 = { objectType: string; values: string[] } | { objectType: string; entryValues: Array<{ lhs: string; rhs: string }> };
export interface ConditionV2 {
  operator: 'AND' | 'OR';
  negated?: boolean;
  operands: OperandV2[];
}
/** A rule body for the v2 endpoints; other fields (customMsg, appServerGroups, …) pass through. */
export type RuleInput = { name: string; description?: string; action: string; operator?: 'AND' | 'OR'; conditions: ConditionV2[] } & Record<string, unknown>;

/** v2 operand types that take a list of values; all others take lhs/rhs pairs (docs/zscaler-api.md §2.8). */
const LIST_STYLE = new Set(['APP', 'APP_GROUP', 'CLIENT_TYPE', 'MACHINE_GRP', 'LOCATION', 'EDGE_CONNECTOR_GROUP', 'BRANCH_CONNECTOR_GROUP', 'CONSOLE', 'USER_PORTAL', 'CHROME_POSTURE_PROFILE', 'IDP', 'CLOUD_CONNECTOR_GROUP']);

/** v1 conditions as read → v2 conditions for a write: operands grouped per objectType, in first-seen order. */
export function toV2Conditions(conditions: Rule['conditions'] = []): ConditionV2[] {
  return conditions.map((c) => {
    const byType = new Map<string, OperandV2>();
    for (const o of c.operands ?? []) {
      let op = byType.get(o.objectType);
      if (!op) {
        op = LIST_STYLE.has(o.objectType) ? { objectType: o.objectType, values: [] } : { objectType: o.objectType, entryValues: [] };
        byType.set(o.objectType, op);
      }
      if ('values' in op) op.values.push(o.rhs ?? '');
      else op.entryValues.push({ lhs: o.lhs ?? '', rhs: o.rhs ?? '' });
    }
    return { operator: c.operator === 'AND' ? 'AND' : 'OR', negated: c.negated ?? false, operands: [...byType.values()] };
  });
}

/** The values of every operand of one type (e.g. the segment ids of `APP` operands). */
export const operandValues = (rule: Rule, objectType: string): string[] =>
  (rule.conditions ?? []).flatMap((c) => (c.operands ?? []).filter((o) => o.objectType === objectType).map((o) => o.rhs ?? ''));

const parse = (raw: unknown) => ruleSchema.parse(raw);

/** All rules of a policy type, sorted by ruleOrder (the default rule, where the type has one, is last). */
export const listRules = (s: ZpaScope, type: PolicyType, opts: { search?: string } = {}): Promise<Rule[]> =>
  listAll(s, `/policySet/rules/policyType/${type}`, ruleSchema, opts.search);

export const getRule = async (s: ZpaScope, policySetId: string, ruleId: string): Promise<Rule> =>
  parse(await s.api.get(v1(s, `/policySet/${policySetId}/rule/${ruleId}`), q(s)));

/** Creates a rule (v2 operands); ZPA places it after the user rules, before the default rule. */
export const createRule = (s: ZpaScope, policySetId: string, input: RuleInput): Promise<Rule> =>
  policyWrite(async () => parse(await s.api.post(v2(s, `/policySet/${policySetId}/rule`), { ...input, ruleOrder: null }, q(s))));

/** Read-merge-write: GET the rule, convert its conditions to v2, apply `changes`, PUT the whole rule. */
export async function updateRule(s: ZpaScope, policySetId: string, ruleId: string, changes: Partial<RuleInput>): Promise<{ before: Rule; after: RuleInput }> {
  return policyWrite(async () => {
    const before = await getRule(s, policySetId, ruleId);
    const { conditions, ruleOrder: _order, priority: _priority, policySetId: _ps, ...rest } = withoutReadOnly(before) as Rule & Record<string, unknown>;
    const after = { ...rest, conditions: toV2Conditions(conditions), ...changes } as RuleInput;
    await s.api.put(v2(s, `/policySet/${policySetId}/rule/${ruleId}`), after, q(s));
    return { before, after };
  });
}

export const deleteRule = (s: ZpaScope, policySetId: string, ruleId: string): Promise<void> =>
  policyWrite(async () => {
    await s.api.delete(v1(s, `/policySet/${policySetId}/rule/${ruleId}`), q(s));
  });
