/**
 * A note on the Opsgenie (or Jira Service Management's Opsgenie) alert: `POST {base}/v2/alerts/{id}/notes?
 * identifierType=id` with `Authorization: GenieKey <API key>` and `{ "note", "user", "source" }`. The id is the
 * alert id the Opsgenie source keeps (`alert.alertId`). Opsgenie answers 202: the request is queued and applied
 * asynchronously, so 202 is success here (a note that Opsgenie then fails to add shows only in its own logs).
 * A note holds at most 25,000 characters; `user` and `source` at most 100.
 */
import type { SecretSource } from '../aws/secrets.js';
import { type ReportsSecret, reportSection } from './reportsSecret.js';
import { HEADING, type IncidentSink } from './sink.js';
import { callVendor, fitText } from './vendorHttp.js';

export const OPSGENIE_NOTE_MAX_CHARS = 25_000;
/** Who the note is shown as written by, and through what. */
const NOTE_USER = 'Zscaler automation';
const NOTE_SOURCE = 'zscaler-automation';

export function opsgenieNoteSink(opts: {
  baseUrl: string;
  secret: SecretSource<ReportsSecret>;
  timeoutMs?: number;
}): IncidentSink {
  const base = opts.baseUrl.replace(/\/+$/, '');
  return {
    name: 'opsgenie-note',
    async deliver(incident, outcome) {
      const { apiKey } = reportSection(await opts.secret.get(), 'opsgenie');
      await callVendor({
        sink: 'opsgenie-note',
        method: 'POST',
        url: `${base}/v2/alerts/${encodeURIComponent(incident.incidentId)}/notes?identifierType=id`,
        headers: { authorization: `GenieKey ${apiKey}` },
        body: {
          note: fitText(`${HEADING}\n${outcome.text}`, OPSGENIE_NOTE_MAX_CHARS),
          user: NOTE_USER,
          source: NOTE_SOURCE,
        },
        secrets: [apiKey],
        timeoutMs: opts.timeoutMs,
      });
    },
  };
}
