/** Runs bench/child/invoke.mjs in a fresh Node process with a spec, returns what it wrote. */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

let seq = 0;

export async function runChild<T>(
  spec: Record<string, unknown>,
  env: Record<string, string>,
  timeoutMs = 300_000,
): Promise<T> {
  mkdirSync('dist/bench', { recursive: true });
  const n = `${process.pid}-${seq++}`;
  const specFile = resolve(`dist/bench/spec-${n}.json`);
  const out = resolve(`dist/bench/out-${n}.json`);
  writeFileSync(specFile, JSON.stringify({ ...spec, out }));
  await new Promise<void>((ok, fail) => {
    const child = spawn(process.execPath, [resolve('bench/child/invoke.mjs'), specFile], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // stdout is the function's log stream: read and dropped as it comes (as Lambda hands it to CloudWatch),
    // never accumulated here, where it would grow this process (which also hosts the local SQS server).
    child.stdout.resume();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) ok();
      else
        fail(
          new Error(`bench child ${String(spec.name)} (${String(spec.mode)}) exited with ${code ?? signal}\n${stderr}`),
        );
    });
  });
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}
