/**
 * Finding affected users' email addresses in loosely structured incident payloads. Incident tools carry the
 * affected user wherever the customer put it (custom details, custom fields, the title), in whatever form.
 */
import { isEmail } from '../validation/email.js';

/** Nesting accepted inside a value (arrays of arrays): bounds the work a hostile payload can cause. */
const MAX_DEPTH = 4;

// Wrapping punctuation that appears around addresses in free text: "Alice <alice@x.io>", "(bob@x.io),", "x@y.io."
const TRIM = /^[<("'[{]+|[>)"'\]}.,:;!?]+$/g;

/**
 * Valid email addresses in `value`: a string holding one address or a comma/semicolon/space-separated list (or
 * free text), or an array of such values. Invalid tokens are skipped. Output is lower-cased and de-duplicated.
 */
export function extractEmails(value: unknown, depth = 0): string[] {
  const found = new Set<string>();
  if (typeof value === 'string') {
    for (const token of value.split(/[\s,;]+/)) {
      const candidate = token.replace(TRIM, '').replace(/^mailto:/i, '');
      if (candidate.includes('@') && isEmail(candidate)) found.add(candidate.toLowerCase());
    }
  } else if (Array.isArray(value) && depth < MAX_DEPTH) {
    for (const item of value) for (const e of extractEmails(item, depth + 1)) found.add(e);
  }
  return [...found];
}

/**
 * Value at a dotted path such as `custom_details.affected_user`. Only own properties are followed, so paths like
 * `__proto__.x` or `constructor.name` read nothing. Through an array, a numeric segment indexes it; any other
 * segment selects the element whose `name` equals it and continues from its `value` — the shape of PagerDuty
 * incident custom fields (`custom_fields: [{ name: "affected_user", value: "…" }]`).
 */
export function valueAtPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const segment of path.split('.')) {
    if (segment === '' || current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      if (/^\d+$/.test(segment)) {
        current = current[Number(segment)];
        continue;
      }
      const field: unknown = current.find(
        (el: unknown) => el !== null && typeof el === 'object' && (el as { name?: unknown }).name === segment,
      );
      current = field === undefined ? undefined : (field as { value?: unknown }).value;
      continue;
    }
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Emails found at each of `paths` under `root`, in path order, lower-cased and de-duplicated. */
export function emailsAtPaths(root: unknown, paths: readonly string[]): string[] {
  const found = new Set<string>();
  for (const path of paths) for (const e of extractEmails(valueAtPath(root, path))) found.add(e);
  return [...found];
}

/**
 * Affected users taken from one incident event, whatever the source: each fans out to a ZDX device search and up
 * to a deep trace per device (15 at a time per tenant), so an event naming thousands would only queue work that
 * never reaches the front and one search with thousands of parameters. The first ones are kept; the event is
 * still acted on and the answer and the log say how many were left out (docs/sources.md, "Affected users").
 * This is the default of `MAX_AFFECTED_USERS` and its ceiling: it equals the queue contract's bound on a command
 * (`MAX_COMMAND_USERS`, which a test keeps equal), so whatever a deployment configures the consumer accepts.
 */
export const MAX_USER_EMAILS = 50;

/** The distinct addresses of the lists, in order (a source's candidates, before {@link capUserEmails}). */
export const distinctEmails = (...lists: readonly string[][]): string[] => [...new Set(lists.flat())];

/**
 * The first `max` of `emails` (the configured `MAX_AFFECTED_USERS`, at most {@link MAX_USER_EMAILS}) and how many
 * were left out.
 */
export function capUserEmails(
  emails: readonly string[],
  max: number = MAX_USER_EMAILS,
): { kept: string[]; omitted: number } {
  // Never past the contract's bound, whatever a caller passes: a command over it would be refused by its consumer.
  const cap = Number.isFinite(max) ? Math.max(1, Math.min(MAX_USER_EMAILS, Math.floor(max))) : MAX_USER_EMAILS;
  return { kept: emails.slice(0, cap), omitted: Math.max(0, emails.length - cap) };
}

/**
 * A list for a message or a log line, never longer than `max` items: `a, b, c … and 9,950 more`. A list taken
 * from a request must not turn one failure text or log line into hundreds of kilobytes.
 */
export function listText(items: readonly string[], max = 10): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} … and ${(items.length - max).toLocaleString('en-US')} more`;
}
