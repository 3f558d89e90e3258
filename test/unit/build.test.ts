/**
 * Readable stack traces from the deployed artifact (issue 12: errors logged as `Ct`, `Ln`, `yr`): the bundles are
 * built with scripts/build.mjs's own options into a temporary directory, run in a fresh Node process, and their
 * errors must name their class and the function that threw. Also the ingress size budget the build enforces.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface BuildScript {
  INGRESS_FUNCTIONS: string[];
  INGRESS_BUDGET_BYTES: number;
  bundleOptions: (entry: string, outfile: string) => Record<string, unknown>;
  buildFunction: (name: string, outDir?: string) => Promise<number>;
  overBudget: (sizes: Record<string, number>) => string[];
}

const script = (await import(new URL('../../scripts/build.mjs', import.meta.url).href)) as BuildScript;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zea-build-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `file` in a fresh Node process with only `env` (plus PATH): what a Lambda cold start does. */
const runBundle = (file: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });

describe('built bundles keep their names', () => {
  it('a function bundle that fails its cold start says which error, thrown where', async () => {
    await script.buildFunction('worker', dir);
    const file = join(dir, 'worker', 'index.mjs');
    // No environment at all: loadConfig throws a ConfigError at import, as a misconfigured Lambda would.
    const run = runBundle(file);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/ConfigError: invalid configuration: [^\n]*ZSCALER_SECRET_ID: is required/);
    expect(run.stderr).toMatch(/\n\s+at loadConfig \(file:\/\/[^\n]*index\.mjs:\d+:\d+\)/);
    // Every Zscaler error class keeps its name in the minified bundle (keepNames' `static { name(this, "…") }`).
    const text = readFileSync(file, 'utf8');
    for (const cls of ['ZscalerApiError', 'ZscalerAuthError', 'ZscalerNetworkError', 'OutcomeUnknownError'])
      expect(text).toMatch(new RegExp(`\\(this,"${cls}"\\)`));
  }, 60_000);

  it('an error thrown by the shared code names its class and function in the stack', async () => {
    // A tiny entry bundled with the functions' exact options: the real HTTP core's error and config loader.
    const entry = join(dir, 'throws.ts');
    const root = resolve('.');
    writeFileSync(
      entry,
      [
        `import { ZscalerApiError } from '${root}/shared/zscaler/errors.ts';`,
        `import { loadConfig, zscalerFields } from '${root}/shared/config.ts';`,
        `const e = new ZscalerApiError(401, 'access.denied', 'Access denied', { method: 'GET', path: '/x' }, false);`,
        'console.log(JSON.stringify({ name: e.name, constructor: e.constructor.name, stack: e.stack }));',
        'loadConfig(zscalerFields, {});',
      ].join('\n'),
    );
    const out = join(dir, 'throws', 'index.mjs');
    await build({ ...script.bundleOptions(entry, out), metafile: false });
    const run = runBundle(out);
    const first = JSON.parse(run.stdout.split('\n')[0]!) as { name: string; constructor: string; stack: string };
    expect(first).toMatchObject({ name: 'ZscalerApiError', constructor: 'ZscalerApiError' });
    expect(first.stack.split('\n')[0]).toBe('ZscalerApiError: GET /x → 401 access.denied: Access denied');
    expect(run.stderr).toMatch(/ConfigError: [^\n]*\n\s+at loadConfig /);
  }, 60_000);
});

describe('the ingress size budget', () => {
  it('fails a build whose ingress bundle is over 600 KB, and only an ingress bundle', () => {
    const over = script.INGRESS_BUDGET_BYTES + 1;
    expect(script.INGRESS_BUDGET_BYTES).toBe(600 * 1024);
    expect(script.overBudget({ 'incident-webhook': over, worker: 5 * over, 'slack-command': 1000 })).toEqual([
      'incident-webhook: 600.0 KB is over the 600 KB ingress budget',
    ]);
    expect(script.overBudget({ 'teams-webhook': script.INGRESS_BUDGET_BYTES })).toEqual([]);
    expect(script.INGRESS_FUNCTIONS.sort()).toEqual(['incident-webhook', 'slack-command', 'teams-webhook']);
  });

  it('every ingress bundle built with kept names is within the budget', async () => {
    const sizes: Record<string, number> = {};
    for (const name of script.INGRESS_FUNCTIONS) sizes[name] = await script.buildFunction(name, dir);
    expect(script.overBudget(sizes)).toEqual([]);
    for (const bytes of Object.values(sizes)) expect(bytes).toBeGreaterThan(400 * 1024); // really built, SDK included
  }, 120_000);
});
