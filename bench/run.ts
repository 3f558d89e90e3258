/**
 * `npm run bench`: builds the bundles, measures cold start, memory, warm overhead, calls per action and
 * rate-limited throughput, prints one summary table with the details and writes them to docs/PERFORMANCE.md.
 * Not part of `npm test`. Knobs (defaults in brackets): BENCH_COLD_RUNS [21, min 15], BENCH_WARM_N [5000],
 * BENCH_ZPA_WINDOW_MS [10000: ZPA's real window], BENCH_OUT [docs/PERFORMANCE.md], BENCH_STRICT=1 (exit 1 when
 * a budget is missed).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { measureCalls } from './calls.js';
import { measureColdStarts } from './coldstart.js';
import { INGRESS, writeBenchWindows } from './events.js';
import type { Floor } from './floors.js';
import { startBenchInfra } from './infra.js';
import { measureMemory } from './memory.js';
import { renderMarkdown, summaryRows, type BenchResults } from './report.js';
import { measureThroughput } from './throughput.js';
import { measureWarm } from './warm.js';

const startedAt = new Date();
const t0 = performance.now();
const step = (what: string) => console.error(`[bench ${Math.round((performance.now() - t0) / 1000)} s] ${what}`);

step('building the function bundles (scripts/build.mjs)');
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'inherit', 'inherit'] });
const functions = readdirSync('functions').filter((n) => existsSync(join('functions', n, 'handler.ts')) && existsSync(join('dist', n, 'index.mjs'))).sort();

const infra = await startBenchInfra({ WINDOWS_FILE: writeBenchWindows('dist/bench/windows-memory.json', 10, 'bypassType') });
let results: BenchResults;
try {
  step(`cold start: ${functions.join(', ')}`);
  const cold = await measureColdStarts(functions, infra.env);
  const floors = new Map<string, Floor>(cold.map((c) => [c.fn, c.floor]));
  step('memory: one representative event per function, fresh process each');
  const memory = await measureMemory(functions, infra, floors);
  const ingress = functions.filter((f) => INGRESS.has(f));
  step(`warm overhead: ${ingress.join(', ')}`);
  const warm = await measureWarm(ingress, infra);
  step('calls per action');
  const calls = await measureCalls();
  step('rate-limited throughput (50 segments, bypassType and rule mode)');
  const throughput = await measureThroughput();
  results = { functions, cold, warm, calls, throughput, memory, startedAt, seconds: (performance.now() - t0) / 1000 };
} finally {
  await infra.close();
}

const notesFile = 'bench/notes.md';
const md = `${renderMarkdown(results)}\n${existsSync(notesFile) ? `\n${readFileSync(notesFile, 'utf8')}` : ''}`;
const outFile = process.env.BENCH_OUT ?? 'docs/PERFORMANCE.md';
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, md);
console.log(md);
const missed = summaryRows(results).filter((r) => r.ok === false);
step(`wrote ${outFile}; ${missed.length ? `budgets missed: ${missed.map((m) => `${m.measure} (${m.subject})`).join('; ')}` : 'every budget met'}`);
if (missed.length && process.env.BENCH_STRICT === '1') process.exitCode = 1;
