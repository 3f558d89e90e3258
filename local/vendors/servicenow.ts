/**
 * A stand-in of ServiceNow's Table API for work notes: `PATCH /api/now/table/incident/{sys_id}` with
 * `{ work_notes }`, basic auth (or a bearer token), answering 200 `{ result: { sys_id } }`. Like an instance it
 * answers 401 to other credentials, 404 `No Record found` to an id that is not a 32-hex sys_id, 400 to a body
 * with no text and 400 to a journal entry longer than 4,000 characters.
 */
import { header, isRecord, type VendorAnswer, type VendorApi } from './http.js';

export interface WorkNote {
  sysId: string;
  text: string;
}

const failure = (status: number, message: string, detail = ''): VendorAnswer => ({
  status,
  body: { error: { message, detail }, status: 'failure' },
});

export function serviceNowApi(creds: { username: string; password: string }) {
  const workNotes: WorkNote[] = [];
  const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  const api: VendorApi = (req) => {
    const m = /^\/api\/now\/table\/incident\/([^/]+)$/.exec(req.path);
    if (!m) return undefined;
    if (header(req, 'authorization') !== basic)
      return failure(401, 'User Not Authenticated', 'Required to provide Auth information');
    if (req.method !== 'PATCH' && req.method !== 'PUT') return failure(405, 'Method not allowed');
    const sysId = decodeURIComponent(m[1]!);
    if (!/^[0-9a-f]{32}$/.test(sysId))
      return failure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    const text = isRecord(req.body) ? req.body.work_notes : undefined;
    if (typeof text !== 'string' || text.trim() === '') return failure(400, 'Invalid request', 'work_notes is empty');
    if (text.length > 4_000) return failure(400, 'Invalid request', 'work_notes exceeds 4000 characters');
    workNotes.push({ sysId, text });
    return { status: 200, body: { result: { sys_id: sysId } } };
  };
  return { api, workNotes };
}
