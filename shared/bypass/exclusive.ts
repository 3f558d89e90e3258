/**
 * Whole bypass operations (a reconcile, an ad-hoc bypass) run one at a time per container, so a second
 * run always sees what the first created. Across containers, the FIFO policy queue's single message group
 * gives the same guarantee (serverless.yml).
 */
import { createMutex } from '../mutex.js';

export const runExclusive = createMutex();
