import type { CommandQueue } from '../../aws/queue.js';
import type { Logger } from '../../logger.js';
import type { Reporter } from '../../report.js';
import type { ApiClient } from '../../zscaler/http.js';

/** What the deep-trace actions need; the worker builds it once per container, tests build their own. */
export interface TraceDeps {
  zdx: ApiClient;
  queue: CommandQueue;
  reporter: Reporter;
  logger: Logger;
  settings: {
    lookbackHours: number;
    sessionMinutes: 5 | 15 | 30 | 60;
    checkDelaySeconds: number;
    maxChecks: number;
  };
}
