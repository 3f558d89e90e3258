/**
 * Configuration from the environment, parsed once per container by a zod/mini schema. Each function declares
 * the keys it needs by composing the field groups below, so an ingress function never asks for Zscaler keys.
 * A missing or bad value fails the cold start with one message naming every bad key. No secret is ever read
 * from the environment: only the *ids* of Secrets Manager secrets live here.
 */
import * as z from 'zod/mini';
import { ConfigError } from './errors.js';
import { MAX_USER_EMAILS } from './incidents/emails.js';
import { DEFAULT_INCIDENT_REPORTS, parseIncidentRoutes } from './reporting/routes.js';
import { formatZodIssues } from './validation/parse.js';
import { SESSION_MINUTES, type SessionMinutes } from './zdx/sessionLengths.js';
import type { ZscalerOptions } from './zscaler/clients.js';

// `prefault` feeds the default through the parser, so defaults and env values are converted alike.
const int = (min: number, max: number, dflt: number) =>
  z.prefault(
    z.pipe(
      z.string(),
      z.transform((v, ctx) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max) {
          ctx.issues.push({ code: 'custom', message: `must be an integer between ${min} and ${max}`, input: v });
          return z.NEVER;
        }
        return n;
      }),
    ),
    String(dflt),
  );

const missingOr = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});
const url = () => z.url({ protocol: /^https?$/, ...missingOr('an http(s) URL') });
const text = () => z.string(missingOr('a string')).check(z.minLength(1, 'is required'));
const csv = (dflt: string) =>
  z.prefault(
    z.pipe(
      z.string(),
      z.transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ),
    dflt,
  );

export const commonFields = {
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
  STAGE: z._default(z.string(), 'dev'),
};

export const queueFields = {
  /** The command queue the ingress functions write to and the worker reads from. */
  WORK_QUEUE_URL: url(),
};

export const traceQueueFields = {
  /** The serialised queue of the trace reconciler (incident opens and resolves, chat traces, ticks). */
  TRACE_QUEUE_URL: url(),
};

export const ledgerFields = {
  /** The incident ledger's DynamoDB table. */
  LEDGER_TABLE: text(),
  /** Days a ledger record is kept after its last change (DynamoDB TTL). */
  LEDGER_RETENTION_DAYS: int(1, 365, 30),
};

export const policyQueueFields = {
  /** The serialised queue for ZPA policy changes (bypass commands, reconcile). */
  POLICY_QUEUE_URL: url(),
};

/** What every signed-webhook ingress (incident webhooks, Slack, Teams) needs. */
export const webhookFields = {
  /** Secrets Manager id of the JSON holding webhook signing secrets (see README "Secrets"). */
  WEBHOOK_SECRET_ID: text(),
  MAX_BODY_BYTES: int(1024, 1_048_576, 262_144),
  SECRET_CACHE_TTL_SECONDS: int(0, 86_400, 300),
};

/** Incident webhooks only (PagerDuty, generic HMAC). */
export const incidentFields = {
  /** Dotted paths under PagerDuty's `event.data` where the affected user's email may be found. */
  PAGERDUTY_EMAIL_FIELDS: csv('custom_details.affected_user,custom_details.user_email,body.details.affected_user'),
  /** Keys of an Opsgenie / JSM alert's `details` where the affected user's email may be found. */
  OPSGENIE_USER_FIELDS: csv('affected_user,user_email,user'),
  /** Signed incident events that happened longer ago than this are ignored: a captured delivery cannot be replayed later. */
  MAX_EVENT_AGE_SECONDS: int(60, 7 * 86_400, 3_600),
  /**
   * Affected users acted on per incident event (the first ones; the answer counts the rest). At most the queue
   * contract's bound on a command, which the trace reconciler and the ledger enforce (shared/incidents/emails.ts).
   */
  MAX_AFFECTED_USERS: int(1, MAX_USER_EMAILS, MAX_USER_EMAILS),
};

