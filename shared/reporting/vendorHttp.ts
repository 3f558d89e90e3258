/**
 * One HTTP call into an incident tool's API, for every sink alike: a bounded timeout, the answer classified the
 * same way, and no secret in what is thrown.
 *
 * - 2xx: the answer's JSON body is returned.
 * - 429, 5xx, a timeout or a connection failure: a retryable AppError (`report_failed`). The tool is busy or down
 *   and the same note will be accepted later; the caller retries within its bound.
 * - Any other 4xx: a {@link ReportRefusedError}, not retryable. The tool read the request and said no (unknown
 *   incident, missing permission, a body it will not take); the same request would be refused again, and
 *   retrying would only hold up the incident's other reports. The vendor's own error text is kept (bounded,
 *   redacted) so whoever reads the log knows what to fix.
 */
import { remainingMs } from '../deadline.js';
import { AppError } from '../errors.js';
import { request } from '../http/undici.js';
import { redact } from '../logger.js';

/** The longest one call may take; less when the invocation has less time left. */
export const VENDOR_TIMEOUT_MS = 5_000;
/** Time kept back from the invocation's deadline for writing down what happened. */
const DEADLINE_RESERVE_MS = 1_500;
/** How much of a vendor's error body is kept for the log. */
const MAX_VENDOR_ERROR_CHARS = 300;

/** A 4xx from the tool: permanent for this request. */
export class ReportRefusedError extends AppError {
  constructor(
    readonly sink: string,
    readonly status: number,
    readonly vendorError: string,
  ) {
    super('report_refused', `${sink}: the tool refused the report (${status}): ${vendorError}`, 502, false, {
      details: { sink, status },
    });
  }
}

export interface VendorCall {
  sink: string;
  method: 'POST' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** Values that must never appear in an error or a log line (the credentials of this call). */
  secrets: readonly string[];
  timeoutMs?: number;
}

/** `text` with each of `secrets` and anything secret-looking replaced. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[REDACTED]');
  return redact(out) as string;
}

/** The vendor's error, as short text: `message`/`error`/`errors` fields when JSON, else the body's start. */
function vendorErrorText(raw: string): string {
  let text = raw;
  try {
    const j = JSON.parse(raw) as Record<string, unknown>;
    const e = j.error;
    const parts = [
      typeof e === 'string' ? e : undefined,
      typeof e === 'object' && e ? (e as Record<string, unknown>).message : undefined,
      typeof e === 'object' && e ? (e as Record<string, unknown>).detail : undefined,
      j.message,
      Array.isArray(j.errors) ? j.errors.join('; ') : undefined,
      typeof e === 'object' && e && Array.isArray((e as Record<string, unknown>).errors)
        ? ((e as Record<string, unknown>).errors as unknown[]).join('; ')
        : undefined,
    ].filter((p): p is string => typeof p === 'string' && p !== '');
    if (parts.length) text = parts.join(': ');
  } catch {
    /* not JSON: the body's start */
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_VENDOR_ERROR_CHARS ? `${flat.slice(0, MAX_VENDOR_ERROR_CHARS)}…` : flat || '(no body)';
}

/**
 * Sends `call`; see the module comment for what is returned and thrown.
 * @throws AppError('report_failed', retryable) or ReportRefusedError.
 */
export async function callVendor(call: VendorCall): Promise<unknown> {
  const host = new URL(call.url).host;
  const timeoutMs = Math.max(250, Math.min(call.timeoutMs ?? VENDOR_TIMEOUT_MS, remainingMs() - DEADLINE_RESERVE_MS));
  let status: number;
  let raw: string;
  try {
    const res = await request(call.url, {
      method: call.method,
      headers: { 'content-type': 'application/json', ...call.headers },
      body: JSON.stringify(call.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.statusCode;
    raw = await res.body.text();
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e as Error).message;
    throw new AppError(
      'report_failed',
      scrub(`${call.sink}: ${host} could not be reached: ${why}`, call.secrets),
      502,
      true,
    );
  }
  if (status === 429 || status >= 500)
    throw new AppError(
      'report_failed',
      scrub(`${call.sink}: ${host} answered ${status}: ${vendorErrorText(raw)}`, call.secrets),
      502,
      true,
      { details: { sink: call.sink, status } },
    );
  if (status >= 400) throw new ReportRefusedError(call.sink, status, scrub(vendorErrorText(raw), call.secrets));
  if (status < 200 || status >= 300)
    throw new AppError('report_failed', `${call.sink}: ${host} answered ${status}`, 502, true);
  try {
    return raw === '' ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    return raw;
  }
}

/**
 * `text` cut to at most `max` UTF-16 code units (what these APIs count), saying so at the end, and never in the
 * middle of a character that takes two units.
 */
export function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (n: number) => `\n… (cut: ${n} more characters; the full outcome is in the trace reconciler's log)`;
  // The marker counts what was cut, so its own length depends on where the cut falls: settle it.
  let keep = Math.max(0, max - marker(text.length).length);
  for (let k = Math.max(0, max - marker(text.length - keep).length); k !== keep; )
    [keep, k] = [k, Math.max(0, max - marker(text.length - k).length)];
  const code = text.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep--;
  return `${text.slice(0, keep)}${marker(text.length - keep)}`.slice(0, max);
}
