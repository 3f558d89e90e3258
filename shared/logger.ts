/**
 * Structured JSON logs, one line per entry, with secrets redacted by key name and by value pattern.
 * Audit records are log entries with `type: "audit"`: who or what triggered a change, the target, before,
 * after and the result, so CloudWatch Logs Insights can query them (`filter type = "audit"`).
 *
 * Every line written during an invocation also carries that invocation's fields (the Lambda request id, the
 * cold-start flag, the correlation id of the command being handled: see {@link withLogContext}), whichever
 * logger or child logger writes it — so domain code needs no logger threaded per request for an operator to
 * follow one request, one incident or one window through every function.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { emfLine, type MetricDimensions, type MetricName, type MetricUnit } from './metrics.js';

/** The fields of the invocation (or of the record within it) being handled, per async context. */
const invocation = new AsyncLocalStorage<Readonly<Record<string, unknown>>>();

/**
 * Runs `fn` with `fields` added to every log line and audit record written inside it (nested calls add to the
 * outer fields: the invocation's request id, then a record's correlation id). Metric lines are not touched.
 */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return invocation.run({ ...invocation.getStore(), ...fields }, fn);
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SECRET_KEY = /secret|token|password|authorization|signature|api[-_]?key|credential|assertion|cookie/i;
/**
 * Keys holding URLs (`url`, `responseUrl`, `replyUrl`, `response_url`, `callbackUrl`, `webhook`…): chat reply
 * URLs are bearer capabilities (Slack's response_url path, a Teams Workflows URL's `sig`), so only the origin
 * of such a value is logged.
 */
const URL_KEY = /ur[li]$|href|webhook/i;
/** Secrets found inside any string value: replaced wherever they appear, with what identifies them kept. */
const SECRET_VALUE: readonly [RegExp, string][] = [
  [/Bearer\s+[A-Za-z0-9._~+/-]+=*/g, '[REDACTED]'],
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[REDACTED]'],
  // Slack tokens: bot, user, app-level, configuration, refresh (xoxb-, xoxp-, xapp-, xoxe.xoxp-, xoxe-…).
  [/\bx(?:ox[a-z]|app)(?:\.xox[a-z])?-[A-Za-z0-9-]+/g, '[REDACTED]'],
  // Capability URLs whose path is the secret: Slack response_url / incoming webhooks, Teams (O365) connectors.
  [/(https?:\/\/(?:hooks\.slack\.com|[A-Za-z0-9.-]*webhook\.office\.com))\/[^\s"'<>]*/gi, '$1/[REDACTED]'],
  // Signed or secret query/form parameters (Teams Workflows / Azure `sig=`, tokens, keys, a URL-valued
  // `response_url=` of a logged form body) in any URL or text.
  [
    /((?:^|[?&;\s])(?:sig|signature|[A-Za-z_]*token|[A-Za-z_]*secret|api[-_]?key|key|code|[A-Za-z_]*url)=)[^&#\s"'<>]+/gi,
    '$1[REDACTED]',
  ],
];

const redactString = (s: string): string => SECRET_VALUE.reduce((out, [re, by]) => out.replace(re, by), s);

/** A URL reduced to its origin (`https://host[:port]`), which is what a log reader needs to know where it went. */
function urlOrigin(v: string): string {
  try {
    const u = new URL(v);
    return u.pathname === '/' && !u.search && !u.username ? u.origin : `${u.origin}/[REDACTED]`;
  } catch {
    return '[REDACTED]';
  }
}

/** Redacts secret-looking keys and values, recursively; safe on cycles and errors. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; statusCode?: unknown };
    return redact(
      { name: e.name, message: e.message, code: e.code, status: e.statusCode, cause: e.cause },
      depth + 1,
      seen,
    );
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k) && v !== undefined && typeof v !== 'boolean') out[k] = '[REDACTED]';
    else if (URL_KEY.test(k) && typeof v === 'string') out[k] = urlOrigin(v);
    else out[k] = redact(v, depth + 1, seen);
  }
  return out;
}

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
  audit(record: AuditRecord): void;
  /**
   * One metric data point as an EMF line (shared/metrics.ts). Written whatever LOG_LEVEL says: alarms watch
   * these. `dims` are short labels (a source, a reason), never user data.
   */
  metric(name: MetricName, value?: number, opts?: { unit?: MetricUnit; dims?: MetricDimensions }): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface AuditRecord {
  action: string;
  trigger: { kind: string; id: string; by?: string };
  target: Record<string, unknown>;
  before?: unknown;
  after?: unknown;
  result: 'success' | 'skipped' | 'failed' | 'dry-run' | 'refused';
  reason?: string;
}

export type LogSink = (line: string) => void;

export function createLogger(opts: { level?: Level; fields?: Record<string, unknown>; sink?: LogSink } = {}): Logger {
  const level = opts.level ?? (process.env.LOG_LEVEL as Level | undefined) ?? 'info';
  const sink = opts.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = opts.fields ?? {};
  const write = (lvl: Level, msg: string, data?: Record<string, unknown>, always = false) => {
    if (!always && ORDER[lvl] < (ORDER[level] ?? 20)) return;
    const context = invocation.getStore();
    sink(JSON.stringify(redact({ level: lvl, time: new Date().toISOString(), msg, ...context, ...base, ...data })));
  };
  return {
    debug: (m, d) => write('debug', m, d),
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d),
    // The audit trail must not depend on how chatty the logs are set: LOG_LEVEL=warn keeps audits.
    audit: (record) => write('info', 'audit', { type: 'audit', ...record }, true),
    // No base fields or redaction: an EMF line holds only the metric, its dimensions and `_aws`.
    metric: (name, value = 1, o = {}) => sink(JSON.stringify(emfLine(name, value, o.unit, o.dims))),
    child: (fields) => createLogger({ level, sink, fields: { ...base, ...fields } }),
  };
}

/** The container's logger; functions add request ids with `child`. */
export const logger = createLogger();
