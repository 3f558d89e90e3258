/**
 * Which segments our bypassType-mode bypasses may have marked, so an idle reconcile reads those few segments by
 * id instead of listing the tenant (⌈segments/500⌉ GETs and ~1.35 KB per segment, every minute). Rules need no
 * such record: ours are found with one name search (zpaPort.ts).
 *
 * The record is an intent, written before a segment is marked, so a crash between the two leaves an id too many
 * (read, found unmarked, dropped), never a marked segment nobody reads. It is one item of the ledger table (key
 * `bypass-markers`, shared/ledger/docItem.ts) written only by the policy reconciler, which runs one message at
 * a time (FIFO, one group); the write is still conditional on the version read.
 *
 * `sweptAt` is when a run last read every segment of the tenant: one run a day does (FULL_SWEEP_MS), and so does
 * the first run with no record at all (a new deployment, an upgrade, a record deleted by hand), so a marker this
 * record does not know of is still found within a day.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AppError } from '../errors.js';
import { dynamoDocItem } from '../ledger/docItem.js';

export const MARKED_SEGMENTS_KEY = 'bypass-markers';

/** How often an otherwise idle reconcile reads the whole tenant anyway. */
export const FULL_SWEEP_MS = 24 * 3_600_000;

export interface MarkedSegments {
  /** Segment ids, sorted. */
  ids: string[];
  /** ISO time of the last run that read every segment; absent: never (the next run does). */
  sweptAt?: string;
  version: number;
}

export interface MarkedSegmentStore {
  read(): Promise<MarkedSegments>;
  /** @throws MarkedSegmentsConflictError when the stored version is no longer `version`. */
  save(doc: Omit<MarkedSegments, 'version'>, version: number): Promise<void>;
}

export class MarkedSegmentsConflictError extends AppError {
  constructor() {
    super('marked_segments_conflict', 'the record of marked segments changed while it was being updated', 409, true);
  }
}

export function dynamoMarkedSegments(opts: { tableName: string; client?: DynamoDBClient }): MarkedSegmentStore {
  const item = dynamoDocItem<Omit<MarkedSegments, 'version'>>({ ...opts, key: MARKED_SEGMENTS_KEY });
  return {
    async read() {
      const { doc, version } = await item.read();
      return { ids: doc?.ids ?? [], sweptAt: doc?.sweptAt, version };
    },
    async save(doc, version) {
      if (!(await item.save({ ids: [...new Set(doc.ids)].sort(), sweptAt: doc.sweptAt }, version)))
        throw new MarkedSegmentsConflictError();
    },
  };
}

/** Is a full read of the tenant due (never done, or more than FULL_SWEEP_MS ago)? */
export const sweepDue = (m: Pick<MarkedSegments, 'sweptAt'>, now: Date): boolean =>
  !m.sweptAt || Number.isNaN(Date.parse(m.sweptAt)) || now.getTime() - Date.parse(m.sweptAt) >= FULL_SWEEP_MS;
