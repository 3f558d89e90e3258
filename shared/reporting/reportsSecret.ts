/**
 * The credentials the incident reports use: a Secrets Manager JSON of its own
 * (`zscaler-automation/<stage>/reports`), read only by the trace reconciler, so the internet-facing functions
 * never hold a token that can write into incidents, and the trace reconciler never holds a signing secret.
 *
 * ```json
 * {
 *   "pagerduty":  { "apiToken": "…", "fromEmail": "automation@corp.example" },
 *   "servicenow": { "username": "…", "password": "…" }   or   { "bearerToken": "…" },
 *   "opsgenie":   { "apiKey": "…" },
 *   "slack":      { "botToken": "xoxb-…" }
 * }
 * ```
 *
 * Only the sections of the sinks in use are needed. Each is validated when its sink first uses it: a mistake in
 * one fails only that sink's reports (logged with the section and field, never the value).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { jsonSecret, type SecretSource } from '../aws/secrets.js';
import { AppError, ConfigError } from '../errors.js';
import { emailSchema } from '../validation/email.js';
import { formatIssuePaths } from '../validation/parse.js';

const token = () => z.string().check(z.minLength(8), z.maxLength(1024));

export const reportSectionSchemas = {
  /**
   * A PagerDuty REST API key (account or user token) and the email of a PagerDuty user: PagerDuty requires a
   * `From` header naming the user a note is written as.
   */
  pagerduty: z.object({ apiToken: token(), fromEmail: emailSchema }),
  /** A ServiceNow user with write access to `incident.work_notes` (basic auth), or an OAuth access token. */
  servicenow: z.union([
    z.object({ username: z.string().check(z.minLength(1), z.maxLength(256)), password: token() }),
    z.object({ bearerToken: token() }),
  ]),
  /** An Opsgenie API integration key with read and update (notes) access. */
  opsgenie: z.object({ apiKey: token() }),
  /** A Slack bot token with `chat:write`, its bot a member of the incident channel. */
  slack: z.object({ botToken: z.string().check(z.regex(/^xox[bp]-[A-Za-z0-9-]{8,}$/, 'must be a Slack token')) }),
};
export type ReportSectionName = keyof typeof reportSectionSchemas;
export type ReportSection<K extends ReportSectionName> = z.infer<(typeof reportSectionSchemas)[K]>;

/** The secret as loaded: sections not looked at yet. */
const reportsSecretSchema = z.object({
  pagerduty: z.optional(z.unknown()),
  servicenow: z.optional(z.unknown()),
  opsgenie: z.optional(z.unknown()),
  slack: z.optional(z.unknown()),
});
export type ReportsSecret = z.infer<typeof reportsSecretSchema>;

/**
 * One section, validated now.
 * @throws ConfigError naming the section (missing) or its bad fields (paths only: the values are secrets).
 */
export function reportSection<K extends ReportSectionName>(secret: ReportsSecret, name: K): ReportSection<K> {
  const raw = secret[name];
  if (raw === undefined) throw new ConfigError(`reports secret: no "${name}" section configured`);
  const r = (reportSectionSchemas[name] as z.ZodMiniType).safeParse(raw);
  if (!r.success)
    throw new ConfigError(`reports secret: the "${name}" section is invalid: ${formatIssuePaths(r.error, name)}`);
  return r.data as ReportSection<K>;
}

/**
 * The reports secret, cached for `ttlSeconds`. A secret that does not exist is a deployment that has not set
 * reports up: a ConfigError (not retried), where any other read failure stays retryable.
 */
export function reportsSecret(
  secretId: string,
  ttlSeconds: number,
  client?: SecretsManagerClient,
): SecretSource<ReportsSecret> {
  const source = jsonSecret({ secretId, schema: reportsSecretSchema, ttlMs: ttlSeconds * 1000, client });
  const missing = (e: unknown) =>
    e instanceof AppError &&
    e.code === 'secret_unavailable' &&
    (e.cause as Error | undefined)?.name === 'ResourceNotFoundException'
      ? new ConfigError(
          `reports secret ${secretId} does not exist: create it (README "Secrets") or set INCIDENT_REPORTS`,
        )
      : e;
  return {
    get: () => source.get().catch((e) => Promise.reject(missing(e))),
    refresh: () => source.refresh().catch((e) => Promise.reject(missing(e))),
  };
}
