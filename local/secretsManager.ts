/**
 * A local Secrets Manager endpoint: enough of the JSON protocol (x-amz-json-1.1) for the real
 * `@aws-sdk/client-secrets-manager` client to GetSecretValue and PutSecretValue. Holds only the
 * simulator's obviously fake credentials. Counts reads so tests can prove the cache works.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalSecrets {
  url: string;
  put(id: string, value: unknown): void;
  reads: Record<string, number>;
  close(): Promise<void>;
}

export async function startLocalSecretsManager(initial: Record<string, unknown>, port = 0): Promise<LocalSecrets> {
  const store = new Map<string, string>(Object.entries(initial).map(([k, v]) => [k, JSON.stringify(v)]));
  const reads: Record<string, number> = {};
  let version = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      let input: { SecretId?: string; SecretString?: string } = {};
      try {
        input = JSON.parse(body || '{}');
      } catch {
        return reply(400, { __type: 'ValidationException', message: 'bad JSON' });
      }
      const id = input.SecretId ?? '';
      if (target === 'secretsmanager.GetSecretValue') {
        const value = store.get(id);
        if (value === undefined)
          return reply(400, {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          });
        reads[id] = (reads[id] ?? 0) + 1;
        return reply(200, {
          ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}`,
          Name: id,
          SecretString: value,
          VersionId: `v${version}`,
          CreatedDate: Date.now() / 1000,
        });
      }
      if (target === 'secretsmanager.PutSecretValue') {
        store.set(id, input.SecretString ?? '');
        version++;
        return reply(200, { Name: id, VersionId: `v${version}` });
      }
      return reply(400, { __type: 'UnknownOperationException', message: `unsupported: ${target}` });
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    reads,
    put: (id, value) => {
      store.set(id, JSON.stringify(value));
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
