/**
 * The HTTP core is shaped by Zscaler, not by this project: it takes options (ZscalerOptions), never the
 * Lambda's config, and knows no domain folder. Checked on the import specifiers of every file under
 * shared/zscaler (type-only imports included).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('shared/zscaler');
/** What the core may use outside itself: generic plumbing only. */
const ALLOWED = [
  /^shared\/zscaler\//,
  /^shared\/http\//,
  /^shared\/(errors|logger|deadline|mutex)\.ts$/,
  /^shared\/aws\/secrets\.ts$/,
];

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
const specifiers = (source: string) =>
  [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('shared/zscaler imports', () => {
  it('reach only the core itself, generic plumbing and packages: never shared/config.ts or a domain folder', () => {
    const all = files(ROOT);
    expect(all.length).toBeGreaterThan(5);
    const offending = all.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter((s) => s.startsWith('.'))
        .map((s) =>
          relative(process.cwd(), resolve(dirname(file), s))
            .replace(/\.js$/, '.ts')
            .replaceAll('\\', '/'),
        )
        .filter((target) => !ALLOWED.some((re) => re.test(target)))
        .map((target) => `${relative(process.cwd(), file)} → ${target}`),
    );
    expect(offending).toEqual([]);
  });
});
