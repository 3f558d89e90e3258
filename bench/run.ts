/**
 * `npm run bench`: builds the bundles, measures cold start, memory, warm overhead, calls per action,
 * rate-limited throughput and the deep-trace storm, prints one summary table with the details and writes them
 * to docs/PERFORMANCE.md. Not part of `npm test`. Knobs (defaults in brackets): BENCH_COLD_RUNS [21, min 15],
 * BENCH_WARM_N [5000], BENCH_ZPA_WINDOW_MS [10000: ZPA's real window], BENCH_OUT [docs/PERFORMANCE.md],
 * BENCH_STRICT=1 (exit 1 when a budget is missed), BENCH_SKIP_STORM=1 (keep the written storm section).
 *
 * `npx tsx bench/run.ts storm`: only the deep-trace storm (bench/storm.ts, about 50 minutes), written into its
 * section of the existing BENCH_OUT, the rest of the file kept. Storm knobs: BENCH_STORM_SCENARIOS (comma
 * separated names), BENCH_STORM_USERS (cap every scenario, for a quick look), BENCH_STORM_TIME_SCALE [5],
 * BENCH_STORM_CHECK_DELAY_S [60 / time scale].
 *
 * `npx tsx bench/run.ts envelope`: only the long window through the reconciler function and its queue
 * (bench/envelope.ts, about 10 minutes for 200 segments: BENCH_ENVELOPE_SEGMENTS), written into its section.
 *
 * `npx tsx bench/run.ts idle`: only the idle reconcile tick at 60, 2,000 and 10,000 segments (bench/idle.ts, about
 * 3 minutes), written into its section; a full run measures it too.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { measureCalls } from './calls.js';
import { ENVELOPE_SEGMENTS, measureEnvelope, renderEnvelope, spliceEnvelope } from './envelope.js';
import { idleFlat, measureIdle, renderIdle, spliceIdle } from './idle.js';
import { sectionOf } from './sections.js';
import { measureColdStarts } from './coldstart.js';
import { INGRESS, withoutEvents, writeBenchWindows } from './events.js';
import type { Floor } from './floors.js';
import { startBenchInfra } from './infra.js';
import { measureMemory } from './memory.js';
import {
  renderMarkdown,
  renderStorm,
  spliceStorm,
  stormSectionOf,
  stormSummaryRows,
  summaryRows,
  type BenchResults,
} from './report.js';
import { measureStorm, type StormResult } from './storm.js';
import { measureThroughput } from './throughput.js';
import { measureWarm } from './warm.js';

const startedAt = new Date();
const t0 = performance.now();
const step = (what: string) => console.error(`[bench ${Math.round((performance.now() - t0) / 1000)} s] ${what}`);
const notesFile = 'bench/notes.md';
const outFile = process.env.BENCH_OUT ?? 'docs/PERFORMANCE.md';
const readNotes = () => (existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : undefined);
/** The file as it is when we write (others may have refreshed it while the benchmark ran). */
const previous = () => (existsSync(outFile) ? readFileSync(outFile, 'utf8') : undefined);

if (process.argv[2] === 'envelope') {
  step(`long window through the function and its queue (bench/envelope.ts, ${ENVELOPE_SEGMENTS} segments)`);
  const envelope = await measureEnvelope(undefined, (line) => step(line));
  const md = spliceEnvelope(previous() ?? '# Performance\n', renderEnvelope(envelope));
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, md);
  console.log(renderEnvelope(envelope));
  const missed = envelope.phases.filter((p) => p.ratio > 1.1);
  step(
    `wrote the envelope section of ${outFile}; ${missed.length ? `over 1.1×: ${missed.map((p) => p.phase).join(', ')}` : 'both phases within 1.1× of the minimum'}`,
  );
  if (missed.length && process.env.BENCH_STRICT === '1') process.exitCode = 1;
  process.exit();
}

/** The idle ticks, measured and written into their section of `md`. */
async function withIdle(md: string): Promise<string> {
  step('idle reconcile ticks at 60, 2,000 and 10,000 segments (bench/idle.ts)');
  const idle = await measureIdle(undefined, (line) => step(line));
  if (!idleFlat(idle)) {
    step('idle ticks: the indexed reads are not flat across tenant sizes');
    if (process.env.BENCH_STRICT === '1') process.exitCode = 1;
  }
  return spliceIdle(md, renderIdle(idle));
}

if (process.argv[2] === 'idle') {
  const md = await withIdle(previous() ?? '# Performance\n');
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, md);
  step(`wrote the idle section of ${outFile}`);
  process.exit();
}

if (process.argv[2] === 'storm') {
  step('deep-trace storm only (bench/storm.ts)');
  const storm = await measureStorm(undefined, (line) => step(line));
  const md = spliceStorm(previous() ?? '# Performance\n', renderStorm(storm), readNotes());
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, md);
  console.log(renderStorm(storm));
  const missed = stormSummaryRows(storm).filter((r) => r.ok === false);
  step(
    `wrote the storm section of ${outFile}; ${missed.length ? `goals missed: ${missed.map((m) => `${m.measure} (${m.subject})`).join('; ')}` : 'every goal met'}`,
  );
  if (missed.length && process.env.BENCH_STRICT === '1') process.exitCode = 1;
  process.exit();
}

step('building the function bundles (scripts/build.mjs)');
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'inherit', 'inherit'] });
const functions = readdirSync('functions')
  .filter((n) => existsSync(join('functions', n, 'handler.ts')) && existsSync(join('dist', n, 'index.mjs')))
  .sort();
// A function the bench has no event for would be measured handling `{}` (and die on it minutes into the run).
const unknown = withoutEvents(functions);
if (unknown.length)
  throw new Error(`bench: no representative event for ${unknown.join(', ')}: add one in bench/events.ts`);

const infra = await startBenchInfra({
  WINDOWS_FILE: writeBenchWindows('dist/bench/windows-memory.json', 10, 'bypassType'),
});
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
  let storm: StormResult | undefined;
  if (process.env.BENCH_SKIP_STORM !== '1') {
    step('deep-trace storm (bench/storm.ts; BENCH_SKIP_STORM=1 keeps the written section)');
    storm = await measureStorm(undefined, (line) => step(line));
  }
  results = {
    functions,
    cold,
    warm,
    calls,
    throughput,
    memory,
    storm,
    startedAt,
    seconds: (performance.now() - t0) / 1000,
  };
} finally {
  await infra.close();
}

const notes = readNotes();
let md = `${renderMarkdown(results)}\n${notes ? `\n${notes}` : ''}`;
const before = previous();
const kept = results.storm ? undefined : before && stormSectionOf(before);
if (kept) md = spliceStorm(md, kept, notes);
// The sections other modes write (`envelope`) are kept as they are: this run did not measure them.
const envelopeSection = sectionOf(before, 'envelope');
if (envelopeSection) md = spliceEnvelope(md, envelopeSection);
md = await withIdle(md);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, md);
console.log(md);
const missed = [...summaryRows(results), ...(results.storm ? stormSummaryRows(results.storm) : [])].filter(
  (r) => r.ok === false,
);
step(
  `wrote ${outFile}; ${missed.length ? `budgets missed: ${missed.map((m) => `${m.measure} (${m.subject})`).join('; ')}` : 'every budget met'}`,
);
if (missed.length && process.env.BENCH_STRICT === '1') process.exitCode = 1;
