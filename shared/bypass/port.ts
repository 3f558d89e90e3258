/**
 * What the bypass machinery needs from ZPA, in its own words. zpaPort.ts implements it with the ZPA client,
 * whose rule writes all go through one lock (shared/zpa/policyLock.ts); whole operations run one at a time
 * per container (exclusive.ts), and across containers the FIFO policy queue has one message group.
 */
import type { RuleView } from './plan.js';

/** An application segment as ZPA lists it, every field kept. */
export type SegmentObject = Record<string, unknown> & {
  id: string;
  name: string;
  bypassType?: string;
  description?: string;
};

export interface BypassPort {
  listForwardingRules(): Promise<RuleView[]>;
  /**
   * Only the rules whose name starts like ours (one search, not a listing of the policy), with the position of
   * the first rule that is not ours: `rules` and `firstForeign` say all the reconciler needs to know of the
   * others. Undefined when ZPA refuses the search (the caller then lists every rule). Optional: a port without
   * it is read in full every run.
   */
  searchBypassRules?(): Promise<{ rules: RuleView[]; firstForeign: number } | undefined>;
  createBypassRule(input: { name: string; description: string; appIds: string[] }): Promise<string>;
  updateBypassRule(ruleId: string, input: { name: string; description: string; appIds: string[] }): Promise<void>;
  moveRuleFirst(ruleId: string): Promise<void>;
  deleteRule(ruleId: string): Promise<void>;
  listSegments(): Promise<SegmentObject[]>;
  /** One segment by id (one GET), or undefined when ZPA has none. Optional: see searchBypassRules. */
  getSegment?(id: string): Promise<SegmentObject | undefined>;
  /** One segment by id or exact name (one lookup, not a listing of the tenant), or undefined. */
  findSegment(ref: string): Promise<SegmentObject | undefined>;
  /**
   * Read-merge-write: `changes` are merged onto the segment as ZPA holds it at the time of the write (read
   * again, since PUT replaces the whole object), not onto `current`, which is the segment as this run listed it.
   */
  writeSegment(current: SegmentObject, changes: Partial<SegmentObject>): Promise<void>;
  segmentGroupMembers(groupName: string): Promise<string[]>;
}
