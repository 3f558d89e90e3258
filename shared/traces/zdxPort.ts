/**
 * The deep-trace actions' view of ZDX (port.ts), implemented with the ZDX client: ZDX's shapes and errors
 * become the port's words here, and nowhere else.
 */
import { readAnalysis, startAnalysis } from '../zdx/analysis.js';
import { listCloudPathProbes, listDeviceApps, listWebProbes } from '../zdx/apps.js';
import {
  getTrace,
  getTraceResults,
  isActive,
  isActiveTraceRefusal,
  listTraces,
  startTrace,
  stopTrace,
  type DeepTrace,
} from '../zdx/deepTraces.js';
import { findDevicesByEmail } from '../zdx/devices.js';
import { isCredentialRefusal, isNotFound } from '../zscaler/errors.js';
import type { ApiClient } from '../zscaler/http.js';
import { TraceAccessError, TraceConflictError, type Trace, type TracePort } from './port.js';

const traceOf = (t: DeepTrace): Trace => ({
  id: t.trace_id,
  status: t.status,
  active: isActive(t.status),
  sessionName: t.trace_details?.session_name,
  startedAt: t.started_at,
  endedAt: t.ended_at,
});

/** `undefined` for ZDX's "not found", so a trace that is gone is an answer, not an error. */
const unlessNotFound = <T>(p: Promise<T>): Promise<T | undefined> =>
  p.catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));

function withAccess(port: TracePort): TracePort {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(port) as [string, (...a: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        // Our credentials were refused: the port's TraceAccessError (retryable), never a failure of the incident.
        throw isCredentialRefusal(e)
          ? new TraceAccessError(`ZDX refused our credentials: ${(e as Error).message}`, { cause: e })
          : e;
      }
    };
  }
  return wrapped as unknown as TracePort;
}

export function zdxTracePort(api: ApiClient): TracePort {
  return withAccess({
    findDevices: async (emails, lookbackHours) =>
      (await findDevicesByEmail(api, emails, { lookbackHours })).map((d) => ({ id: d.id, name: d.name })),
    listTraces: async (deviceId) => (await listTraces(api, deviceId)).map(traceOf),
    getTrace: async (deviceId, traceId) => {
      const trace = await unlessNotFound(getTrace(api, deviceId, traceId));
      return trace && traceOf(trace);
    },
    startTrace: async (deviceId, input) => {
      try {
        return (await startTrace(api, deviceId, input)).trace_id;
      } catch (e) {
        if (!isActiveTraceRefusal(e)) throw e;
        throw new TraceConflictError(
          `ZDX refused to start a deep trace on device ${deviceId}: ${(e as Error).message}`,
          { cause: e },
        );
      }
    },
    stopTrace: async (deviceId, traceId) => {
      await unlessNotFound(stopTrace(api, deviceId, traceId));
    },
    traceResults: (deviceId, traceId) => getTraceResults(api, deviceId, traceId),
    startScoreAnalysis: (input) => startAnalysis(api, input),
    readScoreAnalysis: (id) => readAnalysis(api, id),
    deviceApps: (deviceId, lookbackHours) => listDeviceApps(api, deviceId, lookbackHours),
    webProbes: (deviceId, appId, lookbackHours) => listWebProbes(api, deviceId, appId, lookbackHours),
    cloudPathProbes: (deviceId, appId, lookbackHours) => listCloudPathProbes(api, deviceId, appId, lookbackHours),
  });
}
