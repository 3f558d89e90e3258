/**
 * Secrets Manager JSON secrets, validated by a zod schema and cached per container with a TTL. A caller
 * that learns a secret is stale (Zscaler rejected the credentials after a rotation) calls `refresh` to
 * re-read it at once instead of failing until the TTL runs out. Concurrent reads share one request.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as z from 'zod/mini';
import { ConfigError, AppError } from '../errors.js';
import { formatIssuePaths } from '../validation/parse.js';

export interface SecretSource<T> {
  get(): Promise<T>;
  /** Drops the cached value and reads the secret again. */
  refresh(): Promise<T>;
}

let sharedClient: SecretsManagerClient | undefined;
/** One client per container; endpoint from AWS_ENDPOINT_URL_SECRETS_MANAGER locally. */
export const secretsClient = (): SecretsManagerClient => (sharedClient ??= new SecretsManagerClient({}));

export function jsonSecret<S extends z.core.$ZodType>(opts: {
  secretId: string;
  schema: S;
  ttlMs: number;
  client?: SecretsManagerClient;
  now?: () => number;
}): SecretSource<z.infer<S>> {
  const now = opts.now ?? Date.now;
  let cached: { value: z.infer<S>; at: number } | undefined;
  let inflight: Promise<z.infer<S>> | undefined;

  const load = (): Promise<z.infer<S>> => {
    inflight ??= (async () => {
      try {
        const out = await (opts.client ?? secretsClient()).send(new GetSecretValueCommand({ SecretId: opts.secretId }));
        const value = parse(opts.secretId, opts.schema, out.SecretString);
        cached = { value, at: now() };
        return value;
      } catch (e) {
        if (e instanceof AppError) throw e;
        // The AWS error text never contains the secret value; keep its name for operators.
        throw new AppError(
          'secret_unavailable',
          `cannot read secret ${opts.secretId}: ${(e as Error).name}`,
          503,
          true,
          { cause: e },
        );
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };

  return {
    get: () => (cached && now() - cached.at < opts.ttlMs ? Promise.resolve(cached.value) : load()),
    refresh: () => {
      cached = undefined;
      return load();
    },
  };
}

function parse<S extends z.core.$ZodType>(secretId: string, schema: S, text: string | undefined): z.infer<S> {
  let data: unknown;
  try {
    data = JSON.parse(text ?? '');
  } catch {
    throw new ConfigError(`secret ${secretId} is not a JSON object`);
  }
  const result = (schema as unknown as z.ZodMiniType).safeParse(data);
  if (!result.success) {
    // Paths only: messages could echo the (secret) input.
    throw new ConfigError(`secret ${secretId} has missing or invalid fields: ${formatIssuePaths(result.error)}`);
  }
  return result.data as z.infer<S>;
}
