/**
 * The one way this project turns untrusted text into typed values: JSON bodies parsed with a clear 400, zod
 * schemas applied with one error map, and one formatter for the issues. Ingress (webhooks, chat forms), queue
 * consumers, configuration and the windows file all use it, so a mistake reads the same wherever it is found.
 * zod/mini (functional API) rather than classic zod: it tree-shakes, which keeps the ingress bundles small.
 * Import it as `import * as z from 'zod/mini'`: the named `{ z }` export is a namespace object that esbuild
 * cannot tree-shake, and it drags every locale and the JSON-schema code in (≈430 KB instead of ≈24 KB).
 */
import type * as z from 'zod/mini';
import { ValidationError } from '../errors.js';

/**
 * JSON.parse with a clear 400 instead of a raw SyntaxError.
 * @param what names the document in the message, e.g. "PagerDuty webhook body".
 * @throws ValidationError on an empty body or invalid JSON.
 */
export function parseJsonBody(raw: string, what = 'request body'): unknown {
  if (raw.trim() === '') throw new ValidationError(`${what} is empty`);
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw new ValidationError(`${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Per-parse error map. zod/mini ships without a locale (every message is "Invalid input"), and loading one
 * globally would change messages for every other schema in the process, so sources pass this map explicitly.
 * Messages describe the rule, never echo the input (it may be large or sensitive).
 */
export const issueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `expected ${issue.expected}, got ${kindOf(issue.input)}`;
    case 'invalid_format':
      if (issue.format === 'email') return 'invalid email address';
      if (issue.format === 'url') return 'invalid http(s) URL';
      return `invalid ${issue.format}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return `must have at least ${String(issue.minimum)} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'too_big':
      return `must have at most ${String(issue.maximum)} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'unrecognized_keys':
      return `unknown keys: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed shape';
    default:
      return undefined; // keep zod's own (or a schema's custom) message
  }
};

export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, seg) => {
    if (typeof seg === 'number') return `${acc}[${seg}]`;
    return acc === '' ? String(seg) : `${acc}.${String(seg)}`;
  }, '') || '(root)';

/** Issues reported in one error message; more would only bloat a 400 body and the logs. */
const MAX_REPORTED_ISSUES = 10;

/**
 * One line for a zod error: `path: message` per issue, joined by "; ", e.g.
 * `event.event_type: required; event.data.id: expected string, got number`. Array indexes are written
 * `a[0].b`, or `a.0.b` with `dotted` (configuration documents, where that is how people name the place).
 */
export function formatZodIssues(
  error: { readonly issues: readonly z.core.$ZodIssue[] },
  opts: { dotted?: boolean } = {},
): string {
  const path = (p: readonly PropertyKey[]) => (opts.dotted ? p.map(String).join('.') || '(root)' : formatPath(p));
  const shown = error.issues.slice(0, MAX_REPORTED_ISSUES).map((i) => `${path(i.path)}: ${i.message}`);
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; (+${more} more)` : shown.join('; ');
}

/**
 * Validates `data` against `schema` with {@link issueMessage}, returning the typed output.
 * @throws ValidationError `invalid <what>: <formatZodIssues>` with the issues in `details`.
 */
export function parseWithSchema<S extends z.ZodMiniType>(schema: S, data: unknown, what: string): z.output<S> {
  const result = schema.safeParse(data, { error: issueMessage });
  if (result.success) return result.data;
  throw new ValidationError(`invalid ${what}: ${formatZodIssues(result.error)}`, {
    details: { issues: result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) },
  });
}

/**
 * The distinct paths of a zod error's issues, comma-separated, each prefixed by `prefix` when given — for
 * documents that hold secrets, where even a message could echo a secret value.
 */
export function formatIssuePaths(error: { readonly issues: readonly z.core.$ZodIssue[] }, prefix?: string): string {
  const paths = error.issues.map((i) =>
    prefix === undefined ? formatPath(i.path) : [prefix, ...i.path.map(String)].join('.'),
  );
  return [...new Set(paths)].join(', ');
}
