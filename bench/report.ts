/** Turns the measurements into one summary table plus details, as Markdown (printed and written to docs/PERFORMANCE.md). */
import { cpus, totalmem, release, platform } from 'node:os';
import type { CallRow } from './calls.js';
import type { ColdStartRow } from './coldstart.js';
import type { MemoryRow } from './memory.js';
import type { ThroughputResult } from './throughput.js';
import type { WarmRow } from './warm.js';
import { INGRESS } from './events.js';
import { bundleBreakdown } from './analyze.js';
import { round } from './stats.js';

export const BUDGET = { loadRatio: 1.3, bundleKB: 600, warmP99AboveBareMs: 2, windowRatio: 1.2 };

export interface BenchResults {
  functions: string[];
  cold: ColdStartRow[];
  warm: WarmRow[];
  calls: CallRow[];
  throughput: ThroughputResult;
  memory: MemoryRow[];
  startedAt: Date;
  seconds: number;
}

const kb = (b: number) => `${round(b / 1024, 1)} KB`;
const table = (head: string[], rows: Array<Array<string | number>>) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? '**met**' : '**MISSED**');

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown CPU'}, ${c.length} cores, ${round(totalmem() / 2 ** 30, 1)} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
}

export function summaryRows(r: BenchResults): Array<{ measure: string; subject: string; figure: string; reference: string; budget: string; ok: boolean | undefined }> {
  const rows: ReturnType<typeof summaryRows> = [];
  for (const c of r.cold) {
    const ingress = INGRESS.has(c.fn);
    rows.push({ measure: 'cold start: module load', subject: c.fn, figure: `${c.loadMs} ms`, reference: `SDK floor (${c.floor.key}) ${c.floorMs} ms → **${c.ratio}×**`, budget: ingress ? `≤ ${BUDGET.loadRatio}× floor` : 'none (not ingress)', ok: ingress ? c.ratio <= BUDGET.loadRatio : undefined });
    rows.push({ measure: 'cold start: bundle', subject: c.fn, figure: kb(c.bytes), reference: `SDK floor ${kb(c.floor.bytes)}`, budget: ingress ? `≤ ${BUDGET.bundleKB} KB` : 'none (not ingress)', ok: ingress ? c.bytes <= BUDGET.bundleKB * 1024 : undefined });
  }
  for (const w of r.warm) {
    const over = round(w.p99 - w.bareP99, 3);
    rows.push({ measure: 'warm overhead p50 / p99', subject: w.fn, figure: `${w.p50} / ${w.p99} ms`, reference: `bare SendMessage ${w.bareP50} / ${w.bareP99} ms → p99 +${over} ms`, budget: `p99 ≤ bare + ${BUDGET.warmP99AboveBareMs} ms`, ok: over <= BUDGET.warmP99AboveBareMs });
  }
  for (const c of r.calls) rows.push({ measure: 'calls per action', subject: c.action, figure: `${c.zscalerRequests} API, ${c.tokenRequests} token request(s)`, reference: '', budget: c.budget ?? '', ok: c.ok });
  const t = r.throughput;
  const windowNote = t.windowMs === 10_000 ? 'real 10 s window' : `sped-up ${t.windowMs} ms window`;
  for (const mode of ['bypassType', 'rule'] as const) {
    const ph = t.rows.filter((x) => x.mode === mode);
    if (!ph.length) continue;
    const secs = round(ph.reduce((s, x) => s + x.seconds, 0), 2);
    const min = round(ph.reduce((s, x) => s + x.minSeconds, 0), 2);
    const n429 = ph.reduce((s, x) => s + x.http429, 0);
    const writes = ph.reduce((s, x) => s + x.writes, 0);
    const ratio = min > 0 ? round(secs / min, 3) : undefined;
    rows.push({
      measure: `${t.segments}-segment window, bypass + restore (${windowNote})`, subject: `${mode} mode (${writes} writes)`, figure: `${secs} s, ${n429}× 429`,
      reference: min > 0 ? `rate-limit minimum ${min} s → **${ratio}×**` : 'minimum 0 s (fits in one window\'s quota)',
      budget: min > 0 ? `≤ ${BUDGET.windowRatio}× minimum, 0× 429` : '0× 429, no waiting (< 1 window)',
      ok: min > 0 ? ratio! <= BUDGET.windowRatio && n429 === 0 : n429 === 0 && secs * 1000 < t.windowMs,
    });
  }
  for (const m of r.memory) rows.push({ measure: 'peak RSS, one representative event', subject: m.fn, figure: `${m.maxRssMB} MB`, reference: m.floorRssMB !== undefined ? `SDK floor ${m.floorRssMB} MB` : '', budget: 'none (256 MB configured)', ok: undefined });
  return rows;
}

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  out.push('# Performance', '');
  out.push('Written by `npm run bench` (bench/run.ts); every figure below is from the run described here. Re-run to refresh it.', '');
  out.push(`- **Machine:** ${machine()}`);
  out.push(`- **Date:** ${r.startedAt.toISOString()} (the run took ${Math.round(r.seconds)} s)`);
  out.push(`- **Functions:** ${r.functions.join(', ')} (every \`functions/<name>/handler.ts\`, bundled by scripts/build.mjs)`);
  out.push('- The machine is shared and noisy: times are medians or percentiles of many runs; compare a figure with its floor from the same run, not across runs.', '');

  out.push('## Summary', '');
  out.push(table(['measure', 'subject', 'figure', 'reference (same run)', 'budget', 'result'], summaryRows(r).map((x) => [x.measure, x.subject, x.figure, x.reference, x.budget, verdict(x.ok)])), '');

  out.push('## 1. Cold start', '');
  out.push(`Module load = \`await import(dist/<fn>/index.mjs)\` timed inside a fresh \`node\` process with the function's environment (config parse, middy chain and SDK client construction included; Node's own start-up excluded), median of ${r.cold[0]?.runs ?? '?'} runs, interleaved with the floor. The SDK floor of a function is a bundle built with the same esbuild options that only imports and constructs the AWS SDK clients that function bundles (found in its metafile).`, '');
  out.push(table(['function', 'bundle (minified)', 'module load (median)', 'SDK floor', 'floor bundle', 'floor load (median)', 'ratio'], r.cold.map((c) => [c.fn, kb(c.bytes), `${c.loadMs} ms`, c.floor.key, kb(c.floor.bytes), `${c.floorMs} ms`, `${c.ratio}×`])), '');
  out.push('Where the bytes go (esbuild metafile, `dist/<fn>/meta.json`, bytes in the minified output):', '');
  out.push(table(['function', 'largest contributors'], r.cold.map((c) => [c.fn, bundleBreakdown(c.fn).map((b) => `${b.what} ${kb(b.bytes)}`).join('; ')])), '');

  out.push('## 2. Warm overhead', '');
  out.push(`Per invocation of the built bundle's \`handler\` in one warm process (signature check, parse, normalise, middy chain, \`SendMessage\` to local SQS, logging at the deployed level \`info\`), alternated call by call with a bare \`SendMessage\` of a command of the same size and attributes to the same queue from the same process. Warm-up: ${Math.min(300, Math.ceil((r.warm[0]?.n ?? 5000) / 10))} of each first.`, '');
  out.push(table(['function', 'event', 'n', 'handler p50', 'handler p99', 'bare p50', 'bare p99', 'p50 added', 'p99 added', 'answers'], r.warm.map((w) => [w.fn, w.what, w.n, `${w.p50} ms`, `${w.p99} ms`, `${w.bareP50} ms`, `${w.bareP99} ms`, `${round(w.p50 - w.bareP50, 3)} ms`, `${round(w.p99 - w.bareP99, 3)} ms`, Object.entries(w.statuses).map(([k, v]) => `${v}× ${k}`).join(', ')])), '');

  out.push('## 3. Calls per action', '');
  out.push('Zscaler requests counted by the simulator for each action, with the actions\' real code and a real token cache (pacing loosened: it changes when requests go, not how many).', '');
  out.push(table(['action', 'Zscaler requests', 'token requests', 'which', 'budget', 'result'], r.calls.map((c) => [c.action, c.zscalerRequests, c.tokenRequests, c.breakdown, c.budget ?? '', verdict(c.ok)])), '');
  out.push('Why each request of a deep-trace start is needed: list the user\'s devices (one lookup with the widened time window); list the device\'s traces (skip if one of ours exists or the device is busy); list the device\'s apps (pick the app named like the incident\'s service, else the worst score); the app\'s web and cloud-path probes (a trace needs their ids); start the trace. A check reads the trace; a completed check also reads its three result sets for the summary. A redelivered start stops after the trace list, finding its own trace by session name.', '');
  const t = r.throughput;
  const bt = t.rows.find((x) => x.mode === 'bypassType' && x.phase === 'bypass');
  if (bt) out.push(`A window over N segments in bypassType mode costs 2 + N reads (segment list, forwarding rules, then a GET per segment: read-merge-write onto the latest state) and N writes, to bypass and again to restore; in rule mode 3 reads and 2 writes (create the rule, move it first) to bypass and 2 reads and 1 write (delete) to restore, whatever N. Measured for N = ${t.segments} below.`, '');

  out.push('## 4. Rate-limited throughput', '');
  out.push(`One window over ${t.segments} seeded segments (app-001…app-${String(t.segments).padStart(3, '0')}), run through \`reconcile()\` with the ZPA bypass port and client, against the simulator enforcing ZPA's published limits (20 GET and 10 writes per window) with the client's matching pacer. Window: **${t.windowMs === 10_000 ? 'the real 10 s' : `sped up to ${t.windowMs} ms (BENCH_ZPA_WINDOW_MS)`}**. Bypass runs at a time inside the window, restore at a time after it; each phase starts with fresh quotas (a real window lasts hours). Minimum = max(⌈writes/10⌉ − 1, ⌈reads/20⌉ − 1, 0) × window: the first quota goes at once, each further one waits a window.`, '');
  out.push(table(['mode', 'phase', 'time', 'rate-limit minimum', 'ratio', 'reads', 'writes', 'token requests', '429s', 'operations'], t.rows.map((x) => [x.mode, x.phase, `${x.seconds} s`, `${x.minSeconds} s`, x.ratio === undefined ? '—' : `${x.ratio}×`, x.reads, x.writes, x.tokens, x.http429, x.ops])), '');

  out.push('## 5. Memory', '');
  out.push('Peak RSS (`process.resourceUsage().maxRSS`) of a fresh `node` process that imported the bundle and handled one representative event against the local endpoints; the SDK floor process only imported its bundle.', '');
  out.push(table(['function', 'event', 'answer', 'handling time (cold)', 'peak RSS', 'SDK floor RSS'], r.memory.map((m) => [m.fn, m.what, m.status, `${m.ms} ms`, `${m.maxRssMB} MB`, m.floorRssMB === undefined ? '—' : `${m.floorRssMB} MB`])), '');
  return out.join('\n');
}
