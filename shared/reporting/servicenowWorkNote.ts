/**
 * A work note on the ServiceNow incident: `PATCH {instance}/api/now/table/incident/{sys_id}` with
 * `{ "work_notes": "…" }` (the Table API appends a journal entry; work notes are seen by the fulfillers, not the
 * caller). `sysparm_fields=sys_id` keeps the answer (the updated record) to its id. The sys_id is the incident id
 * the ServiceNow source keeps (the outbound body's `sys_id`). Authentication: basic auth of an integration user
 * with write access to the incident's `work_notes`, or an OAuth bearer token. The instance comes from
 * configuration, never from the webhook body, so a delivery cannot point our credentials elsewhere.
 *
 * A journal entry is cut at 4,000 characters (saying so), to stay within what a journal entry holds on an instance
 * with default dictionary settings.
 */
import type { SecretSource } from '../aws/secrets.js';
import { ConfigError } from '../errors.js';
import { type ReportsSecret, reportSection } from './reportsSecret.js';
import { HEADING, type IncidentSink } from './sink.js';
import { callVendor, fitText } from './vendorHttp.js';

export const SERVICENOW_WORK_NOTE_MAX_CHARS = 4_000;

export function serviceNowWorkNoteSink(opts: {
  instanceUrl: string | undefined;
  secret: SecretSource<ReportsSecret>;
  timeoutMs?: number;
}): IncidentSink {
  return {
    name: 'servicenow-worknote',
    async deliver(incident, outcome) {
      if (!opts.instanceUrl)
        throw new ConfigError('servicenow-worknote: SERVICENOW_INSTANCE_URL is not set; no work note was written');
      const section = reportSection(await opts.secret.get(), 'servicenow');
      const [authorization, secrets] =
        'bearerToken' in section
          ? [`Bearer ${section.bearerToken}`, [section.bearerToken]]
          : [
              `Basic ${Buffer.from(`${section.username}:${section.password}`).toString('base64')}`,
              [section.password, Buffer.from(`${section.username}:${section.password}`).toString('base64')],
            ];
      await callVendor({
        sink: 'servicenow-worknote',
        method: 'PATCH',
        url: `${opts.instanceUrl.replace(/\/+$/, '')}/api/now/table/incident/${encodeURIComponent(incident.incidentId)}?sysparm_fields=sys_id`,
        headers: { authorization, accept: 'application/json' },
        body: { work_notes: fitText(`${HEADING}\n${outcome.text}`, SERVICENOW_WORK_NOTE_MAX_CHARS) },
        secrets,
        timeoutMs: opts.timeoutMs,
      });
    },
  };
}
