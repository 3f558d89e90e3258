/** Segment groups: a window may name a group to bypass all of its segments. */
import * as z from 'zod/mini';
import { listAll, nameEq, pickByName, zpaId, type ZpaScope } from './scope.js';

export const segmentGroupSchema = z.looseObject({
  id: zpaId,
  name: z.string(),
  enabled: z.optional(z.boolean()),
  /** The member segments (expanded objects; only their ids matter here). An empty group omits the key. */
  applications: z.optional(z.array(z.looseObject({ id: zpaId, name: z.optional(z.string()) }))),
});
export type SegmentGroup = z.infer<typeof segmentGroupSchema>;

export const listSegmentGroups = (s: ZpaScope, opts: { search?: string } = {}): Promise<SegmentGroup[]> =>
  listAll(s, '/segmentGroup', segmentGroupSchema, opts.search);

export const findSegmentGroupByName = async (s: ZpaScope, name: string): Promise<SegmentGroup | undefined> =>
  pickByName(await listSegmentGroups(s, { search: nameEq(name) }), name);

export const segmentIdsOf = (g: SegmentGroup): string[] => (g.applications ?? []).map((a) => a.id);
