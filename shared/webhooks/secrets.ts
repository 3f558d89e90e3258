/**
 * The webhook signing secrets: a second Secrets Manager JSON, separate from the Zscaler credentials so the
 * internet-facing functions can read only this one. Lists allow two secrets at once during rotation.
 *
 * One secret serves every ingress function, so its sections are validated one at a time, when the source
 * that uses a section asks for it ({@link webhookSection}): a mistake in `teams` fails Teams requests (with a
 * message naming the section), never PagerDuty's.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { jsonSecret, type SecretSource } from '../aws/secrets.js';
import { ConfigError } from '../errors.js';
import { formatIssuePaths } from '../validation/parse.js';

const secretList = z.array(z.string().check(z.minLength(16))).check(z.minLength(1));
/** The newer sources: one secret, or two while rotating (each is tried on every request, so no more). */
const rotatingList = <T extends z.ZodMiniType>(item: T) => z.array(item).check(z.minLength(1), z.maxLength(2));
const secretText = () => z.string().check(z.minLength(16), z.maxLength(512));
// A Standard Webhooks secret: `whsec_` and the base64 of the key; 16 key bytes at least (the senders use 24-64).
const whsecSecret = z
  .string()
  .check(
    z.refine(
      (s) => /^(whsec_)?[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s.replace(/^whsec_/, ''), 'base64').length >= 16,
      'must be whsec_ followed by the base64 of at least 16 bytes',
    ),
  );

/** The schema of each section, by the key it has in the secret. */
export const webhookSectionSchemas = {
  pagerduty: secretList,
  generic: secretList,
  slack: z.object({ signingSecret: z.string().check(z.minLength(16)), botToken: z.optional(z.string()) }),
  // replyUrl: the Teams Workflows (or incoming-webhook) URL that later outcomes are posted to. It embeds its
  // own signature, so it is a secret too, not configuration.
  teams: z.object({
    securityToken: z.string().check(z.minLength(16)),
    replyUrl: z.optional(z.url({ protocol: /^https?$/ })),
  }),
  /** The token Opsgenie / JSM sends in `X-Webhook-Token` (or `?token=`). */
  opsgenie: rotatingList(secretText()),
  /**
   * ServiceNow: the HMAC secret its business rule signs with (`hmacSecrets`), and/or the user and password of
   * its REST Message's basic auth (`basicAuth`); at least one of the two.
   */
  servicenow: z
    .object({
      hmacSecrets: z.optional(rotatingList(secretText())),
      basicAuth: z.optional(
        rotatingList(
          z.object({ username: z.string().check(z.minLength(1)), password: z.string().check(z.minLength(16)) }),
        ),
      ),
    })
    .check(z.refine((s) => Boolean(s.hmacSecrets || s.basicAuth), 'needs hmacSecrets or basicAuth')),
  /** The token in the Datadog webhook's custom header `X-Webhook-Token`. */
  datadog: rotatingList(secretText()),
  /** incident.io's endpoint signing secret(s), `whsec_…` (any Standard Webhooks sender). */
  incidentio: rotatingList(whsecSecret),
  /** The Rootly webhook's secret. */
  rootly: rotatingList(secretText()),
  /** The token(s) in the Statuspage subscription URL's last path segment (`/webhooks/statuspage/<token>`). */
  statuspage: rotatingList(secretText()),
};
export type WebhookSectionName = keyof typeof webhookSectionSchemas;
export type WebhookSection<K extends WebhookSectionName> = z.infer<(typeof webhookSectionSchemas)[K]>;

/** The secret as loaded: a JSON object whose sections are not looked at yet. */
export const webhookSecretSchema = z.object({
  pagerduty: z.optional(z.unknown()),
  generic: z.optional(z.unknown()),
  slack: z.optional(z.unknown()),
  teams: z.optional(z.unknown()),
  opsgenie: z.optional(z.unknown()),
  servicenow: z.optional(z.unknown()),
  datadog: z.optional(z.unknown()),
  incidentio: z.optional(z.unknown()),
  rootly: z.optional(z.unknown()),
  statuspage: z.optional(z.unknown()),
});
export type WebhookSecrets = z.infer<typeof webhookSecretSchema>;

const validated = new WeakMap<object, Map<WebhookSectionName, unknown>>();

/**
 * One section of the webhooks secret, validated now (and remembered for this copy of the secret).
 * @throws ConfigError naming the section when it is missing, and its bad fields (paths only: the values are
 *   secrets) when it is invalid.
 */
export function webhookSection<K extends WebhookSectionName>(secrets: WebhookSecrets, name: K): WebhookSection<K> {
  const seen = validated.get(secrets) ?? new Map<WebhookSectionName, unknown>();
  validated.set(secrets, seen);
  if (seen.has(name)) return seen.get(name) as WebhookSection<K>;
  const raw = secrets[name];
  if (raw === undefined) throw new ConfigError(`webhooks secret: no "${name}" section configured`);
  const r = (webhookSectionSchemas[name] as z.ZodMiniType).safeParse(raw);
  if (!r.success) {
    throw new ConfigError(`webhooks secret: the "${name}" section is invalid: ${formatIssuePaths(r.error, name)}`);
  }
  seen.set(name, r.data);
  return r.data as WebhookSection<K>;
}

/**
 * Verifies with the cached secrets; if that fails, re-reads the secret (it may have been rotated) and
 * verifies again — at most once a minute, so forged requests cannot turn into a Secrets Manager flood.
 */
export function verifierWithRotation(source: SecretSource<WebhookSecrets>, minRefreshIntervalMs = 60_000) {
  let lastRefresh = 0;
  return async <T>(verify: (secrets: WebhookSecrets) => T): Promise<T> => {
    try {
      return verify(await source.get());
    } catch (e) {
      if (Date.now() - lastRefresh < minRefreshIntervalMs) throw e;
      lastRefresh = Date.now();
      return verify(await source.refresh());
    }
  };
}

export const webhookSecrets = (secretId: string, ttlSeconds: number, client?: SecretsManagerClient) =>
  jsonSecret({ secretId, schema: webhookSecretSchema, ttlMs: ttlSeconds * 1000, client });
