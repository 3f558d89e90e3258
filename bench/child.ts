/** Runs bench/child/invoke.mjs in a fresh Node process with a spec, returns what it wrote. */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

let seq = 0;

export async function runChild<T>(spec: Record<string, unknown>, env: Record<string, string>, timeoutMs = 300_000): Promise<T> {
  mkdirSync('dist/bench', { recursive: true });
  const n = `${process.pid}-${seq++}`;
  const specFile = resolve(`dist/bench/spec-${n}.json`);
  const out = resolve(`dist/bench/out-${n}.json`);
  writeFileSync(specFile, JSON.stringify({ ...spec, out }));
  await new Promise<void>((ok, fail) => {
    // stdout is the function's log stream: discarded, as CloudWatch would take it (but still written).
    const child = execFile(process.execPath, [resolve('bench/child/invoke.mjs'), specFile], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) fail(new Error(`bench child ${String(spec.name)} (${String(spec.mode)}) failed: ${err.message}\n${stderr.slice(-2000)}`));
      else ok();
    });
    child.stdin?.end();
  });
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}
