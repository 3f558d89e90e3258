/**
 * ZDX deep traces (docs/zscaler-api.md §3.3). Status follows the SimClock: `not_started` for 30 simulated seconds,
 * then `started` for `session_length_minutes`, then `completed`. Limits as documented: one active session
 * per device, at most 15 active tenant-wide (both answered 409 here).
 */
import type { SimClock } from '../clock.js';
import { json, type Router, type SimReply } from '../router.js';
import type { ZdxContext } from './devices.js';
import { cloudPathHops, cloudPathLegs, healthMetrics, webProbeSeries } from './metrics.js';
import { pathId, zdxError } from './query.js';
import { parseStartRequest, type StartRequest } from './traceRequest.js';

export const STARTUP_DELAY_MS = 30_000;
export const MAX_ACTIVE_PER_TENANT = 15;
const FIRST_TRACE_ID = 342941739947001;

export type TraceStatus = 'not_started' | 'started' | 'completed';

export interface Trace extends StartRequest {
  traceId: number;
  deviceId: number;
  userId: number;
  createdMs: number;
}

export class DeepTraceStore {
  private traces = new Map<number, Trace>();
  private nextId = FIRST_TRACE_ID;

  constructor(private readonly clock: SimClock) {}

  /** Status and epoch-second timestamps, derived from the clock (null while a phase has not happened). */
  phase(t: Trace): { status: TraceStatus; startedAt: number | null; endedAt: number | null } {
    const startMs = t.createdMs + STARTUP_DELAY_MS;
    const endMs = startMs + t.sessionLengthMin * 60_000;
    const now = this.clock.nowMs();
    if (now < startMs) return { status: 'not_started', startedAt: null, endedAt: null };
    const startedAt = Math.floor(startMs / 1000);
    if (now < endMs) return { status: 'started', startedAt, endedAt: null };
    return { status: 'completed', startedAt, endedAt: Math.floor(endMs / 1000) };
  }

  nowSec(): number {
    return this.clock.nowSec();
  }

  isActive(t: Trace): boolean {
    return this.phase(t).status !== 'completed';
  }

  all(): Trace[] {
    return [...this.traces.values()];
  }

  forDevice(deviceId: number): Trace[] {
    return this.all().filter((t) => t.deviceId === deviceId);
  }

  get(deviceId: number, traceId: number | undefined): Trace | undefined {
    const t = traceId === undefined ? undefined : this.traces.get(traceId);
    return t && t.deviceId === deviceId ? t : undefined;
  }

  create(deviceId: number, userId: number, req: StartRequest): Trace {
    const t: Trace = { ...req, traceId: this.nextId++, deviceId, userId, createdMs: this.clock.nowMs() };
    this.traces.set(t.traceId, t);
    return t;
  }

  delete(traceId: number): void {
    this.traces.delete(traceId);
  }

  reset(): void {
    this.traces.clear();
    this.nextId = FIRST_TRACE_ID;
  }
}

