/**
 * A real ZDX/ZPA client stack for tests: the simulator over HTTP, the local Secrets Manager endpoint and
 * the real Secrets Manager SDK client, wired exactly as the worker wires them.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { jsonSecret } from '../../shared/aws/secrets.js';
import { loadConfig, zscalerFields, zscalerOptionsFromConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { createZscalerClients, type ClientDeps } from '../../shared/zscaler/clients.js';
import { zscalerSecretSchema } from '../../shared/zscaler/credentials.js';
import { startSimulator, type SimulatorOptions } from '../../simulator/index.js';
import { LOCAL_ZSCALER_SECRET } from '../../local/fakeSecrets.js';
import { startLocalSecretsManager } from '../../local/secretsManager.js';

export const quietLogger = () => {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', sink: (l) => lines.push(l) }), lines };
};

export async function zscalerTestEnv(
  opts: {
    mode?: 'legacy' | 'oneapi';
    sim?: SimulatorOptions;
    pacers?: ClientDeps['pacers'];
    env?: Record<string, string>;
  } = {},
) {
  const sim = await startSimulator({ ...opts.sim, port: 0 });
  const secrets = await startLocalSecretsManager({ 'test/zscaler': LOCAL_ZSCALER_SECRET });
  const smClient = new SecretsManagerClient({
    endpoint: secrets.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const secret = jsonSecret({
    secretId: 'test/zscaler',
    schema: zscalerSecretSchema,
    ttlMs: 300_000,
    client: smClient,
  });
  const config = loadConfig(zscalerFields, {
    ZSCALER_SECRET_ID: 'test/zscaler',
    ZSCALER_AUTH_MODE: opts.mode ?? 'legacy',
    ZDX_BASE_URL: sim.url,
    ZPA_BASE_URL: sim.url,
    ONEAPI_BASE_URL: sim.url,
    ZIDENTITY_TOKEN_URL: `${sim.url}/oauth2/v1/token`,
    ZPA_CUSTOMER_ID: '216196257331281920',
    HTTP_TIMEOUT_MS: '3000',
    ...opts.env,
  });
  const { logger, lines } = quietLogger();
  const clients = createZscalerClients(zscalerOptionsFromConfig(config), { secret, logger, pacers: opts.pacers });
  return {
    sim,
    secrets,
    secret,
    clients,
    logLines: lines,
    async close() {
      smClient.destroy();
      await Promise.all([sim.close(), secrets.close()]);
    },
  };
}
