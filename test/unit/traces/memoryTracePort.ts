/**
 * An in-memory TracePort that keeps ZDX's rules: devices are found by their user's email when active within
 * the lookback; one active trace per device and at most 15 per tenant, a start beyond either refused with
 * TraceConflictError; a trace runs until `finish`; a stopped trace is deleted and then no longer found.
 */
import type { StartTraceInput, TraceResults } from '../../../shared/zdx/deepTraces.js';
import {
  TraceConflictError,
  type Probe,
  type Trace,
  type TraceApp,
  type TraceDevice,
  type TracePort,
} from '../../../shared/traces/port.js';

export const MAX_ACTIVE_PER_TENANT = 15;

export interface MemoryDevice extends TraceDevice {
  email: string;
  /** Hours since the device last reported (0: now). */
  idleHours?: number;
  apps?: TraceApp[];
  /** Probes by app id. */
  webProbes?: Record<number, Probe[]>;
  cloudPathProbes?: Record<number, Probe[]>;
}

interface StoredTrace extends Trace {
  deviceId: number;
  input?: StartTraceInput;
}

export function memoryTracePort(devices: MemoryDevice[]) {
  const traces: StoredTrace[] = [];
  const started: StoredTrace[] = [];
  const stopped: string[] = [];
  /** Traces that land on a device just before our next start there (another writer winning the race). */
  const racing = new Map<number, string>();
  let nextId = 1001;

  const view = ({ deviceId: _d, input: _i, ...t }: StoredTrace): Trace => ({ ...t });
  const find = (deviceId: number, traceId: string) => traces.find((t) => t.deviceId === deviceId && t.id === traceId);
  const add = (deviceId: number, sessionName: string, status = 'started'): string => {
    const id = String(nextId++);
    traces.push({ id, deviceId, sessionName, status, active: true, startedAt: null, endedAt: null });
    return id;
  };
  const device = (id: number) => devices.find((d) => d.id === id);

  const port: TracePort = {
    findDevices: async (emails, lookbackHours) =>
      devices
        .filter((d) => emails.includes(d.email) && (d.idleHours ?? 0) <= lookbackHours)
        .map((d) => ({ id: d.id, name: d.name })),
    listTraces: async (deviceId) => traces.filter((t) => t.deviceId === deviceId).map(view),
    getTrace: async (deviceId, traceId) => {
      const t = find(deviceId, traceId);
      return t && view(t);
    },
    startTrace: async (deviceId, input) => {
      const competitor = racing.get(deviceId);
      if (competitor !== undefined) {
        racing.delete(deviceId);
        add(deviceId, competitor, 'not_started');
      }
      if (traces.some((t) => t.deviceId === deviceId && t.active))
        throw new TraceConflictError(`device ${deviceId} already has an active deep trace`);
      if (traces.filter((t) => t.active).length >= MAX_ACTIVE_PER_TENANT)
        throw new TraceConflictError(`the tenant already has ${MAX_ACTIVE_PER_TENANT} active deep traces`);
      const id = String(nextId++);
      const t: StoredTrace = {
        id,
        deviceId,
        input,
        sessionName: input.sessionName,
        status: 'not_started',
        active: true,
        startedAt: null,
        endedAt: null,
      };
      traces.push(t);
      started.push(t);
      return id;
    },
    stopTrace: async (deviceId, traceId) => {
      const t = find(deviceId, traceId);
      if (!t) return;
      traces.splice(traces.indexOf(t), 1);
      stopped.push(traceId);
    },
    traceResults: async (): Promise<TraceResults> => ({
      healthMetrics: [
        {
          category: 'cpu',
          instances: [
            {
              metric: 'cpu_total',
              unit: '%',
              datapoints: [
                { timestamp: 1, value: 40 },
                { timestamp: 2, value: 60 },
              ],
            },
          ],
        },
      ],
      webProbeMetrics: [
        {
          metric: 'pft',
          unit: 'ms',
          datapoints: [
            { timestamp: 1, value: 900 },
            { timestamp: 2, value: -1 },
          ],
        },
      ],
      cloudPathMetrics: [],
      cloudPath: [],
    }),
    deviceApps: async (deviceId) => device(deviceId)?.apps ?? [],
    webProbes: async (deviceId, appId) => device(deviceId)?.webProbes?.[appId] ?? [],
    cloudPathProbes: async (deviceId, appId) => device(deviceId)?.cloudPathProbes?.[appId] ?? [],
  };

  return {
    port,
    /** Every trace started through the port, in order. */
    started,
    /** Ids of the traces stopped through the port. */
    stopped,
    /** A trace that is already there, started by anyone (the UI, another incident, an earlier delivery). */
    addTrace: add,
    /** The next start on this device finds a trace of `sessionName` started just before it. */
    raceNextStart: (deviceId: number, sessionName: string) => void racing.set(deviceId, sessionName),
    /** The trace ends in ZDX with this terminal status. */
    finish(traceId: string, status = 'completed') {
      const t = traces.find((x) => x.id === traceId)!;
      Object.assign(t, { status, active: false, startedAt: t.startedAt ?? 1_800_000_000, endedAt: 1_800_000_300 });
    },
  };
}
