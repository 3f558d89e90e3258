/** Policy sets: one per policy type; its id is the `policySetId` every rule call needs. */
import * as z from 'zod/mini';
import { q, v1, zpaId, zpaNumeric, type ZpaScope } from './scope.js';

export type PolicyType =
  | 'ACCESS_POLICY'
  | 'TIMEOUT_POLICY'
  | 'CLIENT_FORWARDING_POLICY'
  | 'ISOLATION_POLICY'
  | 'INSPECTION_POLICY';

export const policySetSchema = z.looseObject({
  id: zpaId,
  name: z.string(),
  enabled: z.optional(z.boolean()),
  /** Numeric code as a string: "4" for CLIENT_FORWARDING_POLICY. */
  policyType: z.optional(zpaNumeric),
});
export type PolicySet = z.infer<typeof policySetSchema>;

export const getPolicySet = async (s: ZpaScope, type: PolicyType): Promise<PolicySet> =>
  policySetSchema.parse(await s.api.get(v1(s, `/policySet/policyType/${type}`), q(s)));
