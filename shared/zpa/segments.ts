/**
 * Application segments. ZPA's PUT replaces the whole object and silently resets what is left out
 * (description cleared, flags back to defaults, port lists emptied: docs/zscaler-api.md §2.6, docs/zscaler-api.md §5.6), so
 * `updateSegment` always reads the current object, merges the change and writes it all back. A PUT whose answer
 * is lost is read back and compared before it is sent again (scope.ts `readMergeWrite`).
 */
import * as z from 'zod/mini';
import {
  listAll,
  nameEq,
  pickByName,
  q,
  readMergeWrite,
  sameValue,
  v1,
  withoutReadOnly,
  zpaId,
  type ZpaScope,
} from './scope.js';

/** Only what we read is checked; every other field is kept, because a PUT must send it back. */
export const segmentSchema = z.looseObject({
  id: zpaId,
  name: z.string(),
  description: z.optional(z.string()),
  enabled: z.optional(z.boolean()),
  /** NEVER (use the forwarding policy), ALWAYS, ON_NET; kept a string so a value added by Zscaler later cannot fail a listing. */
  bypassType: z.optional(z.string()),
  segmentGroupId: z.optional(zpaId),
  domainNames: z.optional(z.array(z.string())),
});
export type Segment = z.infer<typeof segmentSchema>;

/** Every segment (all pages of 500), optionally filtered with ZPA's search syntax. */
export const listSegments = (s: ZpaScope, opts: { search?: string } = {}): Promise<Segment[]> =>
  listAll(s, '/application', segmentSchema, opts.search);

export const getSegment = async (s: ZpaScope, id: string): Promise<Segment> =>
  segmentSchema.parse(await s.api.get(v1(s, `/application/${id}`), q(s)));

export const findSegmentByName = async (s: ZpaScope, name: string): Promise<Segment | undefined> =>
  pickByName(await listSegments(s, { search: nameEq(name) }), name);

/**
 * Read-merge-write: GET the segment, apply `changes` (a key set to undefined is removed), PUT all of it. When the
 * PUT's answer is lost, the segment is read again: if it shows `changes`, the write took effect; if not, `changes`
 * are merged onto it as it is now and sent again (never the stale body: a change made meanwhile survives).
 */
export function updateSegment(
  s: ZpaScope,
  id: string,
  changes: Record<string, unknown>,
): Promise<{ before: Segment; after: Record<string, unknown> }> {
  return readMergeWrite(s, {
    read: () => getSegment(s, id),
    merge: (current) => {
      const after = { ...withoutReadOnly(current), ...changes };
      for (const [k, v] of Object.entries(after)) if (v === undefined) delete after[k];
      return after;
    },
    write: async (body) => {
      await s.api.put(v1(s, `/application/${id}`), body, q(s), { idempotent: false });
    },
    shows: (current) =>
      Object.entries(changes).every(([k, v]) => sameValue((current as Record<string, unknown>)[k], v)),
  });
}
