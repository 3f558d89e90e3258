/**
 * Emergency stops of maintenance windows: a person ends a running window now, from chat, without a redeploy
 * (the windows file is config as code; a stop is an operational override of it). A stop is durable, in one item
 * of the incident ledger's table (key `window-stops`, so the reconciler's IAM can be limited to that one key),
 * and the policy reconciler honours it on every run: the stopped window counts as not active, so its bypass is
 * removed like that of a window that ended, and it is not applied again
 * - for the rest of the occurrence that was running when it was stopped (the next occurrence of a recurring
 *   window runs normally), or
 * - until resumed (`untilResumed`), for every occurrence.
 * `window resume` lifts a stop; a window still inside its occurrence then gets its bypass back.
 *
 * The item holds the list of stops in force (`doc`, JSON) and a `version` every write is conditional on; stops of
 * occurrences that are over are dropped on the next write. It carries no `expiresAt` (a stop until resumed must
 * not expire) and no `pending` (the trace reconciler's index never sees it).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AppError } from '../errors.js';
import { dynamoDocItem } from '../ledger/docItem.js';

/** The one ledger key the stops live under (serverless.yml limits the reconciler's access to it). */
export const WINDOW_STOPS_KEY = 'window-stops';

export interface WindowStop {
  windowId: string;
  /** The occurrence that was running when it was stopped (ISO start and end); absent when none was. */
  occurrenceStart?: string;
  occurrenceEnd?: string;
  /** Every occurrence stays stopped until `window resume`. */
  untilResumed: boolean;
  stoppedAt: string;
  /** Who stopped it (`slack:U…`, `teams:<aad id>` with the name when known) and why. */
  by: string;
  reason: string;
  commandId: string;
}

export interface WindowStops {
  stops: WindowStop[];
  /** The stored item's version (0: none stored yet); `save` is conditional on it. */
  version: number;
}

export interface WindowStopStore {
  /** The stops as stored now (a strongly consistent read). */
  read(): Promise<WindowStops>;
  /** Stores `stops` if the stored version is still `version`. @throws WindowStopsConflictError otherwise. */
  save(stops: WindowStop[], version: number): Promise<void>;
}

export class WindowStopsConflictError extends AppError {
  constructor() {
    super('window_stops_conflict', 'the window stops changed while they were being updated', 409, true);
  }
}

/**
 * The windowId of `window stop all`: every window (of the file and declared) and every ad-hoc bypass, until
 * `window resume all`. Ad-hoc bypasses are removed and new ones refused while it stands.
 */
export const ALL_WINDOWS = '*';

/** Is every bypass stopped (a `window stop all` in force)? */
export const everythingStopped = (stops: WindowStop[]): WindowStop | undefined =>
  stops.find((s) => s.windowId === ALL_WINDOWS);

/** Does `stop` stop the occurrence of its window that started at `occurrenceStart`? */
export const stopApplies = (stop: WindowStop, occurrenceStart: Date): boolean =>
  stop.untilResumed || stop.occurrenceStart === occurrenceStart.toISOString();

/** The stops that can still apply at `now`: a stop of one occurrence is over when that occurrence is. */
export const stopsInForce = (stops: WindowStop[], now: Date): WindowStop[] =>
  stops.filter((s) => s.untilResumed || (s.occurrenceEnd !== undefined && new Date(s.occurrenceEnd) > now));

/** One line per stop in force, for `status` and the command's answer. */
export function describeStop(s: WindowStop): string {
  const how = s.untilResumed
    ? 'until resumed'
    : `for the rest of its occurrence (ends ${s.occurrenceEnd ?? 'unknown'})`;
  const what = s.windowId === ALL_WINDOWS ? 'every window and ad-hoc bypass' : s.windowId;
  return `${what}: stopped ${how} by ${s.by} at ${s.stoppedAt}${s.reason ? ` (${s.reason})` : ''}`;
}

/**
 * The stops in the ledger table (shared/ledger/docItem.ts: read with a Query on the item's key, so the worker's
 * `status` needs only the Query permission it already has on the ledger).
 */
export function dynamoWindowStops(opts: { tableName: string; client?: DynamoDBClient }): WindowStopStore {
  const item = dynamoDocItem<{ stops: WindowStop[] }>({ ...opts, key: WINDOW_STOPS_KEY });
  return {
    async read() {
      const { doc, version } = await item.read();
      return { stops: doc?.stops ?? [], version };
    },
    async save(stops, version) {
      if (!(await item.save({ stops }, version))) throw new WindowStopsConflictError();
    },
  };
}

/**
 * `status` with the stopped windows added (the worker answers status; the windows file is the reconciler's, so
 * the stop records carry what status shows). A store that cannot be read is said, not fatal.
 */
export async function withStoppedWindows<O extends { text: string; data?: Record<string, unknown> }>(
  outcome: O,
  store: Pick<WindowStopStore, 'read'>,
  now = new Date(),
): Promise<O> {
  let stops: WindowStop[];
  try {
    stops = stopsInForce((await store.read()).stops, now);
  } catch (e) {
    return {
      ...outcome,
      text: `${outcome.text}\nStopped maintenance windows: could not be read (${(e as Error).message}).`,
    };
  }
  if (!stops.length) return outcome;
  return {
    ...outcome,
    text: `${outcome.text}\nStopped maintenance windows:\n${stops.map((s) => `• ${describeStop(s)}`).join('\n')}`,
    data: { ...outcome.data, stoppedWindows: stops },
  };
}
