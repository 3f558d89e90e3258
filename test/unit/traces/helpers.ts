/** The trace reconciler around an in-memory TracePort and ledger, recording what was reported. */
import type { TraceStart, TraceStop } from '../../../shared/commands/contract.js';
import { createLogger } from '../../../shared/logger.js';
import type { Outcome } from '../../../shared/reporting/reporter.js';
import { reconcileTraces, type TraceReconcilerDeps, type TraceSettings } from '../../../shared/traces/reconcile.js';
import { memoryLedger } from '../../helpers/memoryLedger.js';
import { memoryTracePort, type MemoryDevice } from './memoryTracePort.js';

export const SETTINGS: TraceSettings = {
  lookbackHours: 24,
  sessionMinutes: 5,
  checkDelaySeconds: 0,
  maxChecks: 3,
  maxActiveTraces: 15,
  reserveMs: 0,
};

export const laptop = (over: Partial<MemoryDevice> = {}): MemoryDevice => ({
  id: 7,
  name: 'alice-laptop',
  email: 'alice@corp.example',
  apps: [
    { id: 3, name: 'Payroll Portal', score: 41 },
    { id: 4, name: 'Mail', score: 88 },
  ],
  webProbes: { 3: [{ id: 31, name: 'Payroll web' }] },
  cloudPathProbes: { 3: [{ id: 32, name: 'Payroll path' }] },
  ...over,
});

export const open = (
  incidentId: string,
  emails: string[] = ['alice@corp.example'],
  over: Partial<TraceStart> = {},
): TraceStart => ({
  id: `open-${incidentId}`,
  type: 'trace.start',
  incident: { source: 'pagerduty', incidentId, service: 'Payroll Portal' },
  userEmails: emails,
  requestedBy: { kind: 'incident', id: `pagerduty:${incidentId}` },
  ...over,
});

export const resolve = (incidentId: string): TraceStop => ({
  id: `resolve-${incidentId}`,
  type: 'trace.stop',
  incident: { source: 'pagerduty', incidentId },
  userEmails: ['alice@corp.example'],
  requestedBy: { kind: 'incident', id: `pagerduty:${incidentId}` },
});

export function traceWorld(devices: MemoryDevice[] = [laptop()], settings: Partial<TraceSettings> = {}) {
  const zdx = memoryTracePort(devices);
  const ledger = memoryLedger();
  const reports: Outcome[] = [];
  const deps: TraceReconcilerDeps = {
    traces: zdx.port,
    ledger: ledger.store,
    reporter: { report: async (outcome) => void reports.push(outcome) },
    logger: createLogger({ level: 'error', sink: () => undefined }),
    settings: { ...SETTINGS, ...settings },
  };
  const run = (...commands: (TraceStart | TraceStop)[]) => reconcileTraces(commands, deps);
  const kinds = () => reports.map((r) => r.kind);
  return { zdx, ledger, deps, reports, run, kinds };
}
