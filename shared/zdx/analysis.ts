/**
 * ZDX score analysis (docs/zscaler-api.md §3.4): `POST /analysis {device_id, app_id, t0, t1}` starts one, and
 * `GET /analysis/{id}` reads `{err_msg, result:{issue, confidence, message, times}}`. ZDX documents neither the
 * start reply nor how an unfinished analysis reads, so both are read leniently [inferred]: the id as `analysis_id`
 * or `id` (number or string), and a reply without a `result` object as "not finished yet".
 *
 * Each call is paced like any other ZDX call: a finished trace's report asks for one start and at most two reads
 * (shared/traces/reconcile.ts decides when, and how long it may wait between them).
 */
import * as z from 'zod/mini';
import { ZscalerApiError } from '../zscaler/errors.js';
import type { ApiClient } from '../zscaler/http.js';

const idSchema = z.pipe(z.union([z.number(), z.string().check(z.minLength(1))]), z.transform(String));
const startReply = z.looseObject({
  analysis_id: z.optional(idSchema),
  id: z.optional(idSchema),
  analysisId: z.optional(idSchema),
});

const resultSchema = z.looseObject({
  err_msg: z.optional(z.nullable(z.string())),
  result: z.optional(
    z.nullable(
      z.looseObject({
        issue: z.optional(z.nullable(z.string())),
        confidence: z.optional(z.nullable(z.number())),
        message: z.optional(z.nullable(z.string())),
        times: z.optional(z.nullable(z.array(z.unknown()))),
      }),
    ),
  ),
});

/** What became of the analysis for one trace, in words the report can use. */
export type ScoreAnalysis =
  | { state: 'done'; issue?: string; confidence?: number; message?: string; times: number[] }
  | { state: 'pending'; waitedMs: number }
  | { state: 'failed'; reason: string }
  | { state: 'skipped'; reason: string };

export interface AnalysisInput {
  deviceId: number;
  appId: number;
  /** Epoch seconds: the trace's own start and end. */
  t0: number;
  t1: number;
}

export async function startAnalysis(c: ApiClient, input: AnalysisInput): Promise<string> {
  const reply = startReply.parse(
    await c.post('/analysis', { device_id: input.deviceId, app_id: input.appId, t0: input.t0, t1: input.t1 }),
  );
  const id = reply.analysis_id ?? reply.id ?? reply.analysisId;
  if (id === undefined)
    throw new ZscalerApiError(
      200,
      undefined,
      'the reply named no analysis id',
      { method: 'POST', path: '/analysis' },
      false,
    );
  return id;
}

/** One read: `done` with ZDX's verdict, `failed` with its `err_msg`, or undefined while it is not finished. */
export async function readAnalysis(c: ApiClient, id: string): Promise<ScoreAnalysis | undefined> {
  const body = resultSchema.parse(await c.get(`/analysis/${encodeURIComponent(id)}`));
  const r = body.result;
  if (r && (typeof r.issue === 'string' || typeof r.message === 'string'))
    return {
      state: 'done',
      issue: r.issue ?? undefined,
      confidence: r.confidence ?? undefined,
      message: r.message ?? undefined,
      times: (r.times ?? []).filter((t): t is number => typeof t === 'number'),
    };
  if (body.err_msg?.trim()) return { state: 'failed', reason: `ZDX said: ${body.err_msg.trim().slice(0, 200)}` };
  return undefined;
}
