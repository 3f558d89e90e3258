/**
 * The affected user of a PagerDuty incident, found the way PagerDuty exposes it: a v3 incident webhook carries no
 * alert details and no custom field values, so they are read from the REST API —
 * `GET {base}/incidents/{id}/alerts` (each alert's `body.details`, and `body.cef_details.details`, where an Events
 * API v2 `payload.custom_details` lands) and `GET {base}/incidents/{id}/custom_fields/values` — with
 * `Authorization: Token token=<API key>` and `Accept: application/vnd.pagerduty+json;version=2`.
 *
 * The configured `PAGERDUTY_EMAIL_FIELDS` keep their meaning: each is read against a document shaped like the
 * webhook's `event.data` would be if it carried everything —
 * `custom_details.<key>` (an alert's details), `body.<path>` (an alert's body) and `custom_fields.<name>` (the
 * incident's custom field values, `[{ name, value }]`) — once per alert, the results combined.
 *
 * Bounded: both calls run at once under one timeout (default 3 s); the first 25 alerts are read (an incident's
 * affected user is on its first alerts). Answers are cached per incident for a few minutes so a redelivered
 * webhook costs no second lookup. An unknown incident (404) has no users; a refused key (401/403) is a
 * ConfigError; PagerDuty slow or down (timeout, 429, 5xx) is a retryable AppError. The runtime's fetch is used, not
 * undici, so an ingress bundle that calls this stays small.
 */
import { AppError, ConfigError } from '../../errors.js';
import { distinctEmails, emailsAtPaths } from '../emails.js';

export const PAGERDUTY_LOOKUP_TIMEOUT_MS = 3_000;
/** Alerts read per incident. */
export const MAX_ALERTS = 25;

export interface PagerDutyLookupDeps {
  baseUrl: string;
  apiToken: string;
  /** `PAGERDUTY_EMAIL_FIELDS`: dotted paths, see the module comment. */
  emailFields: readonly string[];
  timeoutMs?: number;
  cache?: PagerDutyLookupCache;
}

/** Per-incident answers kept for `ttlMs`, at most `max` incidents (the oldest go first). */
export function pagerDutyLookupCache(ttlMs = 5 * 60_000, max = 500, now: () => number = Date.now) {
  const entries = new Map<string, { at: number; emails: string[] }>();
  return {
    get(id: string): string[] | undefined {
      const e = entries.get(id);
      if (!e) return undefined;
      if (now() - e.at >= ttlMs) {
        entries.delete(id);
        return undefined;
      }
      return [...e.emails];
    },
    set(id: string, emails: string[]) {
      entries.delete(id);
      entries.set(id, { at: now(), emails: [...emails] });
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
    },
  };
}
export type PagerDutyLookupCache = ReturnType<typeof pagerDutyLookupCache>;

const asObject = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * The emails at `fields` in what PagerDuty's REST API answered (pure: the answers' bodies, parsed JSON).
 * Anything not shaped as documented reads as nothing.
 */
export function emailsFromPagerDuty(
  alertsAnswer: unknown,
  customFieldsAnswer: unknown,
  fields: readonly string[],
): string[] {
  const alerts = asObject(alertsAnswer)?.alerts;
  const customFields = asObject(customFieldsAnswer)?.custom_fields;
  const fieldValues = Array.isArray(customFields) ? customFields.slice(0, 100) : [];
  const docs = (Array.isArray(alerts) ? alerts.slice(0, MAX_ALERTS) : []).map((alert) => {
    const body = asObject(asObject(alert)?.body);
    const details = asObject(body?.details) ?? asObject(asObject(body?.cef_details)?.details);
    return { custom_details: details, body, custom_fields: fieldValues };
  });
  // Custom fields belong to the incident: read once even when it has no alerts.
  if (docs.length === 0) docs.push({ custom_details: undefined, body: undefined, custom_fields: fieldValues });
  return distinctEmails(...docs.map((d) => emailsAtPaths(d, fields)));
}

async function getJson(url: string, deps: PagerDutyLookupDeps, signal: AbortSignal): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Token token=${deps.apiToken}`, accept: 'application/vnd.pagerduty+json;version=2' },
      signal,
    });
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? 'no answer in time' : (e as Error).name;
    throw new AppError('pagerduty_unavailable', `PagerDuty lookup failed: ${why}`, 503, true);
  }
  if (res.status === 404) return undefined;
  if (res.status === 401 || res.status === 403)
    throw new ConfigError(`PagerDuty refused the lookup's API key (${res.status})`);
  if (res.status === 429 || res.status >= 500)
    throw new AppError('pagerduty_unavailable', `PagerDuty lookup failed: ${res.status}`, 503, true);
  if (!res.ok)
    throw new AppError('pagerduty_lookup_refused', `PagerDuty refused the lookup (${res.status})`, 502, false);
  try {
    return await res.json();
  } catch {
    return undefined;
  }
}

/**
 * The affected users' emails for PagerDuty incident `incidentId` (lower-cased, de-duplicated; empty when none).
 * @throws AppError (retryable when PagerDuty was slow or down), ConfigError for a refused key.
 */
export async function lookupPagerDutyUsers(incidentId: string, deps: PagerDutyLookupDeps): Promise<string[]> {
  const cached = deps.cache?.get(incidentId);
  if (cached) return cached;
  const base = `${deps.baseUrl.replace(/\/+$/, '')}/incidents/${encodeURIComponent(incidentId)}`;
  const signal = AbortSignal.timeout(deps.timeoutMs ?? PAGERDUTY_LOOKUP_TIMEOUT_MS);
  const [alerts, fields] = await Promise.all([
    getJson(`${base}/alerts?limit=${MAX_ALERTS}`, deps, signal),
    getJson(`${base}/custom_fields/values`, deps, signal),
  ]);
  const emails = emailsFromPagerDuty(alerts, fields, deps.emailFields);
  deps.cache?.set(incidentId, emails);
  return emails;
}
