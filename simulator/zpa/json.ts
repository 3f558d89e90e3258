/**
 * Reading request bodies the way ZPA's Jackson mapping does: a value of the wrong JSON type (an object where a
 * string list is expected, an unknown enum constant) fails deserialisation as 400 `read.message.failed`,
 * while numbers and booleans given as strings are coerced. Unknown keys (read-only fields the SDKs echo back,
 * e.g. `modifiedTime`, `weight: null` in the recorded server-group PUT) are ignored.
 */
import type { SimRequest } from '../router.js';
import { errors, fail } from './errors.js';

export type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request body as an object; an absent body is `{}`, anything unparseable or non-object is a 400. */
export function objectBody(req: SimRequest): Json {
  if (req.body === undefined) {
    if (req.rawBody.trim() === '') return {};
    fail(errors.readFailed());
  }
  if (!isObject(req.body)) fail(errors.readFailed());
  return req.body;
}

export function str(b: Json, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  fail(errors.readFailed());
}

export function bool(b: Json, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  fail(errors.readFailed());
}

export function list(b: Json, key: string): unknown[] | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(errors.readFailed());
  return v;
}

export function stringList(b: Json, key: string): string[] | undefined {
  return list(b, key)?.map((v) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    return fail(errors.readFailed());
  });
}

/** `[{id}, ...]` reference lists (serverGroups, appConnectorGroups): the ids, as strings. */
export function idRefs(b: Json, key: string): string[] | undefined {
  return list(b, key)?.map((v) => {
    if (!isObject(v)) fail(errors.readFailed());
    const id = str(v, 'id');
    if (id === undefined) fail(errors.invalidField(`${key}.id`));
    return id;
  });
}

export function asObject(v: unknown): Json {
  if (!isObject(v)) fail(errors.readFailed());
  return v;
}

/** An enum-typed field: an unknown constant is a deserialisation failure in Jackson. */
export function enumOf(b: Json, key: string, allowed: readonly string[]): string | undefined {
  const v = str(b, key);
  if (v !== undefined && !allowed.includes(v)) fail(errors.readFailed());
  return v;
}

/** Responses omit null and empty fields [rec: a rule without conditions has no `conditions` key]; `{}` stays. */
export function compact<T extends Json>(obj: T): T {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as T;
}
