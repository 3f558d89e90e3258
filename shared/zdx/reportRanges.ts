/**
 * ZDX documents that most report endpoints take at most a 2-hour range (longer periods must be split into
 * 2-hour requests). A lookback longer than that is read range by range, newest first, stopping at the first
 * range that has data: the common case costs one request, and an idle device is still found.
 */

export const MAX_REPORT_RANGE_SEC = 2 * 3600;

/** `from`/`to` in epoch seconds, as ZDX's report endpoints take them. */
export type ReportRange = { from: number; to: number };

/** The last `lookbackHours` before `nowSec` as ranges of at most 2 hours, newest first; the oldest may be shorter. */
export function reportRanges(lookbackHours: number, nowSec: number): ReportRange[] {
  const earliest = nowSec - Math.round(lookbackHours * 3600);
  const ranges: ReportRange[] = [];
  for (let to = nowSec; to > earliest; to -= MAX_REPORT_RANGE_SEC) {
    ranges.push({ from: Math.max(earliest, to - MAX_REPORT_RANGE_SEC), to });
  }
  return ranges;
}

/** `read` for each range of the lookback, newest first, until one yields something; [] when none does. */
export async function newestNonEmpty<T>(
  lookbackHours: number,
  read: (range: ReportRange) => Promise<T[]>,
): Promise<T[]> {
  for (const range of reportRanges(lookbackHours, Math.floor(Date.now() / 1000))) {
    const found = await read(range);
    if (found.length > 0) return found;
  }
  return [];
}
