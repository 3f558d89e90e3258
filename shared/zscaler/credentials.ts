/**
 * The Zscaler credentials secret: one JSON document in Secrets Manager holding whichever credential sets
 * the deployment uses (README "Secrets"). Only the sections the auth mode needs are required, at use time.
 */
import * as z from 'zod/mini';
import { ConfigError } from '../errors.js';
import type { SecretSource } from '../aws/secrets.js';
import type { CredentialSource } from './auth/provider.js';

const nonEmpty = () => z.string().check(z.minLength(1));

export const zscalerSecretSchema = z.object({
  zdx: z.optional(z.object({ keyId: nonEmpty(), keySecret: nonEmpty() })),
  zpa: z.optional(z.object({ clientId: nonEmpty(), clientSecret: nonEmpty() })),
  oneapi: z.optional(z.object({ clientId: nonEmpty(), clientSecret: nonEmpty() })),
});
export type ZscalerSecret = z.infer<typeof zscalerSecretSchema>;

/** A view of one section of the secret, failing clearly when the section is missing. */
export function section<K extends keyof ZscalerSecret>(
  secret: SecretSource<ZscalerSecret>,
  key: K,
): CredentialSource<NonNullable<ZscalerSecret[K]>> {
  const pick = (s: ZscalerSecret) => {
    const v = s[key];
    if (!v)
      throw new ConfigError(
        `the Zscaler credentials secret has no "${String(key)}" section, which this auth mode needs`,
      );
    return v as NonNullable<ZscalerSecret[K]>;
  };
  return { get: async () => pick(await secret.get()), refresh: async () => pick(await secret.refresh()) };
}
