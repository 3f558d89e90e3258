/**
 * What every ZPA resource module shares: the tenant scope (client, customer id, microtenant), path builders
 * for the v1 and v2 management API, and the schema pieces for ZPA's string-typed numbers and 64-bit ids.
 * Every call carries `microtenantId` when one is configured: without it, reads see all microtenants and
 * writes land in the Default one (docs/zscaler-api.md §2.4).
 */
import * as z from 'zod/mini';
import { remainingMs } from '../deadline.js';
import { DeadlineExceededError } from '../errors.js';
import { OutcomeUnknownError } from '../zscaler/errors.js';
import type { ApiClient, Query } from '../zscaler/http.js';
import { collect, zpaPages } from '../zscaler/paginate.js';

export interface ZpaScope {
  api: ApiClient;
  customerId: string;
  microtenantId?: string;
  /** How long to wait before reading back a write whose answer was lost (default READ_BACK_SETTLE_MS). */
  readBackSettleMs?: number;
}

export const v1 = (s: ZpaScope, path: string) => `/mgmtconfig/v1/admin/customers/${s.customerId}${path}`;
export const v2 = (s: ZpaScope, path: string) => `/mgmtconfig/v2/admin/customers/${s.customerId}${path}`;

/** The query of every call: the caller's parameters plus the scope's microtenant. */
export const q = (s: ZpaScope, query: Query = {}): Query => ({ ...query, microtenantId: s.microtenantId });

/**
 * ZPA ids are 64-bit (2.2e17 > 2^53) and arrive as strings; keep them as strings. A number here would
 * already have lost precision in JSON.parse, so it is refused rather than silently rounded.
 */
export const zpaId = z.string().check(z.regex(/^\d+$/, 'a ZPA id is a string of digits'));

/** Numbers ZPA sends as strings (`ruleOrder`, `priority`, `totalPages`), kept as strings; numbers accepted. */
export const zpaNumeric = z.pipe(z.union([z.string(), z.number()]), z.transform(String));

/** Server-maintained fields that a PUT body leaves out (the server sets them again). */
export const READ_ONLY_FIELDS = ['creationTime', 'modifiedTime', 'modifiedBy'] as const;

export function withoutReadOnly<T extends Record<string, unknown>>(obj: T): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  for (const k of READ_ONLY_FIELDS) delete out[k];
  return out;
}

/** `name EQ <value>`: the search form ZPA matches exactly (a bare multi-word string is refused). */
export const nameEq = (name: string) => `name EQ ${name}`;

/** Every object of a v1 collection (all pages of 500), each parsed with the resource's schema. */
export async function listAll<T>(s: ZpaScope, path: string, schema: z.ZodMiniType<T>, search?: string): Promise<T[]> {
  return (await collect(zpaPages<unknown>(s.api, v1(s, path), q(s, { search })))).map((raw) => schema.parse(raw));
}

/** From a `name EQ` search result, the object with exactly this name (ZPA's EQ ignores case; we prefer an exact match). */
export const pickByName = <T extends { name: string }>(found: T[], name: string): T | undefined =>
  found.find((x) => x.name === name) ?? found.find((x) => x.name.toLowerCase() === name.toLowerCase());

// ---------------------------------------------------------------------------------------------------------
// Writes whose answer was lost. The HTTP core never re-sends a write that may have taken effect unless it is
// idempotent (shared/zscaler/retry.ts); the resource modules resolve an OutcomeUnknownError by reading back.

/** Sends of one write at most, the first included, each further one only after a read-back found it not done. */
export const MAX_WRITE_SENDS = 3;

/**
 * How long to wait before the read-back: a request that timed out here, or behind a gateway that answered 504,
 * may still be running at ZPA, and a read that overtakes it would send the write twice.
 */
export const READ_BACK_SETTLE_MS = 1_000;

/**
 * After an OutcomeUnknownError: wait a moment (never more than a quarter of the time left), then `read`. A read
 * that fails leaves the outcome unknown, so the OutcomeUnknownError is what the caller gets, unless the
 * invocation ran out of time (DeadlineExceededError: a run stops cleanly and the next one reads again).
 */
export async function readBack<T>(s: ZpaScope, unknown: OutcomeUnknownError, read: () => Promise<T>): Promise<T> {
  const wait = Math.min(s.readBackSettleMs ?? READ_BACK_SETTLE_MS, Math.max(0, remainingMs() / 4));
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  try {
    return await read();
  } catch (e) {
    if (e instanceof DeadlineExceededError) throw e;
    throw unknown;
  }
}

/**
 * A read-merge-write whose PUT (a full replacement) is never re-sent blind: `write` sends with
 * `idempotent: false`, so a lost answer is an OutcomeUnknownError; the object is then read back and compared
 * with the change (`shows`): there → done; not there → merged onto what was just read (someone may have
 * changed other fields meanwhile, which a re-sent stale body would undo) and sent again, at most MAX_WRITE_SENDS
 * times in all. `before` is the object as first read.
 */
export async function readMergeWrite<T, B>(
  s: ZpaScope,
  op: {
    read: () => Promise<T>;
    merge: (current: T) => B;
    write: (body: B) => Promise<void>;
    shows: (current: T) => boolean;
  },
): Promise<{ before: T; after: B }> {
  const before = await op.read();
  let current = before;
  for (let sends = 1; ; sends++) {
    const after = op.merge(current);
    try {
      await op.write(after);
      return { before, after };
    } catch (e) {
      if (!(e instanceof OutcomeUnknownError)) throw e;
      current = await readBack(s, e, op.read);
      if (op.shows(current)) return { before, after };
      if (sends >= MAX_WRITE_SENDS) throw e;
    }
  }
}

/** Whether `actual` (as ZPA reads it back) holds `wanted` (as we sent it): absent, null and '' are one; strings and numbers compare as text. */
export function sameValue(actual: unknown, wanted: unknown): boolean {
  const blank = (v: unknown) => v === undefined || v === null || v === '';
  if (blank(actual) || blank(wanted)) return blank(actual) && blank(wanted);
  if (typeof wanted !== 'object' || typeof actual !== 'object') return String(actual) === String(wanted);
  return JSON.stringify(canonical(actual)) === JSON.stringify(canonical(wanted));
}

const canonical = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return typeof v === 'number' ? String(v) : v;
};
