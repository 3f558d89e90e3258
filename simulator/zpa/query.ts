/**
 * List-endpoint query handling shared by every ZPA collection: `page`/`pagesize` paging with the string-typed
 * envelope, the `search=<field> <OP> <value>` filter and the `microtenantId` filter (docs/zscaler-api.md §2.2–2.4).
 */
import { errors, fail } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_MICROTENANT_ID = '0';

const OPERATORS = ['EQ', 'NE', 'GT', 'LT', 'GE', 'LE', 'CONTAINS', 'STARTSWITH', 'ENDSWITH'] as const;
type Operator = (typeof OPERATORS)[number];

export interface SearchFilter {
  field: string;
  op: Operator;
  value: string;
}

/**
 * Parses the already URL-decoded `search` value. Separators are spaces or literal `+` (the SDKs send
 * `name%2BEQ%2B<value>`; values keep their own spaces: `name+EQ+Service Edge`). Only the first two separators
 * split, so values may contain either. A single bare word is the legacy free-text form and is treated as
 * `name CONTAINS <word>` [inferred]; a bare multi-word string is the documented 400
 * `filtering.input.invalid.operand` (go PR #380, py PR #410). Operators are upper case, as the SDKs send them.
 */
export function parseSearch(raw: string | null): SearchFilter | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const m = /^([A-Za-z][\w.]*)[ +]([A-Z]+)[ +](.+)$/.exec(raw.trim());
  if (m && (OPERATORS as readonly string[]).includes(m[2]!)) {
    return { field: m[1]!, op: m[2] as Operator, value: m[3]! };
  }
  if (!/[ +]/.test(raw.trim())) return { field: 'name', op: 'CONTAINS', value: raw.trim() };
  fail(errors.badSearch(raw));
}

function compare(actual: string, f: SearchFilter): boolean {
  // Case-insensitive like the admin portal's search [inferred]; numbers compare numerically (ids, ruleOrder).
  const a = actual.toLowerCase();
  const v = f.value.toLowerCase();
  const numeric = /^-?\d+$/.test(actual) && /^-?\d+$/.test(f.value);
  const order = numeric ? Math.sign(Number(BigInt(actual) - BigInt(f.value))) : a < v ? -1 : a > v ? 1 : 0;
  switch (f.op) {
    case 'EQ':
      return order === 0;
    case 'NE':
      return order !== 0;
    case 'GT':
      return order > 0;
    case 'LT':
      return order < 0;
    case 'GE':
      return order >= 0;
    case 'LE':
      return order <= 0;
    case 'CONTAINS':
      return a.includes(v);
    case 'STARTSWITH':
      return a.startsWith(v);
    case 'ENDSWITH':
      return a.endsWith(v);
  }
}

/** Matches against the item as the API renders it; an unknown field matches nothing [inferred]. */
export function matches(item: Record<string, unknown>, f: SearchFilter | undefined): boolean {
  if (!f) return true;
  const value = item[f.field];
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some(
    (c) => (typeof c === 'string' || typeof c === 'number' || typeof c === 'boolean') && compare(String(c), f),
  );
}

/**
 * `microtenantId` query: absent = every microtenant, `0` = the Default microtenant, other = that microtenant
 * (docs/zscaler-api.md §2.4). An unknown id simply matches nothing [inferred].
 */
export function microtenantMatcher(query: URLSearchParams): (microtenantId: string) => boolean {
  const wanted = query.get('microtenantId');
  if (wanted === null || wanted === '') return () => true;
  return (id) => id === wanted;
}

function positiveInt(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) fail(errors.invalidField(name));
  const n = Number(raw);
  return n === 0 ? fallback : n;
}

export interface Envelope {
  totalPages: string;
  totalCount: string;
  list?: unknown[];
}

/**
 * Pages a filtered collection. `pagesize` is lowercase, defaults to 20 and is clamped to the documented
 * maximum of 500 (the docs give 500 as the ceiling, not an error; the Go SDK asks for 500). `totalPages` and
 * `totalCount` are strings; no `nextPage` exists (py #197). An empty `list` is omitted like every other empty
 * field [inferred from the omit-empty rule, docs/zscaler-api.md §2.1].
 */
export function paginate<T>(items: T[], query: URLSearchParams): Envelope {
  const page = positiveInt(query, 'page', 1);
  const size = Math.min(positiveInt(query, 'pagesize', DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
  const totalPages = Math.ceil(items.length / size);
  const slice = items.slice((page - 1) * size, page * size);
  const env: Envelope = { totalPages: String(totalPages), totalCount: String(items.length) };
  if (slice.length > 0) env.list = slice;
  return env;
}
