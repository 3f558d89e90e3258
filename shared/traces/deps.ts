import type { CommandQueue } from '../commands/queue.js';
import type { Logger } from '../logger.js';
import type { Reporter } from '../reporting/reporter.js';
import type { ApiClient } from '../zscaler/http.js';
import type { SessionMinutes } from '../zdx/sessionLengths.js';

/** What the deep-trace actions need; the worker builds it once per container, tests build their own. */
export interface TraceDeps {
  zdx: ApiClient;
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
