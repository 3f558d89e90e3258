/** Where a bundle's bytes go: output bytes per package (node_modules) or per project folder, from dist/<fn>/meta.json. */
import { readFileSync } from 'node:fs';

export function bundleBreakdown(fn: string, top = 6): Array<{ what: string; bytes: number }> {
  const meta = JSON.parse(readFileSync(`dist/${fn}/meta.json`, 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const out = Object.values(meta.outputs)[0]!;
  const by = new Map<string, number>();
  for (const [path, i] of Object.entries(out.inputs)) {
    const nm = path.lastIndexOf('node_modules/');
    let key: string;
    if (nm >= 0) {
      const parts = path.slice(nm + 'node_modules/'.length).split('/');
      key = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    } else key = `${path.split('/').slice(0, 2).join('/')}/`;
    by.set(key, (by.get(key) ?? 0) + i.bytesInOutput);
  }
  const sorted = [...by.entries()].sort((a, b) => b[1] - a[1]).map(([what, bytes]) => ({ what, bytes }));
  // The AWS SDK as one line (client + smithy + core + credential providers), then the rest.
  const isSdk = (w: string) =>
    /^@(aws-sdk|smithy|aws-crypto|aws)\//.test(w) ||
    w === 'bowser' ||
    w === 'fast-xml-parser' ||
    w === 'strnum' ||
    w === 'tslib';
  const sdk = sorted.filter((e) => isSdk(e.what)).reduce((s, e) => s + e.bytes, 0);
  const rest = sorted.filter((e) => !isSdk(e.what));
  return [...(sdk ? [{ what: 'AWS SDK v3 (clients, @smithy, credential chain)', bytes: sdk }] : []), ...rest]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}
