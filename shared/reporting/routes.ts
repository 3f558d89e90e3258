/**
 * Which incident tool an outcome is written back into, per source: the `INCIDENT_REPORTS` setting,
 * `<source>=<sink>[+<sink>…]` pairs separated by commas, `*` for every source not named. Sinks:
 *
 * - `note`: a note on the incident itself — PagerDuty (`pagerduty`) and Opsgenie / JSM alerts (`opsgenie`) only;
 * - `worknote`: a ServiceNow work note (`servicenow` only);
 * - `slack`: a thread per incident in the configured Slack channel (any source);
 * - `none`: nothing beyond the log and the callback.
 *
 * A sink that does not exist for a source (`datadog=note`) is a configuration error at cold start, not a report
 * that fails at 3 a.m. Chat commands (`slack`, `teams`) already answer in their own conversation, so neither `*`
 * nor an explicit pair routes them.
 */
import { SOURCE_NAME } from '../incidents/event.js';

/** The sinks, one module each in this folder. */
export type SinkName = 'pagerduty-note' | 'servicenow-worknote' | 'opsgenie-note' | 'slack-channel';

/** What `note` and `worknote` mean for the sources that have them. */
const NATIVE: Readonly<Record<string, Readonly<Record<string, SinkName>>>> = {
  pagerduty: { note: 'pagerduty-note' },
  opsgenie: { note: 'opsgenie-note' },
  servicenow: { worknote: 'servicenow-worknote' },
};

/** Sources whose requester is a chat conversation, answered there. */
const CHAT_SOURCES = new Set(['slack', 'teams']);

export interface IncidentRoutes {
  bySource: Readonly<Record<string, readonly SinkName[]>>;
  /** For every source not named (`*`). */
  others: readonly SinkName[];
}

/** The default of `INCIDENT_REPORTS`: each tool that has a native place gets the outcome there. */
export const DEFAULT_INCIDENT_REPORTS = 'pagerduty=note,servicenow=worknote,opsgenie=note,*=none';

function sinkOf(source: string, word: string): SinkName | undefined {
  if (word === 'slack') return 'slack-channel';
  return NATIVE[source]?.[word];
}

/**
 * Parses an `INCIDENT_REPORTS` value.
 * @throws Error naming the first bad pair (the value holds no secret, so it may be quoted).
 */
export function parseIncidentRoutes(value: string): IncidentRoutes {
  const bySource: Record<string, SinkName[]> = {};
  let others: SinkName[] = [];
  const seen = new Set<string>();
  for (const raw of value.split(',')) {
    const pair = raw.trim();
    if (pair === '') continue;
    const m = /^([^=\s]+)\s*=\s*([^=]+)$/.exec(pair);
    if (!m) throw new Error(`"${pair}" is not <source>=<sink>`);
    const source = m[1]!;
    if (seen.has(source)) throw new Error(`"${source}" is named twice`);
    seen.add(source);
    if (source !== '*' && !SOURCE_NAME.test(source)) throw new Error(`"${source}" is not a source name`);
    if (CHAT_SOURCES.has(source)) throw new Error(`"${source}" commands are answered in their own chat`);
    const words = m[2]!.split('+').map((w) => w.trim());
    if (words.includes('none')) {
      if (words.length > 1) throw new Error(`"${pair}": none cannot be combined with a sink`);
      if (source === '*') others = [];
      else bySource[source] = [];
      continue;
    }
    const sinks: SinkName[] = [];
    for (const w of words) {
      const sink = source === '*' ? (w === 'slack' ? 'slack-channel' : undefined) : sinkOf(source, w);
      if (!sink)
        throw new Error(
          source === '*'
            ? `"${pair}": every source can only share slack (note and worknote belong to one tool)`
            : `"${pair}": ${source} has no "${w}" sink (it has ${[...Object.keys(NATIVE[source] ?? {}), 'slack', 'none'].join(', ')})`,
        );
      if (!sinks.includes(sink)) sinks.push(sink);
    }
    if (source === '*') others = sinks;
    else bySource[source] = sinks;
  }
  return { bySource, others };
}

/** The sinks an outcome of `source` goes to. */
export function sinksFor(routes: IncidentRoutes, source: string): readonly SinkName[] {
  if (CHAT_SOURCES.has(source)) return [];
  return routes.bySource[source] ?? routes.others;
}

/** Every sink some source is routed to (the ones the deployment must configure). */
export const routedSinks = (routes: IncidentRoutes): SinkName[] => [
  ...new Set([...Object.values(routes.bySource).flat(), ...routes.others]),
];
