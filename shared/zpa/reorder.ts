/**
 * Rule order. `ruleOrder` is 1-based and contiguous; moving one rule shifts the others. Bulk reorder needs
 * every rule id of the policy set, the default rule last (ZPA refuses anything else: docs/zscaler-api.md §2.8).
 */
import { policyWrite } from './policyLock.js';
import { q, v1, type ZpaScope } from './scope.js';

export const reorderRule = (s: ZpaScope, policySetId: string, ruleId: string, newOrder: number): Promise<void> =>
  policyWrite(async () => {
    await s.api.put(v1(s, `/policySet/${policySetId}/rule/${ruleId}/reorder/${newOrder}`), undefined, q(s));
  });

export const bulkReorder = (s: ZpaScope, policySetId: string, ruleIds: readonly string[]): Promise<void> =>
  policyWrite(async () => {
    await s.api.put(v1(s, `/policySet/${policySetId}/reorder`), ruleIds, q(s));
  });
