// Bundles each function separately (functions/<name>/handler.ts → dist/<name>/index.mjs) so every Lambda
// ships only what it imports. ESM output with a createRequire banner for the few CJS deps that call require.
//
// Minified, but with names kept (`keepNames`): an error logged in production says `ZscalerApiError` and
// `at fetchFresh`, not `Ct` and `at Ln` (issue 12). It costs about 7 % of an ingress bundle and no measurable
// cold start; source maps were measured too and left out (docs/PERFORMANCE.md, "Readable stack traces").
//
// `node scripts/build.mjs [name…]` builds all functions or the named ones; the exports below let tests build
// with exactly these options into a directory of their own.
import { build } from 'esbuild';
import { readdirSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The internet-facing functions: their cold start is what a webhook sender or a chat user waits for. */
export const INGRESS_FUNCTIONS = ['incident-webhook', 'slack-command', 'teams-webhook'];
/** The ingress bundle budget (docs/PERFORMANCE.md, §1): a bundle over it fails the build. */
export const INGRESS_BUDGET_BYTES = 600 * 1024;

/** The esbuild options of every function bundle; `outfile` is the caller's. */
export const bundleOptions = (entry, outfile) => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  minify: true,
  keepNames: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  metafile: true,
  legalComments: 'none',
  banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});

/** Builds one function into `<outDir>/<name>/index.mjs` (+ meta.json); returns the bundle's size in bytes. */
export async function buildFunction(name, outDir = 'dist') {
  const result = await build(bundleOptions(join('functions', name, 'handler.ts'), join(outDir, name, 'index.mjs')));
  writeFileSync(join(outDir, name, 'meta.json'), JSON.stringify(result.metafile));
  return Object.values(result.metafile.outputs)[0].bytes;
}

/** Ingress bundles over the budget, as messages (empty: all within it). */
export const overBudget = (sizes) =>
  Object.entries(sizes)
    .filter(([name, bytes]) => INGRESS_FUNCTIONS.includes(name) && bytes > INGRESS_BUDGET_BYTES)
    .map(
      ([name, bytes]) =>
        `${name}: ${(bytes / 1024).toFixed(1)} KB is over the ${INGRESS_BUDGET_BYTES / 1024} KB ingress budget`,
    );

async function main() {
  const only = process.argv.slice(2);
  const names = readdirSync('functions').filter(
    (n) => existsSync(join('functions', n, 'handler.ts')) && (!only.length || only.includes(n)),
  );
  mkdirSync('dist', { recursive: true });
  const sizes = {};
  for (const name of names) sizes[name] = await buildFunction(name);
  for (const [name, bytes] of Object.entries(sizes)) console.log(`built ${name}: ${(bytes / 1024).toFixed(1)} KB`);
  const over = overBudget(sizes);
  if (over.length) {
    for (const line of over) console.error(`build: ${line}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
