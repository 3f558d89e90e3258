/**
 * Cold start per function: bundle size and module load time in a fresh Node process (median of RUNS),
 * next to a floor measured the same way in the same run: a bundle that only constructs the AWS SDK
 * clients the function needs.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { median, round } from './stats.js';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);

/** Fake but valid configuration so each handler's cold-start config parse succeeds. */
export const FAKE_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  WORK_QUEUE_URL: 'http://127.0.0.1:1/123456789012/work', POLICY_QUEUE_URL: 'http://127.0.0.1:1/123456789012/policy',
  WEBHOOK_SECRET_ID: 'bench/webhooks', ZSCALER_SECRET_ID: 'bench/zscaler', ZPA_CUSTOMER_ID: '216196257331281920',
  CHATOPS_PERMISSIONS: '{}', LOG_LEVEL: 'error',
};

function loadMs(file: string): number {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(resolve(file))}); process.stdout.write(String(performance.now() - t));`], {
    env: { ...process.env, ...FAKE_ENV },
  });
  return Number(out.toString());
}

export async function floorBundle(): Promise<string> {
  mkdirSync('dist/bench', { recursive: true });
  const outfile = 'dist/bench/floor-sqs-secrets.mjs';
  await build({ entryPoints: ['bench/floors/sqs-secrets.ts'], outfile, bundle: true, minify: true, platform: 'node', target: 'node20', format: 'esm', legalComments: 'none', banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" }, logLevel: 'warning' });
  return outfile;
}

export interface ColdStartRow {
  fn: string;
  bytes: number;
  loadMs: number;
  floorMs: number;
  floorBytes: number;
  ratio: number;
}

export async function measureColdStarts(functions: string[]): Promise<ColdStartRow[]> {
  const floor = await floorBundle();
  const rows: ColdStartRow[] = [];
  for (const fn of functions) {
    const file = `dist/${fn}/index.mjs`;
    const fnTimes: number[] = [];
    const floorTimes: number[] = [];
    // Interleave so machine noise hits both sides alike.
    for (let i = 0; i < RUNS; i++) {
      fnTimes.push(loadMs(file));
      floorTimes.push(loadMs(floor));
    }
    const loadMedian = median(fnTimes);
    const floorMedian = median(floorTimes);
    rows.push({ fn, bytes: statSync(file).size, loadMs: round(loadMedian), floorMs: round(floorMedian), floorBytes: statSync(floor).size, ratio: round(loadMedian / floorMedian, 2) });
  }
  return rows;
}
