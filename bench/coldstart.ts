/**
 * Cold start per function: bundle size and module load time in a fresh Node process (median of RUNS), next
 * to its SDK floor measured the same way in the same run (bench/floors.ts), runs interleaved so machine
 * noise hits both alike. Module load = `await import(bundle)` timed inside the fresh process: everything
 * the Lambda init phase runs for our code (module evaluation, config parse, client construction).
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildFloor, sdkClientsOf, type Floor } from './floors.js';
import { median, round } from './stats.js';

export const COLD_RUNS = Math.max(15, Number(process.env.BENCH_COLD_RUNS ?? 21));

export function loadMs(file: string, env: Record<string, string>): number {
  const url = pathToFileURL(resolve(file)).href;
  const out = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const t = performance.now(); await import(${JSON.stringify(url)}); process.stdout.write('\\n@@' + (performance.now() - t));`,
    ],
    {
      env: { PATH: process.env.PATH ?? '', ...env },
    },
  );
  return Number(/@@([\d.]+)/.exec(out.toString())![1]);
}

export interface ColdStartRow {
  fn: string;
  bytes: number;
  loadMs: number;
  floor: Floor;
  floorMs: number;
  ratio: number;
  runs: number;
}

export async function measureColdStarts(functions: string[], env: Record<string, string>): Promise<ColdStartRow[]> {
  const floors = new Map<string, Floor>();
  const rows: ColdStartRow[] = [];
  for (const fn of functions) {
    const clients = sdkClientsOf(fn);
    const key = clients.join('+');
    if (!floors.has(key)) floors.set(key, await buildFloor(clients));
    const floor = floors.get(key)!;
    const file = `dist/${fn}/index.mjs`;
    const fnTimes: number[] = [];
    const floorTimes: number[] = [];
    loadMs(file, env); // one unmeasured run each: the OS file cache, not Node, would otherwise decide run 1
    loadMs(floor.file, env);
    for (let i = 0; i < COLD_RUNS; i++) {
      fnTimes.push(loadMs(file, env));
      floorTimes.push(loadMs(floor.file, env));
    }
    const l = median(fnTimes);
    const f = median(floorTimes);
    rows.push({
      fn,
      bytes: statSync(file).size,
      loadMs: round(l),
      floor,
      floorMs: round(f),
      ratio: round(l / f, 2),
      runs: COLD_RUNS,
    });
  }
  return rows;
}
