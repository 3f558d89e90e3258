/**
 * Policy rules. Writes use the v2 operand form (`{objectType, values}` / `{objectType, entryValues}`), but
 * ZPA returns every rule v1-shaped (`{objectType, lhs, rhs}`, one operand per value: docs/zscaler-api.md §5.9), so an
 * update converts what it read back to v2 before the full-replacement PUT. `ruleOrder` in a body is not
 * honoured: position rules with reorder.ts.
 *
 * Lost answers (the HTTP core's OutcomeUnknownError): a create is read back by its unique name before it is sent
 * again; an update is read back and compared; a delete is idempotent, and "not found" is its success.
 */
import * as z from 'zod/mini';
import { isNotFound, OutcomeUnknownError } from '../zscaler/errors.js';
import { policyWrite } from './policyLock.js';
import type { PolicyType } from './policySets.js';
import {
  listAll,
  MAX_WRITE_SENDS,
  q,
  readBack,
  readMergeWrite,
  sameValue,
  v1,
  v2,
  withoutReadOnly,
  zpaId,
  zpaNumeric,
  type ZpaScope,
} from './scope.js';

const operandV1 = z.looseObject({ objectType: z.string(), lhs: z.optional(z.string()), rhs: z.optional(zpaNumeric) });
const conditionV1 = z.looseObject({
  operator: z.optional(z.string()),
  negated: z.optional(z.boolean()),
  operands: z.optional(z.array(operandV1)),
});

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

export type OperandV2 =
  | { objectType: string; values: string[] }
  | { objectType: string; entryValues: Array<{ lhs: string; rhs: string }> };
export interface ConditionV2 {
  operator: 'AND' | 'OR';
  negated?: boolean;
  operands: OperandV2[];
}
/** A rule body for the v2 endpoints; other fields (customMsg, appServerGroups, …) pass through. */
export type RuleInput = {
  name: string;
  description?: string;
  action: string;
  operator?: 'AND' | 'OR';
  conditions: ConditionV2[];
} & Record<string, unknown>;

/** v2 operand types that take a list of values; all others take lhs/rhs pairs (docs/zscaler-api.md §2.8). */
const LIST_STYLE = new Set([
  'APP',
  'APP_GROUP',
  'CLIENT_TYPE',
  'MACHINE_GRP',
  'LOCATION',
  'EDGE_CONNECTOR_GROUP',
  'BRANCH_CONNECTOR_GROUP',
  'CONSOLE',
  'USER_PORTAL',
  'CHROME_POSTURE_PROFILE',
  'IDP',
  'CLOUD_CONNECTOR_GROUP',
]);

/** v1 conditions as read → v2 conditions for a write: operands grouped per objectType, in first-seen order. */
export function toV2Conditions(conditions: Rule['conditions'] = []): ConditionV2[] {
  return conditions.map((c) => {
    const byType = new Map<string, OperandV2>();
    for (const o of c.operands ?? []) {
      let op = byType.get(o.objectType);
      if (!op) {
        op = LIST_STYLE.has(o.objectType)
          ? { objectType: o.objectType, values: [] }
          : { objectType: o.objectType, entryValues: [] };
        byType.set(o.objectType, op);
      }
      if ('values' in op) op.values.push(o.rhs ?? '');
      else op.entryValues.push({ lhs: o.lhs ?? '', rhs: o.rhs ?? '' });
    }
    return {
      operator: c.operator === 'AND' ? 'AND' : 'OR',
      negated: c.negated ?? false,
      operands: [...byType.values()],
    };
  });
}

/** The values of every operand of one type (e.g. the segment ids of `APP` operands). */
export const operandValues = (rule: Rule, objectType: string): string[] =>
  (rule.conditions ?? []).flatMap((c) =>
    (c.operands ?? []).filter((o) => o.objectType === objectType).map((o) => o.rhs ?? ''),
  );

const parse = (raw: unknown) => ruleSchema.parse(raw);

/** All rules of a policy type, sorted by ruleOrder (the default rule, where the type has one, is last). */
export const listRules = (s: ZpaScope, type: PolicyType, opts: { search?: string } = {}): Promise<Rule[]> =>
  listAll(s, `/policySet/rules/policyType/${type}`, ruleSchema, opts.search);

export const getRule = async (s: ZpaScope, policySetId: string, ruleId: string): Promise<Rule> =>
  parse(await s.api.get(v1(s, `/policySet/${policySetId}/rule/${ruleId}`), q(s)));

