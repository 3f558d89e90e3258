/**
 * What the deep-trace actions and `status` need from ZDX, in their own words. zdxPort.ts implements it with
 * the ZDX client; the unit tests implement it in memory.
 */
import { AppError, type AppErrorOptions } from '../errors.js';
import type { AnalysisInput, ScoreAnalysis } from '../zdx/analysis.js';
import type { StartTraceInput, TraceResults } from '../zdx/deepTraces.js';

export interface TraceDevice {
  id: number;
  name: string;
}

export interface Trace {
  id: string;
  /** ZDX's word for the trace's state, for people to read. */
  status: string;
  /** Whether it still counts as running, for one-trace-per-device and for stopping. */
  active: boolean;
  sessionName?: string;
  /** Epoch seconds; null or absent while it has not happened. */
  startedAt?: number | null;
  endedAt?: number | null;
}

/** An app ZDX monitors on the device; `score` is ZDX's score (-1 or absent: no data). */
export interface TraceApp {
  id: number;
  name: string;
  score?: number | null;
}

export interface Probe {
  id: number;
  name: string;
}

export interface TracePort {
  /** The devices of the users with these emails that were active within the last `lookbackHours`. */
  findDevices(emails: readonly string[], lookbackHours: number): Promise<TraceDevice[]>;
  /** Every trace ZDX holds for the device, running or not. */
  listTraces(deviceId: number): Promise<Trace[]>;
  /** One trace, or undefined when ZDX no longer has it (stopped and deleted). */
  getTrace(deviceId: number, traceId: string): Promise<Trace | undefined>;
  /**
   * Starts a trace and returns its id.
   * @throws TraceConflictError when ZDX refuses because a trace is already active.
   */
  startTrace(deviceId: number, input: StartTraceInput): Promise<string>;
  /** Stops the trace and deletes its data; a trace that is already gone counts as stopped. */
  stopTrace(deviceId: number, traceId: string): Promise<void>;
  traceResults(deviceId: number, traceId: string): Promise<TraceResults>;
  /**
   * Starts ZDX's own score analysis of the app on the device over the trace's time; returns its id. Optional (with
   * `readScoreAnalysis`): a port without it leaves the analysis out of the report, saying so.
   */
  startScoreAnalysis?(input: AnalysisInput): Promise<string>;
  /** ZDX's verdict (`done`), or its failure; undefined while the analysis has not finished. */
  readScoreAnalysis?(id: string): Promise<ScoreAnalysis | undefined>;
  /** The device's apps, from the newest data ZDX has within the last `lookbackHours`. */
  deviceApps(deviceId: number, lookbackHours: number): Promise<TraceApp[]>;
  /** The web probes of an app on the device, from the newest data within the last `lookbackHours`. */
  webProbes(deviceId: number, appId: number, lookbackHours: number): Promise<Probe[]>;
  /** The cloud-path probes of an app on the device, from the newest data within the last `lookbackHours`. */
  cloudPathProbes(deviceId: number, appId: number, lookbackHours: number): Promise<Probe[]>;
}

/**
 * ZDX refused to start a trace because one is already active: ZDX allows one per device, and at most 15 per
 * tenant, which it may refuse the same way. Listing the device's traces tells the caller which it was.
 */
export class TraceConflictError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('trace_conflict', message, 409, false, options);
  }
}

/**
 * ZDX did not accept our credentials (a 401 that outlived the HTTP core's refresh, or the token endpoint refusing
 * the key). That says nothing about the incident or the device: it is retryable, so the incident stays pending and
 * is traced once the credentials work again, instead of being reported as a failure that is never retried.
 */
export class TraceAccessError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('trace_access', message, 503, true, options);
  }
}
