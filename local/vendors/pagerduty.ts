/**
 * A stand-in of PagerDuty's REST API, as the reports and the affected-user lookup use it:
 * `POST /incidents/{id}/notes` (201 with the note), `GET /incidents/{id}/alerts` and
 * `GET /incidents/{id}/custom_fields/values`. Like PagerDuty it refuses a request without
 * `Authorization: Token token=<key>` (401), without the v2 `Accept` header (406), a write without a `From` email
 * (400), a note that is not `{ note: { content } }` or longer than 25,000 characters (400), and an incident id
 * that is not one (404). Incidents need not be seeded to take notes; alerts and custom fields are seeded by tests.
 */
import { header, isRecord, type VendorAnswer, type VendorApi } from './http.js';

export interface PagerDutyNote {
  incidentId: string;
  from: string;
  content: string;
}

export interface SeededIncident {
  alerts?: unknown[];
  customFields?: unknown[];
}

const error = (status: number, code: number, message: string, errors: string[] = []): VendorAnswer => ({
  status,
  body: { error: { message, code, errors } },
});

export function pagerDutyApi(apiToken: string) {
  const notes: PagerDutyNote[] = [];
  const incidents = new Map<string, SeededIncident>();
  const api: VendorApi = (req) => {
    const m = /^\/incidents\/([^/]+)\/(notes|alerts|custom_fields\/values)$/.exec(req.path);
    if (!m) return undefined;
    if (header(req, 'authorization') !== `Token token=${apiToken}`) return error(401, 2006, 'Unauthorized');
    if (!header(req, 'accept')?.includes('application/vnd.pagerduty+json;version=2'))
      return error(406, 2001, 'Not Acceptable');
    const id = decodeURIComponent(m[1]!);
    if (!/^[A-Z0-9]{2,20}$/.test(id)) return error(404, 2100, 'Not Found');
    if (m[2] === 'alerts' && req.method === 'GET')
      return { status: 200, body: { alerts: incidents.get(id)?.alerts ?? [], limit: 25, offset: 0, more: false } };
    if (m[2] === 'custom_fields/values' && req.method === 'GET')
      return { status: 200, body: { custom_fields: incidents.get(id)?.customFields ?? [] } };
    if (m[2] !== 'notes' || req.method !== 'POST') return error(405, 2000, 'Method Not Allowed');
    const from = header(req, 'from');
    if (!from || !/^[^@\s]+@[^@\s]+$/.test(from))
      return error(400, 2001, 'Invalid Input Provided', ['A valid From header is required']);
    const content = isRecord(req.body) && isRecord(req.body.note) ? req.body.note.content : undefined;
    if (typeof content !== 'string' || content === '')
      return error(400, 2001, 'Invalid Input Provided', ['Note content is required']);
    if (content.length > 25_000)
      return error(400, 2001, 'Invalid Input Provided', ['Content is too long (maximum is 25000 characters)']);
    notes.push({ incidentId: id, from, content });
    return {
      status: 201,
      body: {
        note: {
          id: `PNOTE${notes.length}`,
          content,
          created_at: new Date().toISOString(),
          user: { type: 'user_reference', summary: from },
        },
      },
    };
  };
  return { api, notes, seedIncident: (id: string, seeded: SeededIncident) => incidents.set(id, seeded) };
}
