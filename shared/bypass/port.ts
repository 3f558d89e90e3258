/**
 * What the bypass machinery needs from ZPA, in its own words. zpaPort.ts implements it with the ZPA client;
 * every write goes through the policy lock there, so two reconcilers in one container never collide.
 */
import type { RuleView } from './plan.js';

/** A full application segment as ZPA returns it (all fields kept: PUT replaces the whole object). */
export type SegmentObject = Record<string, unknown> & { id: string; name: string; bypassType?: string; description?: string };

export interface BypassPort {
  listForwardingRules(): Promise<RuleView[]>;
  createBypassRule(input: { name: string; description: string; appIds: string[] }): Promise<string>;
  updateBypassRule(ruleId: string, input: { name: string; description: string; appIds: string[] }): Promise<void>;
  moveRuleFirst(ruleId: string): Promise<void>;
  deleteRule(ruleId: string): Promise<void>;
  listSegments(): Promise<SegmentObject[]>;
  /** One segment by id or exact name (one lookup, not a listing of the tenant), or undefined. */
  findSegment(ref: string): Promise<SegmentObject | undefined>;
  /** Read-merge-write from an object already read: PUT `current` with `changes` applied. */
  writeSegment(current: SegmentObject, changes: Partial<SegmentObject>): Promise<void>;
  segmentGroupMembers(groupName: string): Promise<string[]>;
}
