/**
 * SDK floors: for each set of AWS SDK clients a function bundles (read from its esbuild metafile), a bundle
 * that only imports and constructs those clients, built with the same esbuild options as the functions.
 * A function's cold start is compared with the floor of its own client set.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, statSync } from 'node:fs';

const CLIENTS: Record<string, string> = {
  '@aws-sdk/client-sqs': 'SQSClient',
  '@aws-sdk/client-secrets-manager': 'SecretsManagerClient',
  '@aws-sdk/client-lambda': 'LambdaClient',
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/client-s3': 'S3Client',
  '@aws-sdk/client-ssm': 'SSMClient',
};

/** The `@aws-sdk/client-*` packages a built function contains (dist/<name>/meta.json). */
export function sdkClientsOf(fn: string): string[] {
  const meta = JSON.parse(readFileSync(`dist/${fn}/meta.json`, 'utf8')) as { inputs: Record<string, unknown> };
  const found = new Set<string>();
  for (const path of Object.keys(meta.inputs)) {
    const m = /node_modules\/(@aws-sdk\/client-[a-z0-9-]+)\//.exec(path);
    if (m) found.add(m[1]!);
  }
  return [...found].sort();
}

export interface Floor {
  key: string;
  clients: string[];
  file: string;
  bytes: number;
}

export async function buildFloor(clients: string[]): Promise<Floor> {
  const key = clients.length ? clients.map((c) => c.replace('@aws-sdk/client-', '')).join('+') : 'none';
  const unknown = clients.filter((c) => !CLIENTS[c]);
  if (unknown.length) throw new Error(`bench/floors.ts: add the client class of ${unknown.join(', ')} to CLIENTS`);
  const contents = [
    '// Floor: construct the AWS SDK clients this function needs, nothing else.',
    ...clients.map((c, i) => `import { ${CLIENTS[c]} as C${i} } from '${c}';`),
    ...clients.map((_c, i) => `const c${i} = new C${i}({});`),
    `export const handler = async () => [${clients.map((_c, i) => `!!c${i}`).join(', ')}];`,
  ].join('\n');
  mkdirSync('dist/bench', { recursive: true });
  const file = `dist/bench/floor-${key}.mjs`;
  // Same options as scripts/build.mjs.
  await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'js', sourcefile: `floor-${key}.js` },
    outfile: file,
    bundle: true,
    minify: true,
    keepNames: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    legalComments: 'none',
    banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return { key, clients, file, bytes: statSync(file).size };
}
