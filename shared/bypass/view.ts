/**
 * What a reconcile reads of ZPA, and no more than it needs: our rules by one name search, the segments our
 * markers are on by id (markedSegments.ts keeps their ids), and the segments of the windows active now by id or
 * name. An idle tick therefore costs the same at 60 segments as at 10,000 (one rule search; no segment read when
 * nothing is marked and no window is running).
 *
 * The whole tenant is still read (every rule, every segment) when
 * - the port cannot search (a test double) or no record of marked segments is configured,
 * - the record says no run has read everything for a day (markedSegments.ts, FULL_SWEEP_MS), or it is new,
 * - ZPA refuses the rule search, or
 * - a run would read more segments one by one than INDIVIDUAL_READ_LIMIT: past that, the listing (500 a page)
 *   is the cheaper read.
 */
import type { MarkedSegments } from './markedSegments.js';
import { sweepDue } from './markedSegments.js';
import { firstForeignOrder, type RuleView } from './plan.js';
import type { BypassPort, SegmentObject } from './port.js';

/** Single-object reads one run makes before it lists every segment instead. */
export const INDIVIDUAL_READ_LIMIT = 20;

export interface ZpaView {
  rules: RuleView[];
  /** Position of the first rule that is not ours (plan.ts `firstForeignOrder`). */
  firstForeign: number;
  /** Every segment read so far: all of them after a full read. */
  segments(): SegmentObject[];
  /** A segment by id, read if not read yet; undefined when ZPA has none. */
  byId(id: string): Promise<SegmentObject | undefined>;
  /** A window's reference to a segment (its id or its exact name, case-insensitive). */
  byRef(ref: string): Promise<SegmentObject | undefined>;
  /** True when this run read every segment of the tenant (then `sweptAt` moves on). */
  readAll(): boolean;
}

export async function readZpaView(
  port: BypassPort,
  /** `expectedRefs`: how many segment references the windows running now name (their segments and groups). */
  opts: { marks?: MarkedSegments; now: Date; expectedRefs?: number },
): Promise<ZpaView> {
  const searched =
    opts.marks && port.searchBypassRules && port.getSegment && !sweepDue(opts.marks, opts.now)
      ? await port.searchBypassRules()
      : undefined;
  if (!searched) return fullView(await port.listSegments(), await port.listForwardingRules());

  const getSegment = port.getSegment!;
  const read = new Map<string, SegmentObject>();
  let all: SegmentObject[] | undefined;
  let singleReads = 0;
  const listAll = async () => {
    all ??= await port.listSegments();
    for (const s of all) read.set(s.id, s);
    return all;
  };
  const byId = async (id: string) => {
    if (read.has(id) || all) return read.get(id);
    if (++singleReads > INDIVIDUAL_READ_LIMIT) {
      await listAll();
      return read.get(id);
    }
    const seg = await getSegment(id);
    if (seg) read.set(seg.id, seg);
    return seg;
  };
  const byName = async (name: string) => {
    const known = [...read.values()].find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (known || all) return known;
    if (++singleReads > INDIVIDUAL_READ_LIMIT) return (await listAll()).find((s) => sameName(s, name));
    const seg = await port.findSegment(name);
    if (seg) read.set(seg.id, seg);
    return seg;
  };
  const view: ZpaView = {
    rules: searched.rules,
    firstForeign: searched.firstForeign,
    segments: () => [...read.values()],
    byId,
    // An id is tried as an id first; a name made of digits still resolves by name (as zpaPort.findSegment does).
    byRef: async (ref) => (/^\d+$/.test(ref) ? ((await byId(ref)) ?? byName(ref)) : byName(ref)),
    readAll: () => all !== undefined,
  };
  const marked = opts.marks!.ids;
  // A large window (hundreds of segments) is read with the listing at once, not 20 single reads first.
  if (marked.length + (opts.expectedRefs ?? 0) > INDIVIDUAL_READ_LIMIT) await listAll();
  else for (const id of marked) await byId(id);
  return view;
}

function fullView(segments: SegmentObject[], rules: RuleView[]): ZpaView {
  const byIdMap = new Map(segments.map((s) => [s.id, s]));
  const byNameMap = new Map(segments.map((s) => [s.name.toLowerCase(), s]));
  return {
    rules,
    firstForeign: firstForeignOrder(rules),
    segments: () => segments,
    byId: async (id) => byIdMap.get(id),
    byRef: async (ref) => byIdMap.get(ref) ?? byNameMap.get(ref.toLowerCase()),
    readAll: () => true,
  };
}

const sameName = (s: SegmentObject, name: string) => s.name.toLowerCase() === name.toLowerCase();