export const zscalerFields = {
  /** Secrets Manager id of the Zscaler credentials JSON. */
  ZSCALER_SECRET_ID: text(),
  /** `legacy`: ZDX API key + ZPA API key on the product hosts; `oneapi`: one ZIdentity client on api.zsapi.net. */
  ZSCALER_AUTH_MODE: z._default(z.enum(['legacy', 'oneapi']), 'legacy'),
  ZDX_BASE_URL: z._default(url(), 'https://api.zdxcloud.net'),
  ZPA_BASE_URL: z._default(url(), 'https://config.private.zscaler.com'),
  ONEAPI_BASE_URL: z._default(url(), 'https://api.zsapi.net'),
  /** e.g. https://<vanity>.zslogin.net/oauth2/v1/token — required in oneapi mode. */
  ZIDENTITY_TOKEN_URL: z.optional(url()),
  ZPA_CUSTOMER_ID: z.optional(z.string().check(z.regex(/^\d+$/, 'must be the numeric ZPA customer id'))),
  ZPA_MICROTENANT_ID: z.optional(z.string().check(z.regex(/^\d+$/, 'must be a numeric microtenant id'))),
  HTTP_TIMEOUT_MS: int(100, 60_000, 10_000),
  /** ZDX allows 5 requests per second per calling IP on every tier. */
  ZDX_REQUESTS_PER_SECOND: int(1, 5, 5),
  /** A ZDX tier's per-minute budget, paced as well when set (0: the tier has none beyond the per-second limit). */
  ZDX_REQUESTS_PER_MINUTE: int(0, 10_000, 0),
  SECRET_CACHE_TTL_SECONDS: int(0, 86_400, 300),
};

/**
 * The one place the Zscaler keys become the HTTP core's options (shared/zscaler takes options, never this
 * config). The ZPA tenant (customer and microtenant id) is not the core's: the handlers pass it to the ZPA
 * resource scope.
 */
export function zscalerOptionsFromConfig(
  config: ConfigOf<typeof zscalerFields>,
  /** This function's share of ZPA's GETs per 10 s (below); absent: ZPA's whole published budget. */
  zpaReads?: number,
): ZscalerOptions {
  let auth: ZscalerOptions['auth'];
  if (config.ZSCALER_AUTH_MODE === 'oneapi') {
    if (!config.ZIDENTITY_TOKEN_URL)
      throw new ConfigError('invalid configuration: ZIDENTITY_TOKEN_URL: is required in oneapi mode');
    auth = { mode: 'oneapi', gatewayUrl: config.ONEAPI_BASE_URL, tokenUrl: config.ZIDENTITY_TOKEN_URL };
  } else {
    auth = { mode: 'legacy', zdxBaseUrl: config.ZDX_BASE_URL, zpaBaseUrl: config.ZPA_BASE_URL };
  }
  return {
    auth,
    timeouts: { requestMs: config.HTTP_TIMEOUT_MS },
    rateLimits: {
      zdxRequestsPerSecond: config.ZDX_REQUESTS_PER_SECOND,
      zdxRequestsPerMinute: config.ZDX_REQUESTS_PER_MINUTE || undefined,
      zpa: zpaReads === undefined ? undefined : zpaShare(zpaReads),
    },
  };
}

/**
 * ZPA allows 20 GET and 10 writes per 10 s per calling IP. The reconciler and the worker (status) call it from one
 * egress and pace separately, so the GET budget is split between them (serverless.yml's params, whose sums
 * test/unit/deployment.test.ts checks). Two keys, not one: the local stack runs every function in one process.
 */
export const zpaReconcilerFields = {
  /** The reconciler's share of ZPA's 20 GET per 10 s; it is the only writer and keeps all 10 writes. */
  ZPA_READS_PER_10S: int(1, 20, 16),
};
export const zpaStatusFields = {
  /** The worker's (status) share of ZPA's 20 GET per 10 s; it never writes. */
  ZPA_STATUS_READS_PER_10S: int(1, 20, 4),
};

/** A function's ZPA pacing for its GET share: all 10 writes per 10 s (only the reconciler has a write path). */
const zpaShare = (reads: number) => ({ getPer10s: reads, writePer10s: 10, windowMs: 10_000 });

export const traceFields = {
  /** ZDX only finds devices active in the last 2 hours unless asked for a wider window. */
  ZDX_DEVICE_LOOKBACK_HOURS: int(1, 24 * 14, 24),
  TRACE_SESSION_MINUTES: z.prefault(
    z.pipe(
      z.enum(SESSION_MINUTES.map(String)),
      z.transform((s) => Number(s) as SessionMinutes),
    ),
    '5',
  ),
  /** Seconds between two checks of a running trace (the delay of the reconciler's wake-up: 0..900 s). */
  TRACE_CHECK_DELAY_SECONDS: int(0, 900, 60),
  /** Give up tracking after this many checks (the trace keeps running in ZDX). */
  TRACE_MAX_CHECKS: int(1, 1000, 90),
  /** The tenant's active deep-trace budget (ZDX: about 15 per tenant). */
  MAX_ACTIVE_TRACES: int(1, 100, 15),
  /** The device's page in the ZDX portal, linked from trace reports: a URL with `{deviceId}`, or a base. */
  ZDX_PORTAL_DEVICE_URL: z.optional(url()),
};

