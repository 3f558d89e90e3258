/**
 * What every ZPA resource module shares: the tenant scope (client, customer id, microtenant), path builders
 * for the v1 and v2 management API, and the schema pieces for ZPA's string-typed numbers and 64-bit ids.
 * Every call carries `microtenantId` when one is configured: without it, reads see all microtenants and
 * writes land in the Default one (docs/zscaler-api.md §2.4).
 */
import * as z from 'zod/mini';
import type { ApiClient, Query } from '../zscaler/http.js';
import { collect, zpaPages } from '../zscaler/paginate.js';

export interface ZpaScope {
  api: ApiClient;
  customerId: string;
  microtenantId?: string;
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
