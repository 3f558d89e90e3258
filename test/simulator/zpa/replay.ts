/**
 * Replays a recorded cassette against the simulator through a transport (direct `handle` or real HTTP) and
 * reports, per interaction, whether the status matches and the response has the recorded shape.
 *
 * Ids: every id the recording's responses carry (`id`, `*Id`) is mapped to the id the simulator answered with
 * at the same place, and recorded ids in later request paths/bodies are rewritten through that map — so the
 * replay uses the rule/segment the simulator itself created. The recorded customer id maps to ours.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const RECORDED_CUSTOMER_ID = '216196257331281920';
const FIXTURES = fileURLToPath(new URL('../../fixtures/zpa-recorded/', import.meta.url));

export interface Interaction {
  index: number;
  method: string;
  uri: string;
  body: string;
  status: number;
  responseBody: string;
  headers: Record<string, string[]>;
}

export function loadCassette(file: string): Interaction[] {
  const doc = parse(readFileSync(FIXTURES + file, 'utf8')) as { interactions: any[] };
  return doc.interactions.map((it, index) => ({
    index,
    method: String(it.request.method),
    uri: String(it.request.uri),
    body: it.request.body == null ? '' : String(it.request.body),
    status: Number(it.response.status.code),
    responseBody: String(it.response.body?.string ?? ''),
    headers: it.response.headers ?? {},
  }));
}

export interface WireRequest {
  method: string;
  path: string;
  query: string;
  rawBody: string;
}
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
export type Transport = (req: WireRequest) => Promise<WireResponse>;

type Kind = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean';
const kind = (v: unknown): Kind => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as Kind));

/**
 * Same keys and same JSON type per key, recursively; arrays compare their first elements. Inside a list
 * envelope's `list` the items come from different tenant data (the recorded tenant's "DevTest" rule vs our
 * seeded one), so there the recorded keys must be present but extra simulator keys are tolerated.
 */
export function shapeProblems(rec: unknown, sim: unknown, path = '$', strict = true): string[] {
  const kr = kind(rec);
  const ks = kind(sim);
  if (kr !== ks) return [`${path}: recorded ${kr}, simulator ${ks}`];
  if (kr === 'array') {
    const [r, s] = [rec as unknown[], sim as unknown[]];
    if (r.length === 0) return [];
    if (s.length === 0) return [`${path}: recorded a non-empty array, simulator an empty one`];
    return shapeProblems(r[0], s[0], `${path}[0]`, strict);
  }
  if (kr !== 'object') return [];
  const [r, s] = [rec as Record<string, unknown>, sim as Record<string, unknown>];
  const problems: string[] = [];
  for (const key of Object.keys(r)) {
    if (!(key in s)) problems.push(`${path}.${key}: missing in simulator`);
    else problems.push(...shapeProblems(r[key], s[key], `${path}.${key}`, strict && key !== 'list'));
  }
  if (strict) for (const key of Object.keys(s)) if (!(key in r)) problems.push(`${path}.${key}: not in recording`);
  return problems;
}

function learnIds(rec: unknown, sim: unknown, ids: Map<string, string>, key = ''): void {
  if (key === 'list') return; // list items are tenant data, not objects this replay created
  if (Array.isArray(rec) && Array.isArray(sim)) {
    rec.forEach((r, i) => {
      learnIds(r, sim[i], ids);
    });
  } else if (kind(rec) === 'object' && kind(sim) === 'object') {
    for (const [k, r] of Object.entries(rec as Record<string, unknown>)) {
      const s = (sim as Record<string, unknown>)[k];
      const idLike =
        (k === 'id' || k.endsWith('Id')) && typeof r === 'string' && typeof s === 'string' && /^\d+$/.test(r);
      if (idLike && !ids.has(r as string)) ids.set(r as string, s as string);
      else learnIds(r, s, ids, k);
    }
  }
}

export interface Outcome {
  index: number;
  request: string;
  recordedStatus: number;
  simStatus: number;
  problems: string[];
  retryAfter?: string;
}

export interface ReplayOptions {
  customerId: string;
  /** Interaction indexes not replayed (each listed with its reason by the caller). */
  skip: Set<number>;
  /** Called after a 429 with the `retry-after` seconds, before the next interaction (tests move time). */
  onRateLimited?: (seconds: number) => void;
}

export async function replay(file: string, transport: Transport, opts: ReplayOptions): Promise<Outcome[]> {
  const ids = new Map<string, string>([[RECORDED_CUSTOMER_ID, opts.customerId]]);
  const rewrite = (text: string) => text.replace(/\d{6,}/g, (d) => ids.get(d) ?? d);
  const outcomes: Outcome[] = [];
  for (const it of loadCassette(file)) {
    if (opts.skip.has(it.index)) continue;
    const url = new URL(rewrite(it.uri));
    const path = url.pathname.replace(/^\/zpa(?=\/)/, '');
    const res = await transport({ method: it.method, path, query: url.search.slice(1), rawBody: rewrite(it.body) });
    const outcome: Outcome = {
      index: it.index,
      request: `${it.method} ${path}${url.search}`,
      recordedStatus: it.status,
      simStatus: res.status,
      problems: [],
    };
    if (res.status !== it.status)
      outcome.problems.push(`status ${res.status}, recorded ${it.status}: ${res.body.slice(0, 300)}`);
    if (it.responseBody.trim() === '') {
      if (res.body.trim() !== '')
        outcome.problems.push(`recorded an empty body, simulator sent ${res.body.slice(0, 100)}`);
    } else if (res.status === it.status) {
      const rec = JSON.parse(it.responseBody);
      const sim = JSON.parse(res.body);
      outcome.problems.push(...shapeProblems(rec, sim));
      learnIds(rec, sim, ids);
    }
    if (res.status === 429) {
      outcome.retryAfter = res.headers['retry-after'];
      opts.onRateLimited?.(Number.parseInt(outcome.retryAfter ?? '1', 10));
    }
    outcomes.push(outcome);
  }
  return outcomes;
}