export const reportFields = {
  /** Where outcomes (trace summaries, bypass results, problems) are POSTed as JSON. Always logged too. */
  REPORT_CALLBACK_URL: z.optional(url()),
};

/**
 * The trace reconciler's reports into the incident itself (shared/reporting/routes.ts, docs/sources.md
 * "Reports back into the incident"): which sink each source's outcomes go to, and where each vendor's API is.
 */
export const incidentReportFields = {
  /** `<source>=<sink>[+<sink>]` pairs, `*` for every other source; sinks: note, worknote, slack, none. */
  INCIDENT_REPORTS: z.prefault(
    z.pipe(
      z.string(),
      z.transform((v, ctx) => {
        try {
          return parseIncidentRoutes(v);
        } catch (e) {
          ctx.issues.push({ code: 'custom', message: (e as Error).message, input: v });
          return z.NEVER;
        }
      }),
    ),
    DEFAULT_INCIDENT_REPORTS,
  ),
  /** Secrets Manager id of the vendor API credentials the reports use (README "Secrets"). */
  REPORTS_SECRET_ID: text(),
  PAGERDUTY_API_BASE_URL: z._default(url(), 'https://api.pagerduty.com'),
  /** `https://<instance>.service-now.com`: where work notes are written (none: ServiceNow reports fail, logged). */
  SERVICENOW_INSTANCE_URL: z.optional(url()),
  /** `https://api.opsgenie.com`, or `https://api.eu.opsgenie.com` for an EU account. */
  OPSGENIE_API_BASE_URL: z._default(url(), 'https://api.opsgenie.com'),
  /** The Slack channel id (`C…`) incident threads are posted in; required when a source reports to `slack`. */
  INCIDENT_SLACK_CHANNEL: z.optional(z.string().check(z.regex(/^[CG][A-Z0-9]{2,30}$/, 'must be a Slack channel id'))),
  INCIDENT_SLACK_API_BASE_URL: z._default(url(), 'https://slack.com/api'),
};

type Shape = Record<string, z.core.$ZodType>;
export type ConfigOf<S extends Shape> = Readonly<z.infer<z.ZodMiniObject<S>>>;

/**
 * Parses `env` against the given field groups. Throws one ConfigError listing every bad key.
 * @example const config = loadConfig({ ...commonFields, ...queueFields });
 */
export function loadConfig<S extends Shape>(shape: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const schema = z.object(shape);
  // Treat empty strings as unset so `${env:X, ''}` in serverless.yml behaves like a missing value.
  const input = Object.fromEntries(Object.keys(shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(`invalid configuration: ${formatZodIssues(result.error)}`);
  }
  return Object.freeze(result.data) as ConfigOf<S>;
}

export const maintenanceFields = {
  /** Local runs and tests: read the windows from this JSON file instead of the bundled one. */
  WINDOWS_FILE: z.optional(text()),
  /** `true` forces dry-run whatever the windows file says: plans are logged, nothing is written. */
  BYPASS_DRY_RUN: z._default(z.enum(['true', 'false']), 'false'),
  /** A bypass still in force this long past its end counts as overdue (the bypass-overdue alarm). */
  BYPASS_OVERDUE_GRACE_SECONDS: int(0, 3600, 180),
};

/** The reconciler's emergency stops of windows (shared/windows/stops.ts): one item of the ledger table. */
export const windowStopFields = { LEDGER_TABLE: ledgerFields.LEDGER_TABLE };

/** Both chat functions (Slack and Teams). */
export const chatopsFields = {
  /** Who may do what from chat, as JSON; unset → the bundled config/chatops-permissions.json. */
  CHATOPS_PERMISSIONS: z.optional(text()),
  /**
   * How long after acknowledging a chat command its check follows on the work queue (shared/commands/receipts.ts):
   * by then the command's consumer must have received it, else the requester hears it was lost. 0: no checks.
   * Longer than the policy queue can take to reach a command (runs of at most 60 s, one at a time); SQS's
   * delay limit is 900.
   */
  COMMAND_CHECK_DELAY_SECONDS: int(0, 900, 300),
};

/** The Slack slash-command function only. */
export const slackFields = {
  /** Slack Web API base (users.info for `trace me`); the local stack points it at its fake Slack. */
  SLACK_API_BASE_URL: z._default(url(), 'https://slack.com/api'),
};
