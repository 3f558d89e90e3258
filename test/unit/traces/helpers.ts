/** TraceDeps around an in-memory TracePort, recording what was queued and reported. */
import type { Command } from '../../../shared/commands/contract.js';
import { createLogger } from '../../../shared/logger.js';
import type { Outcome } from '../../../shared/reporting/reporter.js';
import type { TraceDeps } from '../../../shared/traces/deps.js';
import { memoryTracePort, type MemoryDevice } from './memoryTracePort.js';

export const SETTINGS: TraceDeps['settings'] = { lookbackHours: 24, sessionMinutes: 5, checkDelaySeconds: 60, maxChecks: 3 };

export const laptop = (over: Partial<MemoryDevice> = {}): MemoryDevice => ({
  id: 7,
  name: 'alice-laptop',
  email: 'alice@corp.example',
  apps: [{ id: 3, name: 'Payroll Portal', score: 41 }, { id: 4, name: 'Mail', score: 88 }],
  webProbes: { 3: [{ id: 31, name: 'Payroll web' }] },
  cloudPathProbes: { 3: [{ id: 32, name: 'Payroll path' }] },
  ...over,
});

export function traceWorld(devices: MemoryDevice[] = [laptop()]) {
  const zdx = memoryTracePort(devices);
  const queued: { command: Command; delaySeconds?: number }[] = [];
  const reports: Outcome[] = [];
  const deps: TraceDeps = {
    traces: zdx.port,
    queue: { send: async (command, opts) => void queued.push({ command, delaySeconds: opts?.delaySeconds }) },
    reporter: { report: async (outcome) => void reports.push(outcome) },
    logger: createLogger({ level: 'error', sink: () => undefined }),
    settings: SETTINGS,
  };
  return { zdx, deps, queued, reports };
}
