/**
 * A note on the PagerDuty incident: `POST {base}/incidents/{id}/notes` with the REST API's headers —
 * `Authorization: Token token=<API key>`, `Accept: application/vnd.pagerduty+json;version=2`, and `From: <email>`
 * (PagerDuty refuses a write without the email of a PagerDuty user to attribute it to) — and the body
 * `{ "note": { "content": "…" } }`. PagerDuty keeps at most 25,000 characters of a note, so a longer outcome is
 * cut, saying so. PagerDuty answers 201 with the note. The incident id is the one the v3 webhook carried
 * (`event.data.id`), which is what this API takes.
 */
import type { SecretSource } from '../aws/secrets.js';
import { type ReportsSecret, reportSection } from './reportsSecret.js';
import { HEADING, type IncidentSink } from './sink.js';
import { callVendor, fitText } from './vendorHttp.js';

/** PagerDuty's limit on a note's content. */
export const PAGERDUTY_NOTE_MAX_CHARS = 25_000;

export function pagerDutyNoteSink(opts: {
  baseUrl: string;
  secret: SecretSource<ReportsSecret>;
  timeoutMs?: number;
}): IncidentSink {
  const base = opts.baseUrl.replace(/\/+$/, '');
  return {
    name: 'pagerduty-note',
    async deliver(incident, outcome) {
      const { apiToken, fromEmail } = reportSection(await opts.secret.get(), 'pagerduty');
      await callVendor({
        sink: 'pagerduty-note',
        method: 'POST',
        url: `${base}/incidents/${encodeURIComponent(incident.incidentId)}/notes`,
        headers: {
          authorization: `Token token=${apiToken}`,
          accept: 'application/vnd.pagerduty+json;version=2',
          from: fromEmail,
        },
        body: { note: { content: fitText(`${HEADING}\n${outcome.text}`, PAGERDUTY_NOTE_MAX_CHARS) } },
        secrets: [apiToken],
        timeoutMs: opts.timeoutMs,
      });
    },
  };
}
