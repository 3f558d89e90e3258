/**
 * Writes the trace reconciler's outcomes into the incident where responders work (routes.ts says which sink
 * each source uses), exactly once per outcome and sink, retried within a bound.
 *
 * Which outcomes: what a responder acts on — the trace started, queued for a slot (said once), completed (the
 * summary), stopped, busy, could not start, vanished, tracking given up, dropped by the resolve. Dry runs and
 * anything else stay in the log and the callback.
 *
 * Exactly once: before a sink is called, its delivery mark for the outcome is read (deliveries.ts); a mark that
 * says sent or given up means the trace reconciler is retrying a step whose note already went out (another
 * target failed): it is not written again. An outcome is named by its trace (`trace.completed:<trace id>`), or,
 * for outcomes without one, by the incident's round (a reopened incident is told again) and device.
 *
 * Failures: a refusal (4xx) or a sink that is not configured is given up at once — retrying cannot help — and
 * logged (a refused credential at error, anything else at warn) with `ReportsFailed`. A transient failure (429,
 * 5xx, timeout) throws the retryable error after every sink has had its turn, so the reconciler retries the
 * step on its next run; after {@link MAX_ATTEMPTS} attempts or {@link GIVE_UP_AFTER_MS} it is given up, logged at
 * error, with `ReportsFailed`, so one tool's outage never holds an incident's traces up for longer than that.
 */
import { incidentRefSchema, type IncidentRef } from '../commands/contract.js';
import { isRetryable } from '../errors.js';
import { ledgerKey } from '../ledger/record.js';
import type { Logger } from '../logger.js';
import { type DeliveryMark, type DeliveryStore, markKey } from './deliveries.js';
import type { Outcome } from './reporter.js';
import { type IncidentRoutes, type SinkName, sinksFor } from './routes.js';
import type { IncidentSink } from './sink.js';
import { ReportRefusedError } from './vendorHttp.js';

/** The outcomes written into the incident. */
export const INCIDENT_OUTCOMES: ReadonlySet<string> = new Set([
  'trace.started',
  'trace.queued',
  'trace.completed',
  'trace.stopped',
  'trace.busy',
  'trace.start.failed',
  'trace.gone',
  'trace.tracking-stopped',
  'trace.dropped',
]);
/** Outcomes about one trace: named by its trace id. */
const PER_TRACE = new Set([
  'trace.started',
  'trace.completed',
  'trace.stopped',
  'trace.gone',
  'trace.tracking-stopped',
]);

/** Attempts of one note before it is given up (the reconciler retries a failed step on its next run). */
export const MAX_ATTEMPTS = 5;
/** …or this long after its first failure, whichever comes first. */
export const GIVE_UP_AFTER_MS = 15 * 60_000;

export interface IncidentReports {
  deliver(outcome: Outcome): Promise<void>;
}

const asString = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);

/**
 * The names of an outcome's events, one per trace it is about (a "started" for two devices names both: a retry
 * that reports them one at a time then finds each sent).
 */
export function eventKeys(outcome: Outcome, round: number): string[] {
  const d = outcome.data ?? {};
  if (PER_TRACE.has(outcome.kind)) {
    const ids =
      outcome.kind === 'trace.started' && Array.isArray(d.results)
        ? d.results.map((r) => asString((r as Record<string, unknown>)?.traceId))
        : [asString(d.traceId)];
    const traces = ids.filter((t): t is string => t !== undefined);
    if (traces.length) return traces.map((t) => `${outcome.kind}:${t}`);
  }
  const device = asString(d.deviceId) ?? (Array.isArray(d.deviceIds) ? d.deviceIds.join('+') : 'incident');
  const other = outcome.kind === 'trace.busy' && asString(d.traceId) ? `:${asString(d.traceId)}` : '';
  return [`${outcome.kind}:r${round}:${device}${other}`];
}

const isFinal = (m: DeliveryMark | undefined) => m?.state === 'sent' || m?.state === 'abandoned';

export function incidentReports(opts: {
  routes: IncidentRoutes;
  sinks: Partial<Record<SinkName, IncidentSink>>;
  deliveries: DeliveryStore;
  logger: Logger;
  /** The incident's round in the ledger (1 until it is reopened). */
  roundOf?: (incident: IncidentRef) => Promise<number | undefined>;
  now?: () => number;
}): IncidentReports {
  const now = opts.now ?? Date.now;

  async function deliverOne(sink: IncidentSink, incident: IncidentRef, outcome: Outcome, keys: string[]) {
    const incidentKey = ledgerKey(incident);
    const marks = await Promise.all(
      keys.map(async (k) => ({
        key: markKey(sink.name, incidentKey, k),
        mark: await opts.deliveries.getMark(markKey(sink.name, incidentKey, k)),
      })),
    );
    const open = marks.filter((m) => !isFinal(m.mark));
    if (open.length === 0) return; // already written (or given up): a retried step
    const attempts = Math.max(...open.map((m) => m.mark?.attempts ?? 0)) + 1;
    const firstFailedAt = Math.min(...open.map((m) => m.mark?.firstFailedAt ?? now()));
    const log = { sink: sink.name, kind: outcome.kind, source: incident.source, incidentId: incident.incidentId };
    const mark = (m: DeliveryMark) => Promise.all(open.map((o) => opts.deliveries.putMark(o.key, m)));
    try {
      await sink.deliver(incident, outcome);
    } catch (e) {
      const retryable = isRetryable(e) && !(e instanceof ReportRefusedError);
      if (retryable && attempts < MAX_ATTEMPTS && now() - firstFailedAt < GIVE_UP_AFTER_MS) {
        await mark({ state: 'failed', attempts, firstFailedAt });
        opts.logger.warn('incident report failed; the next run tries again', { ...log, attempts, error: e });
        throw e;
      }
      await mark({ state: 'abandoned', attempts, firstFailedAt });
      opts.logger.metric('ReportsFailed', 1, { dims: { sink: sink.name } });
      const refusedCredential = e instanceof ReportRefusedError && (e.status === 401 || e.status === 403);
      // A refusal is the request's (unknown incident, a body it will not take) unless it refuses our credential,
      // which, like a sink left unconfigured or an outage outlasting the bound, needs a person.
      const level = retryable || refusedCredential || !(e instanceof ReportRefusedError) ? 'error' : 'warn';
      opts.logger[level]('incident report given up; it is not retried', { ...log, attempts, error: e });
      return;
    }
    await mark({ state: 'sent', attempts });
    opts.logger.metric('ReportsSent', 1, { dims: { sink: sink.name } });
  }

  return {
    async deliver(outcome) {
      if (!INCIDENT_OUTCOMES.has(outcome.kind)) return;
      const parsed = incidentRefSchema.safeParse(outcome.data?.incident);
      if (!parsed.success) return;
      const incident = parsed.data;
      const sinks = sinksFor(opts.routes, incident.source);
      if (sinks.length === 0) return;
      const round = (await opts.roundOf?.(incident)) ?? 1;
      const keys = eventKeys(outcome, round);
      let retry: unknown;
      for (const name of sinks) {
        const sink = opts.sinks[name];
        if (!sink) {
          // The handler wires every sink a route names; a gap is a bug to fix, not a reason to hold the incident.
          opts.logger.metric('ReportsFailed', 1, { dims: { sink: name } });
          opts.logger.error('incident report has no sink wired', { sink: name, kind: outcome.kind });
          continue;
        }
        try {
          await deliverOne(sink, incident, outcome, keys);
        } catch (e) {
          retry ??= e;
        }
      }
      if (retry) throw retry;
    },
  };
}
