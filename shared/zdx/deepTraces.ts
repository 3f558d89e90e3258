/**
 * ZDX deep traces. One active trace per device (a second start is refused), at most 15 per tenant.
 * Naming drift is handled here: the request says `session_length_minutes` and `cloudpath_probe_id`,
 * the response `session_length` and `cloud_path_name`; `trace_id` is a number in docs and a string in
 * the Go SDK, so we keep it as a string.
 */
import * as z from 'zod/mini';
import { ZscalerApiError, isConflict, isNotFound } from '../zscaler/errors.js';
import type { ApiClient } from '../zscaler/http.js';
import type { SessionMinutes } from './sessionLengths.js';

const traceId = z.pipe(z.union([z.number(), z.string()]), z.transform(String));
const epoch = z.optional(z.nullable(z.number()));

export const traceSchema = z.looseObject({
  trace_id: traceId,
  status: z.string(),
  trace_details: z.optional(z.looseObject({ session_name: z.optional(z.string()) })),
  created_at: epoch,
  started_at: epoch,
  ended_at: epoch,
});
export type DeepTrace = z.infer<typeof traceSchema>;

const startReply = z.looseObject({ trace_id: traceId, status: z.string(), expected_time: z.optional(z.number()) });

export interface StartTraceInput {
  sessionName: string;
  appId?: number;
  webProbeId?: number;
  cloudPathProbeId?: number;
  sessionLengthMinutes: SessionMinutes;
  probeDevice?: boolean;
}

/**
 * Whether a trace still counts as running. ZDX documents only `not_started` and `started`, its UI shows
 * In Progress / Completed / Failed, and other strings may appear: only a known terminal status ends a trace.
 * An unknown one is taken as running, so a stop still stops it and the device gets no second trace.
 */
const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed']);
export const isActive = (status: string) => !TERMINAL_STATUSES.has(status.trim().toLowerCase());

/** Wordings that say a trace or session is already running (ZDX's `code` and `message`, `_`/`.`/`-` as spaces). */
const ACTIVE_TRACE_WORDING: readonly RegExp[] = [
  /\balready\b.*\b(?:in progress|running|active|started)\b/,
  /\b(?:deep ?)?(?:trace|session)s?\b.*\b(?:in progress|running|active|ongoing)\b/,
  /\b(?:in progress|running|active|ongoing)\b.*\b(?:deep ?)?(?:trace|session)s?\b/,
];

/**
 * Whether ZDX refused a start because a trace is already active (one per device, 15 per tenant). ZDX
 * documents no status for that refusal and a body of only `{code, message}`, so a 409 counts, and so does any
 * other client error that is not worth retrying whose code or message says a trace or session is running.
 */
export function isActiveTraceRefusal(e: unknown): boolean {
  if (!(e instanceof ZscalerApiError)) return false;
  if (isConflict(e)) return true;
  if (e.status < 400 || e.status >= 500 || e.retryable) return false;
  const wording = `${e.errorId ?? ''} ${e.reason}`.toLowerCase().replace(/[_.-]+/g, ' ');
  return ACTIVE_TRACE_WORDING.some((re) => re.test(wording));
}

export const startTrace = async (c: ApiClient, deviceId: number, input: StartTraceInput) =>
  startReply.parse(
    await c.post(`/devices/${deviceId}/deeptraces`, {
      session_name: input.sessionName,
      app_id: input.appId,
      web_probe_id: input.webProbeId,
      cloudpath_probe_id: input.cloudPathProbeId,
      session_length_minutes: input.sessionLengthMinutes,
      probe_device: input.probeDevice ?? true,
    }),
  );

/** Some tenants answer list/get with a single object rather than an array; accept both. */
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v ? [v] : []);

export const listTraces = async (c: ApiClient, deviceId: number): Promise<DeepTrace[]> =>
  asArray(await c.get(`/devices/${deviceId}/deeptraces`)).map((t) => traceSchema.parse(t));

export const getTrace = async (c: ApiClient, deviceId: number, id: string): Promise<DeepTrace> =>
  traceSchema.parse(asArray(await c.get(`/devices/${deviceId}/deeptraces/${id}`))[0]);

/** Stops a running trace and deletes its data. */
export const stopTrace = (c: ApiClient, deviceId: number, id: string) =>
  c.delete(`/devices/${deviceId}/deeptraces/${id}`);

export interface TraceResults {
  healthMetrics: unknown[];
  webProbeMetrics: unknown[];
  cloudPathMetrics: unknown[];
  /** The hops of the cloud path (`/cloudpath`: `{timestamp, cloudpath:{src, dst, hops:[…]}}` per sample). */
  cloudPath: unknown[];
}

export async function getTraceResults(c: ApiClient, deviceId: number, id: string): Promise<TraceResults> {
  const base = `/devices/${deviceId}/deeptraces/${id}`;
  // Sequential on purpose: the pacer admits them at 5/s anyway and order keeps logs readable.
  const healthMetrics = asArray(await c.get(`${base}/health-metrics`));
  const webProbeMetrics = asArray(await c.get(`${base}/webprobe-metrics`));
  const cloudPathMetrics = asArray(await c.get(`${base}/cloudpath-metrics`));
  // The hops say which hop of a slow leg is slow: one more read, worth it for a report that names the hop.
  // A trace without a cloud-path probe may have no hops to give: "not found" there is no data, not a failure.
  const cloudPath = asArray(
    await c.get(`${base}/cloudpath`).catch((e: unknown) => (isNotFound(e) ? [] : Promise.reject(e))),
  );
  return { healthMetrics, webProbeMetrics, cloudPathMetrics, cloudPath };
}
