/**
 * The deep-trace actions and `status` reach ZDX only through the TracePort: zdxPort.ts is the one file of
 * shared/traces and shared/status that imports the ZDX resource modules or the Zscaler client. The others may
 * borrow ZDX's types (`import type`), never its code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ADAPTER = 'shared/traces/zdxPort.ts';
const files = ['shared/traces', 'shared/status'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f)),
);
const imports = (source: string) =>
  [...source.matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s*['"]([^'"]+)['"]/gm)].map((m) => ({
    typeOnly: !!m[1],
    spec: m[2]!,
  }));

describe('shared/traces and shared/status', () => {
  it(`use ZDX only through the TracePort; only ${ADAPTER} pairs it with the ZDX client`, () => {
    expect(files).toContain(ADAPTER);
    const offending = files
      .filter((file) => file !== ADAPTER)
      .flatMap((file) =>
        imports(readFileSync(file, 'utf8'))
          .filter((i) => i.spec.startsWith('.'))
          .map((i) => ({ ...i, target: relative(process.cwd(), resolve(dirname(file), i.spec)).replaceAll('\\', '/') }))
          .filter((i) => i.target.startsWith('shared/zscaler/') || (i.target.startsWith('shared/zdx/') && !i.typeOnly))
          .map((i) => `${file} → ${i.target}`),
      );
    expect(offending).toEqual([]);
  });
});
