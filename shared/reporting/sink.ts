/** What every incident sink (one module per tool in this folder) is: where one outcome is written into the incident. */
import type { IncidentRef } from '../commands/contract.js';
import type { Outcome } from './reporter.js';
import type { SinkName } from './routes.js';

export interface IncidentSink {
  readonly name: SinkName;
  /**
   * Writes `outcome` into `incident` once.
   * @throws AppError: retryable (the tool is busy or down) or not (it refused; the sink is not configured).
   */
  deliver(incident: IncidentRef, outcome: Outcome): Promise<void>;
}

/** The one-line heading every sink puts above an outcome, so a responder sees where it came from. */
export const HEADING = 'ZDX deep trace (Zscaler automation)';