export function registerDeepTraceRoutes(router: Router, ctx: ZdxContext, store: DeepTraceStore): void {
  const view = (t: Trace) => traceView(ctx, store, t);
  /** Resolves device and trace from the path, or answers 404. */
  const resolve = (params: Record<string, string>, then: (t: Trace) => SimReply): SimReply => {
    const d = ctx.device(pathId(params.deviceId));
    if (!d) return zdxError(404, `Device ${params.deviceId} not found`);
    ctx.touch(d.id);
    const t = store.get(d.id, pathId(params.traceId));
    return t ? then(t) : zdxError(404, `Deep trace ${params.traceId} not found for device ${d.id}`);
  };

  router
    .add('GET', '/devices/:deviceId/deeptraces', (req) => {
      const d = ctx.device(pathId(req.params.deviceId));
      if (!d) return zdxError(404, `Device ${req.params.deviceId} not found`);
      ctx.touch(d.id);
      return json(200, store.forDevice(d.id).map(view));
    })
    .add('POST', '/devices/:deviceId/deeptraces', (req) => {
      const d = ctx.device(pathId(req.params.deviceId));
      if (!d) return zdxError(404, `Device ${req.params.deviceId} not found`);
      ctx.touch(d.id);
      const parsed = parseStartRequest(req.body, ctx.seed.apps);
      if (!parsed.ok) return zdxError(400, parsed.message);
      if (store.forDevice(d.id).some((t) => store.isActive(t))) {
        return zdxError(409, 'A deep trace session is already in progress for this device');
      }
      if (store.all().filter((t) => store.isActive(t)).length >= MAX_ACTIVE_PER_TENANT) {
        return zdxError(
          409,
          `The tenant already has the maximum of ${MAX_ACTIVE_PER_TENANT} active deep trace sessions`,
        );
      }
      const t = store.create(d.id, d.userId, parsed.value);
      return json(200, { trace_id: t.traceId, status: store.phase(t).status, expected_time: t.sessionLengthMin });
    })
    .add('GET', '/devices/:deviceId/deeptraces/:traceId', (req) => resolve(req.params, (t) => json(200, view(t))))
    .add('DELETE', '/devices/:deviceId/deeptraces/:traceId', (req) =>
      resolve(req.params, (t) => {
        store.delete(t.traceId);
        return json(200, { trace_id: t.traceId });
      }),
    )
    // Result endpoints hold data only once the trace has started, and only for what it was asked to probe. A device
    // with a planted fault (plantedFaults.ts) shows it in the numbers; the shapes are the documented ones.
    .add('GET', '/devices/:deviceId/deeptraces/:traceId/webprobe-metrics', (req) =>
      resolve(req.params, (t) => {
        const span = dataSpan(store, t);
        const probeId = t.webProbeId;
        if (!span || probeId === null) return json(200, []);
        return json(200, webProbeSeries(t.traceId + probeId, span.from, span.to, 60, ctx.faultOf?.(t.deviceId)));
      }),
    )
    .add('GET', '/devices/:deviceId/deeptraces/:traceId/cloudpath-metrics', (req) =>
      resolve(req.params, (t) => {
        const span = dataSpan(store, t);
        if (!span || t.cloudpathProbeId === null) return json(200, []);
        return json(200, cloudPathLegs(t.traceId, span.from, span.to, 60, ctx.faultOf?.(t.deviceId)));
      }),
    )
    .add('GET', '/devices/:deviceId/deeptraces/:traceId/cloudpath', (req) =>
      resolve(req.params, (t) => {
        const span = dataSpan(store, t);
        const app = ctx.seed.apps.find((a) => a.cloudPathProbe.id === t.cloudpathProbeId);
        if (!span || t.cloudpathProbeId === null || !app) return json(200, []);
        const path = {
          src: ctx.device(t.deviceId)?.name ?? String(t.deviceId),
          dst: app.cloudPathProbe.target,
          appId: app.id,
        };
        return json(200, cloudPathHops(t.traceId, path, span.from, span.to, 60, ctx.faultOf?.(t.deviceId)));
      }),
    )
    .add('GET', '/devices/:deviceId/deeptraces/:traceId/health-metrics', (req) =>
      resolve(req.params, (t) => {
        const span = dataSpan(store, t);
        if (!span || !t.probeDevice) return json(200, []);
        return json(200, healthMetrics(t.traceId, span.from, span.to, 60, ctx.faultOf?.(t.deviceId)));
      }),
    );
}

/** [started_at, min(now, ended_at)] in epoch seconds, or undefined before the trace has started. */
function dataSpan(store: DeepTraceStore, t: Trace): { from: number; to: number } | undefined {
  const p = store.phase(t);
  if (p.startedAt === null) return undefined;
  return { from: p.startedAt, to: p.endedAt ?? store.nowSec() };
}

/** The documented session object; note the naming drift (docs/zscaler-api.md §5.13): `session_length`, `cloud_path_name`. */
export function traceView(ctx: ZdxContext, store: DeepTraceStore, t: Trace) {
  const d = ctx.device(t.deviceId);
  const u = ctx.user(t.userId);
  const app = ctx.seed.apps.find((a) => a.id === t.appId);
  const p = store.phase(t);
  return {
    trace_id: t.traceId,
    trace_details: {
      session_name: t.sessionName,
      user_id: t.userId,
      username: u?.email ?? '',
      device_id: t.deviceId,
      device_name: d?.name ?? '',
      app_id: t.appId,
      app_name: app?.name ?? null,
      web_probe_id: t.webProbeId,
      web_probe_name: app?.webProbes.find((w) => w.id === t.webProbeId)?.name ?? null,
      cloudpath_probe_id: t.cloudpathProbeId,
      cloud_path_name: app && app.cloudPathProbe.id === t.cloudpathProbeId ? app.cloudPathProbe.name : null,
      session_length: t.sessionLengthMin,
      probe_device: t.probeDevice,
    },
    status: p.status,
    created_at: Math.floor(t.createdMs / 1000),
    started_at: p.startedAt,
    ended_at: p.endedAt,
    expected_time_minutes: t.sessionLengthMin,
  };
}
