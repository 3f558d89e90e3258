/**
 * The webhook signing secrets: a second Secrets Manager JSON, separate from the Zscaler credentials so the
 * internet-facing functions can read only this one. Lists allow two secrets at once during rotation.
 */
import * as z from 'zod/mini';
import { jsonSecret, type SecretSource } from './aws/secrets.js';

const secretList = z.array(z.string().check(z.minLength(16))).check(z.minLength(1));

export const webhookSecretSchema = z.object({
  pagerduty: z.optional(secretList),
  generic: z.optional(secretList),
  slack: z.optional(z.object({ signingSecret: z.string().check(z.minLength(16)), botToken: z.optional(z.string()) })),
  // replyUrl: the Teams Workflows (or incoming-webhook) URL that later outcomes are posted to. It embeds its
  // own signature, so it is a secret too, not configuration.
  teams: z.optional(z.object({ securityToken: z.string().check(z.minLength(16)), replyUrl: z.optional(z.url({ protocol: /^https?$/ })) })),
});
export type WebhookSecrets = z.infer<typeof webhookSecretSchema>;

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

export const webhookSecrets = (secretId: string, ttlSeconds: number) =>
  jsonSecret({ secretId, schema: webhookSecretSchema, ttlMs: ttlSeconds * 1000 });
