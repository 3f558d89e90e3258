/** Segment groups: a window may name a group to bypass all of its segments. */
import * as z from 'zod/mini';
import { collect, zpaPages } from '../zscaler/paginate.js';
import { nameEq, q, v1, zpaId, type ZpaScope } from './scope.js';

export const segmentGroupSchema = z.looseObject({
  id: zpaId,
  name: z.string(),
  enabled: z.optional(z.boolean()),
  /** The member segments (expanded objects; only their ids matter here). An empty group omits the key. */
  applications: z.optional(z.array(z.looseObject({ id: zpaId, name: z.optional(z.string()) }))),
});
export type SegmentGroup = z.infer<typeof segmentGroupSchema>;

const parse = (raw: unknown) => segmentGroupSchema.parse(raw);

export const listSegmentGroups = async (s: ZpaScope, opts: { search?: string } = {}): Promise<SegmentGroup[]> =>
  (await collect(zpaPages<unknown>(s.api, v1(s, '/segmentGroup'), q(s, { search: opts.search })))).map(parse);

export const getSegmentGroup = async (s: ZpaScope, id: string): Promise<SegmentGroup> => parse(await s.api.get(v1(s, `/segmentGroup/${id}`), q(s)));

export async function findSegmentGroupByName(s: ZpaScope, name: string): Promise<SegmentGroup | undefined> {
  const found = await listSegmentGroups(s, { search: nameEq(name) });
  return found.find((x) => x.name === name) ?? found.find((x) => x.name.toLowerCase() === name.toLowerCase());
}

export const segmentIdsOf = (g: SegmentGroup): string[] => (g.applications ?? []).map((a) => a.id);
