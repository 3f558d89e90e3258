// Bundles each function separately (functions/<name>/handler.ts → dist/<name>/index.mjs) so every Lambda
// ships only what it imports. ESM output with a createRequire banner for the few CJS deps that call require.
import { build } from 'esbuild';
import { readdirSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv.slice(2);
const names = readdirSync('functions').filter(
  (n) => existsSync(join('functions', n, 'handler.ts')) && (!only.length || only.includes(n)),
);
mkdirSync('dist', { recursive: true });
const sizes = {};
for (const name of names) {
  const result = await build({
    entryPoints: [join('functions', name, 'handler.ts')],
    outfile: join('dist', name, 'index.mjs'),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    metafile: true,
    legalComments: 'none',
    banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  writeFileSync(join('dist', name, 'meta.json'), JSON.stringify(result.metafile));
  sizes[name] = Object.values(result.metafile.outputs)[0].bytes;
}
for (const [name, bytes] of Object.entries(sizes)) console.log(`built ${name}: ${(bytes / 1024).toFixed(1)} KB`);
