/**
 * Query conventions shared by the ZDX report endpoints (docs/zscaler-api.md §3.1): `from`/`to` epoch seconds with a
 * 2-hour default window, repeated-key array filters, and `next_offset` cursor paging.
 */
import type { SimReply } from '../router.js';

export const DEFAULT_WINDOW_SEC = 2 * 3600;
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 500;

/** ZDX error bodies are `{code, message}` (the Go SDK's model; the shape is otherwise undocumented). */
export const zdxError = (status: number, message: string): SimReply => ({ status, body: { code: status, message } });

export class QueryError extends Error {}

export interface Window {
  from: number;
  to: number;
}

const epoch = (raw: string | null, name: string): number | undefined => {
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new QueryError(`${name} must be an epoch in seconds`);
  return Number(raw);
};

/** `from`/`to`; when absent, the previous 2 hours ("most report endpoints default to the previous 2 hours"). */
export function parseWindow(query: URLSearchParams, nowSec: number): Window {
  const from = epoch(query.get('from'), 'from');
  const to = epoch(query.get('to'), 'to');
  const end = to ?? nowSec;
  const start = from ?? end - DEFAULT_WINDOW_SEC;
  if (start > end) throw new QueryError('from must not be after to');
  return { from: start, to: end };
}

/** The longest range most report endpoints take (docs/zscaler-api.md §3.1): longer periods must be split. */
export const MAX_REPORT_RANGE_SEC = 2 * 3600;

/** {@link parseWindow} for the report endpoints that refuse a range longer than 2 hours, as ZDX documents. */
export function parseReportWindow(query: URLSearchParams, nowSec: number): Window {
  const w = parseWindow(query, nowSec);
  if (w.to - w.from > MAX_REPORT_RANGE_SEC)
    throw new QueryError(`the time range must not exceed 2 hours (${MAX_REPORT_RANGE_SEC} s); split longer periods`);
  return w;
}

/** Array filters arrive as repeated keys (`emails=a&emails=b`); commas are accepted too. */
export function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function intListParam(query: URLSearchParams, name: string): number[] {
  return listParam(query, name).map((v) => {
    if (!/^\d+$/.test(v)) throw new QueryError(`${name} must be integers`);
    return Number(v);
  });
}

/**
 * Cursor paging over items sorted by id. The cursor is the last id of the previous page (made opaque), not a
 * position, so an item entering or leaving the time window between pages cannot shift the rest.
 */
export function paginate<T extends { id: number }>(
  items: T[],
  query: URLSearchParams,
): { page: T[]; next_offset: string | null } {
  const rawLimit = query.get('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null && rawLimit !== '') {
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT) {
      throw new QueryError(`limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    limit = Number(rawLimit);
  }
  const offset = query.get('offset');
  let after = -1;
  if (offset !== null && offset !== '') {
    const m = /^zsim:(\d+)$/.exec(Buffer.from(offset, 'base64url').toString('utf8'));
    if (!m?.[1]) throw new QueryError('offset is not a cursor returned as next_offset');
    after = Number(m[1]);
  }
  const rest = items.filter((i) => i.id > after);
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  const next_offset = rest.length > limit && last ? Buffer.from(`zsim:${last.id}`).toString('base64url') : null;
  return { page, next_offset };
}

/** A path id: numeric, given as digits (trace ids may arrive either way — docs/zscaler-api.md §3.1). */
export function pathId(raw: string | undefined): number | undefined {
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}
