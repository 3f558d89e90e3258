/**
 * A stand-in of Opsgenie's Alert API for notes: `POST /v2/alerts/{id}/notes?identifierType=id` with
 * `Authorization: GenieKey <key>`, answering 202 `{ result: "Request will be processed", took, requestId }` (the
 * real API applies the note asynchronously). Like Opsgenie it answers 401 to another key and 422 to a note that
 * is missing or over 25,000 characters, or a `user` / `source` over 100.
 */
import { randomUUID } from 'node:crypto';
import { header, isRecord, type VendorAnswer, type VendorApi } from './http.js';

export interface AlertNote {
  alertId: string;
  note: string;
  user?: string;
  source?: string;
}

const unprocessable = (field: string, why: string): VendorAnswer => ({
  status: 422,
  body: {
    message: 'Request body is not processable. Please check the errors.',
    errors: { [field]: why },
    took: 0.001,
    requestId: randomUUID(),
  },
});

export function opsgenieApi(apiKey: string) {
  const notes: AlertNote[] = [];
  const api: VendorApi = (req) => {
    const m = /^\/v2\/alerts\/([^/]+)\/notes$/.exec(req.path);
    if (!m) return undefined;
    if (header(req, 'authorization') !== `GenieKey ${apiKey}`)
      return { status: 401, body: { message: 'Could not authenticate', took: 0, requestId: randomUUID() } };
    if (req.method !== 'POST') return { status: 405, body: { message: 'Method not allowed' } };
    if (req.query.get('identifierType') !== 'id')
      return {
        status: 404,
        body: { message: 'Alert with the given alias does not exist', took: 0, requestId: randomUUID() },
      };
    const b = isRecord(req.body) ? req.body : {};
    if (typeof b.note !== 'string' || b.note === '') return unprocessable('note', 'may not be empty');
    if (b.note.length > 25_000) return unprocessable('note', 'must be at most 25000 characters');
    for (const f of ['user', 'source'] as const)
      if (b[f] !== undefined && (typeof b[f] !== 'string' || b[f].length > 100))
        return unprocessable(f, 'must be at most 100 characters');
    notes.push({
      alertId: decodeURIComponent(m[1]!),
      note: b.note,
      user: b.user as string | undefined,
      source: b.source as string | undefined,
    });
    return { status: 202, body: { result: 'Request will be processed', took: 0.002, requestId: randomUUID() } };
  };
  return { api, notes };
}
