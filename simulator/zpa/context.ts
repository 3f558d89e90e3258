/**
 * What every ZPA route module receives: the current store (replaced on reset, so read it per request) and the
 * policy-set write lock that produces the documented 409.
 */
import type { SimReply } from '../router.js';
import type { Store } from './store.js';

export interface ZpaContext {
  readonly store: Store;
  /** Runs a policy-set write while holding that policy set's lock; a second writer meanwhile gets 409. */
  withPolicyLock(policySetId: string, write: () => SimReply): Promise<SimReply>;
}

export const V1 = '/mgmtconfig/v1/admin/customers/:customerId';
export const V2 = '/mgmtconfig/v2/admin/customers/:customerId';

/** Creates and updates answer 201 + body / 204 empty (docs/zscaler-api.md §2.1). */
export const created = (body: unknown): SimReply => ({ status: 201, body });
export const ok = (body: unknown): SimReply => ({ status: 200, body });
export const noContent = (): SimReply => ({ status: 204 });