/** Every rule of a policy type with exactly this name, in ZPA's order (read from the full list: no search syntax to trip on). */
export const rulesNamed = async (s: ZpaScope, type: PolicyType, name: string): Promise<Rule[]> =>
  (await listRules(s, type)).filter((r) => r.name === name);

export interface CreateRuleOptions {
  /**
   * The policy type of `policySetId`. With it, a create whose answer was lost is read back by name before
   * anything is sent again: found → that is the rule created; not found → sent once more (MAX_WRITE_SENDS in
   * all). This needs a name that is unique in the policy set and that the caller has seen no rule of (our bypass
   * rules: markers.ts). Without it, the OutcomeUnknownError is the caller's to resolve.
   */
  policyType?: PolicyType;
}

/** Creates a rule (v2 operands); ZPA places it after the user rules, before the default rule. Never creates two. */
export const createRule = (
  s: ZpaScope,
  policySetId: string,
  input: RuleInput,
  opts: CreateRuleOptions = {},
): Promise<Rule> =>
  policyWrite(async () => {
    for (let sends = 1; ; sends++) {
      try {
        return parse(await s.api.post(v2(s, `/policySet/${policySetId}/rule`), { ...input, ruleOrder: null }, q(s)));
      } catch (e) {
        if (!(e instanceof OutcomeUnknownError) || !opts.policyType) throw e;
        const type = opts.policyType;
        const [created] = await readBack(s, e, () => rulesNamed(s, type, input.name));
        if (created) return created;
        if (sends >= MAX_WRITE_SENDS) throw e;
      }
    }
  });

/**
 * Read-merge-write: GET the rule, convert its conditions to v2, apply `changes`, PUT the whole rule. A PUT whose
 * answer was lost is read back: showing `changes`, it took effect; else `changes` are merged onto the rule as it
 * is now and sent again.
 */
export async function updateRule(
  s: ZpaScope,
  policySetId: string,
  ruleId: string,
  changes: Partial<RuleInput>,
): Promise<{ before: Rule; after: RuleInput }> {
  return policyWrite(() =>
    readMergeWrite(s, {
      read: () => getRule(s, policySetId, ruleId),
      merge: (current) => {
        const {
          conditions,
          ruleOrder: _order,
          priority: _priority,
          policySetId: _ps,
          ...rest
        } = withoutReadOnly(current) as Rule & Record<string, unknown>;
        return { ...rest, conditions: toV2Conditions(conditions), ...changes } as RuleInput;
      },
      write: async (body) => {
        await s.api.put(v2(s, `/policySet/${policySetId}/rule/${ruleId}`), body, q(s), { idempotent: false });
      },
      shows: (current) =>
        Object.entries(changes).every(([k, v]) =>
          k === 'conditions'
            ? conditionsKey(toV2Conditions(current.conditions)) ===
              conditionsKey((v as ConditionV2[] | undefined) ?? [])
            : sameValue((current as Record<string, unknown>)[k], v),
        ),
    }),
  );
}

/** v2 conditions compared for meaning: operand types and values in any order, condition order kept. */
const conditionsKey = (conditions: ConditionV2[]) =>
  JSON.stringify(
    conditions.map((c) => ({
      operator: c.operator === 'AND' ? 'AND' : 'OR',
      negated: !!c.negated,
      operands: c.operands
        .map((o) =>
          [
            'values' in o ? 'v' : 'e',
            o.objectType,
            ...('values' in o ? [...o.values].sort() : o.entryValues.map((x) => `${x.lhs}=${x.rhs}`).sort()),
          ].join('\u0000'),
        )
        .sort(),
    })),
  );

/**
 * Deletes a rule. DELETE is idempotent, so the core re-sends one whose answer was lost; ZPA's "not found" (400
 * `resource.not.found` or 404) then means it is gone, which is what was asked: `'already-gone'`, not an error.
 */
export const deleteRule = (s: ZpaScope, policySetId: string, ruleId: string): Promise<'deleted' | 'already-gone'> =>
  policyWrite(async () => {
    try {
      await s.api.delete(v1(s, `/policySet/${policySetId}/rule/${ruleId}`), q(s));
      return 'deleted';
    } catch (e) {
      if (isNotFound(e)) return 'already-gone';
      throw e;
    }
  });
