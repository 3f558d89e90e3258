/**
 * ZPA answers concurrent writes to one policy set with 409 `api.concurrent.access.error` (reference §2.8).
 * Like both official SDKs (go `ruleMutex`, py `global_rule_lock`), every rule create/update/delete/reorder
 * in this process goes through one lock; across Lambda instances the reconciler's reserved concurrency of 1
 * does the same, and a 409 that still happens is retried by the HTTP core.
 */
import { createMutex } from '../mutex.js';

export const policyWrite = createMutex();
