/**
 * node:http plumbing for the simulator: read a body, parse it leniently, write a SimReply or reset the connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimReply } from './router.js';

const MAX_BODY_BYTES = 1_000_000;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type ParsedBody = { ok: true; body: unknown } | { ok: false };

/**
 * JSON when the content type says so (malformed → not ok). Bodies sent by `fetch` with a bare string default
 * to `text/plain`, so a body that merely looks like JSON is parsed too, but is never an error if it fails.
 */
export function parseJsonBody(raw: string, contentType: string | undefined): ParsedBody {
  if (raw.trim() === '') return { ok: true, body: undefined };
  const ct = (contentType ?? '').toLowerCase();
  const declared = ct.includes('json');
  if (!declared && (ct.includes('x-www-form-urlencoded') || !/^\s*[[{]/.test(raw)))
    return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(raw) as unknown };
  } catch {
    return declared ? { ok: false } : { ok: true, body: undefined };
  }
}

export function sendReply(res: ServerResponse, reply: SimReply): void {
  // The client may have given up while a delay fault held the reply back.
  if (res.destroyed || res.socket?.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.body !== undefined && reply.status !== 204) {
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json;charset=utf-8';
    }
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/**
 * Ends the connection without an answer, with a TCP RST where the platform allows it, so the client sees a
 * connection reset (ECONNRESET / "other side closed") rather than a reply. Other requests on the same
 * keep-alive socket are lost with it, as they would be on a real reset.
 */
export function resetConnection(req: IncomingMessage): void {
  const socket = req.socket;
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** The caller's IP. `x-forwarded-for` lets a test pose as several clients, since every test runs on loopback. */
export function clientIpOf(req: IncomingMessage): string {
  const fwd = req.headers['x-forwarded-for'];
  const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
  if (first) return first;
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}

export function headerValue(headers: IncomingMessage['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
