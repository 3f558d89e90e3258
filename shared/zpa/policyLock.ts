/**
 * ZPA answers concurrent writes to one policy set with 409 `api.concurrent.access.error` (docs/zscaler-api.md §2.8).
 * Like both official SDKs (go `ruleMutex`, py `global_rule_lock`), every rule create/update/delete/reorder
 * in this process goes through one lock. Across Lambda instances the FIFO policy queue's single message group
 * does the same: the reconciler, the only policy writer, is given one message at a time (serverless.yml).
 * A 409 that still happens is retried by the HTTP core.
 */
import { createMutex } from '../mutex.js';

export const policyWrite = createMutex();
