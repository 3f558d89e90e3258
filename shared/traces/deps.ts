import type { CommandQueue } from '../commands/queue.js';
import type { Logger } from '../logger.js';
import type { Reporter } from '../reporting/reporter.js';
import type { SessionMinutes } from '../zdx/sessionLengths.js';
import type { TracePort } from './port.js';

/** What the deep-trace actions need; the worker builds it once per container, tests build their own. */
export interface TraceDeps {
  traces: TracePort;
  queue: CommandQueue;
  reporter: Reporter;
  logger: Logger;
  settings: {
    lookbackHours: number;
    sessionMinutes: SessionMinutes;
    checkDelaySeconds: number;
    maxChecks: number;
  };
}
