/**
 * Paging for both envelope styles, as async iterators so callers can stop early.
 * - ZDX: cursor `offset` ← `next_offset`, until `next_offset` is null or empty.
 * - ZPA: `page` 1..`totalPages` with `pagesize` (lowercase) 500, the maximum. `totalPages` arrives as a
 *   string, and `totalCount` can be "0" beside a non-empty list, so only `totalPages` drives the loop.
 */
import type { ApiClient, Query } from './http.js';

export async function* zdxPages<T>(
  client: ApiClient,
  path: string,
  query: Query,
  pick: (page: Record<string, unknown>) => T[],
  limit = 100,
): AsyncGenerator<T> {
  let offset: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await client.get<Record<string, unknown>>(path, { ...query, limit, offset });
    yield* pick(page);
    const next = page.next_offset;
    if (next === null || next === undefined || next === '' || String(next) === offset) return;
    offset = String(next);
  }
}

export const ZPA_MAX_PAGE_SIZE = 500;

export async function* zpaPages<T>(
  client: ApiClient,
  path: string,
  query: Query = {},
  pageSize = ZPA_MAX_PAGE_SIZE,
): AsyncGenerator<T> {
  for (let page = 1; ; page++) {
    const res = await client.get<{ totalPages?: string | number; list?: T[] }>(path, {
      ...query,
      page,
      pagesize: pageSize,
    });
    yield* res.list ?? [];
    const totalPages = Number(res.totalPages ?? 0);
    if (!Number.isFinite(totalPages) || page >= totalPages) return;
  }
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of it) out.push(item);
  return out;
}
