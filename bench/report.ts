/** Turns the measurements into one summary table plus details, as Markdown (printed and written to docs/PERFORMANCE.md). */
import { cpus, totalmem, release, platform } from 'node:os';
import type { CallRow } from './calls.js';
import type { ColdStartRow } from './coldstart.js';
import type { MemoryRow } from './memory.js';
import type { ThroughputResult } from './throughput.js';
import { STORM_BUDGET, stormMisses, type StormResult, type StormRow } from './storm.js';
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
  /** Section 6; absent when the storm was not run (the previous section is then kept). */
  storm?: StormResult;
  startedAt: Date;
  seconds: number;
}

const kb = (b: number) => `${round(b / 1024, 1)} KB`;
const table = (head: string[], rows: Array<Array<string | number>>) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? '**met**' : '**MISSED**');

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown CPU'}, ${c.length} cores, ${round(totalmem() / 2 ** 30, 1)} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
}

export function summaryRows(r: BenchResults): Array<{
  measure: string;
  subject: string;
  figure: string;
  reference: string;
  budget: string;
  ok: boolean | undefined;
}> {
  const rows: ReturnType<typeof summaryRows> = [];
  for (const c of r.cold) {
    const ingress = INGRESS.has(c.fn);
    rows.push({
      measure: 'cold start: module load',
      subject: c.fn,
      figure: `${c.loadMs} ms`,
      reference: `SDK floor (${c.floor.key}) ${c.floorMs} ms → **${c.ratio}×**`,
      budget: ingress ? `≤ ${BUDGET.loadRatio}× floor` : 'none (not ingress)',
      ok: ingress ? c.ratio <= BUDGET.loadRatio : undefined,
    });
    rows.push({
      measure: 'cold start: bundle',
      subject: c.fn,
      figure: kb(c.bytes),
      reference: `SDK floor ${kb(c.floor.bytes)}`,
      budget: ingress ? `≤ ${BUDGET.bundleKB} KB` : 'none (not ingress)',
      ok: ingress ? c.bytes <= BUDGET.bundleKB * 1024 : undefined,
    });
  }
  for (const w of r.warm) {
    const over = round(w.p99 - w.bareP99, 3);
    rows.push({
      measure: 'warm overhead p50 / p99',
      subject: w.fn,
      figure: `${w.p50} / ${w.p99} ms`,
      reference: `bare SendMessage ${w.bareP50} / ${w.bareP99} ms → p99 +${over} ms`,
      budget: `p99 ≤ bare + ${BUDGET.warmP99AboveBareMs} ms`,
      ok: over <= BUDGET.warmP99AboveBareMs,
    });
  }
  for (const c of r.calls)
    rows.push({
      measure: 'calls per action',
      subject: c.action,
      figure: `${c.zscalerRequests} API, ${c.tokenRequests} token request(s)`,
      reference: '',
      budget: c.budget ?? '',
      ok: c.ok,
    });
  const t = r.throughput;
  const windowNote = t.windowMs === 10_000 ? 'real 10 s window' : `sped-up ${t.windowMs} ms window`;
  for (const mode of ['bypassType', 'rule'] as const) {
    const ph = t.rows.filter((x) => x.mode === mode);
    if (!ph.length) continue;
    const secs = round(
      ph.reduce((s, x) => s + x.seconds, 0),
      2,
    );
    const min = round(
      ph.reduce((s, x) => s + x.minSeconds, 0),
      2,
    );
    const n429 = ph.reduce((s, x) => s + x.http429, 0);
    const writes = ph.reduce((s, x) => s + x.writes, 0);
    const ratio = min > 0 ? round(secs / min, 3) : undefined;
    rows.push({
      measure: `${t.segments}-segment window, bypass + restore (${windowNote})`,
      subject: `${mode} mode (${writes} writes)`,
      figure: `${secs} s, ${n429}× 429`,
      reference: min > 0 ? `rate-limit minimum ${min} s → **${ratio}×**` : "minimum 0 s (fits in one window's quota)",
      budget: min > 0 ? `≤ ${BUDGET.windowRatio}× minimum, 0× 429` : '0× 429, no waiting (< 1 window)',
      ok: min > 0 ? ratio! <= BUDGET.windowRatio && n429 === 0 : n429 === 0 && secs * 1000 < t.windowMs,
    });
  }
  for (const m of r.memory)
    rows.push({
      measure: 'peak RSS, one representative event',
      subject: m.fn,
      figure: `${m.maxRssMB} MB`,
      reference: m.floorRssMB !== undefined ? `SDK floor ${m.floorRssMB} MB` : '',
      budget: 'none (256 MB configured)',
      ok: undefined,
    });
  return rows;
}

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  out.push('# Performance', '');
  out.push(
    'Written by `npm run bench` (bench/run.ts); every figure below is from the run described here. Re-run to refresh it.',
    '',
  );
  out.push(`- **Machine:** ${machine()}`);
  out.push(`- **Date:** ${r.startedAt.toISOString()} (the run took ${Math.round(r.seconds)} s)`);
  out.push(
    `- **Functions:** ${r.functions.join(', ')} (every \`functions/<name>/handler.ts\`, bundled by scripts/build.mjs)`,
  );
  out.push(
    '- The machine is shared and noisy: times are medians or percentiles of many runs; compare a figure with its floor from the same run, not across runs.',
    '',
  );

  out.push('## Summary', '');
  out.push(
    table(
      ['measure', 'subject', 'figure', 'reference (same run)', 'budget', 'result'],
      summaryRows(r).map((x) => [x.measure, x.subject, x.figure, x.reference, x.budget, verdict(x.ok)]),
    ),
    '',
  );

  out.push('## 1. Cold start', '');
  out.push(
    `Module load = \`await import(dist/<fn>/index.mjs)\` timed inside a fresh \`node\` process with the function's environment (config parse, middy chain and SDK client construction included; Node's own start-up excluded), median of ${r.cold[0]?.runs ?? '?'} runs, interleaved with the floor. The SDK floor of a function is a bundle built with the same esbuild options that only imports and constructs the AWS SDK clients that function bundles (found in its metafile).`,
    '',
  );
  out.push(
    table(
      [
        'function',
        'bundle (minified)',
        'module load (median)',
        'SDK floor',
        'floor bundle',
        'floor load (median)',
        'ratio',
      ],
      r.cold.map((c) => [
        c.fn,
        kb(c.bytes),
        `${c.loadMs} ms`,
        c.floor.key,
        kb(c.floor.bytes),
        `${c.floorMs} ms`,
        `${c.ratio}×`,
      ]),
    ),
    '',
  );
  out.push('Where the bytes go (esbuild metafile, `dist/<fn>/meta.json`, bytes in the minified output):', '');
  out.push(
    table(
      ['function', 'largest contributors'],
      r.cold.map((c) => [
        c.fn,
        bundleBreakdown(c.fn)
          .map((b) => `${b.what} ${kb(b.bytes)}`)
          .join('; '),
      ]),
    ),
    '',
  );

  out.push('## 2. Warm overhead', '');
  out.push(
    `Per invocation of the built bundle's \`handler\` in one warm process (signature check, parse, normalise, middy chain, \`SendMessage\` to local SQS, logging at the deployed level \`info\`), alternated call by call with a bare \`SendMessage\` of a command of the same size and attributes to the same queue from the same process. Warm-up: ${Math.min(300, Math.ceil((r.warm[0]?.n ?? 5000) / 10))} of each first.`,
    '',
  );
  out.push(
    table(
      [
        'function',
        'event',
        'n',
        'handler p50',
        'handler p99',
        'bare p50',
        'bare p99',
        'p50 added',
        'p99 added',
        'answers',
      ],
      r.warm.map((w) => [
        w.fn,
        w.what,
        w.n,
        `${w.p50} ms`,
        `${w.p99} ms`,
        `${w.bareP50} ms`,
        `${w.bareP99} ms`,
        `${round(w.p50 - w.bareP50, 3)} ms`,
        `${round(w.p99 - w.bareP99, 3)} ms`,
        Object.entries(w.statuses)
          .map(([k, v]) => `${v}× ${k}`)
          .join(', '),
      ]),
    ),
    '',
  );

  out.push('## 3. Calls per action', '');
  out.push(
    "Zscaler requests counted by the simulator for each action, with the actions' real code and a real token cache (pacing loosened: it changes when requests go, not how many).",
    '',
  );
  out.push(
    table(
      ['action', 'Zscaler requests', 'token requests', 'which', 'budget', 'result'],
      r.calls.map((c) => [c.action, c.zscalerRequests, c.tokenRequests, c.breakdown, c.budget ?? '', verdict(c.ok)]),
    ),
    '',
  );
  out.push(
    "Why each request of a deep-trace start is needed: list the user's devices (one lookup with the widened time window); list the device's traces (skip if one of ours exists or the device is busy); list the device's apps (pick the app named like the incident's service, else the worst score); the app's web and cloud-path probes (a trace needs their ids); start the trace. A check reads the trace; a completed check also reads its three result sets for the summary. A redelivered start costs no ZDX request: the ledger has seen its command id (a start whose answer was lost is found by its session name on the next run).",
    '',
  );
  const t = r.throughput;
  const bt = t.rows.find((x) => x.mode === 'bypassType' && x.phase === 'bypass');
  if (bt)
    out.push(
      `A window over N segments in bypassType mode costs 2 + N reads (segment list, forwarding rules, then a GET per segment: read-merge-write onto the latest state) and N writes, to bypass and again to restore; in rule mode 3 reads and 2 writes (create the rule, move it first) to bypass and 2 reads and 1 write (delete) to restore, whatever N. Measured for N = ${t.segments} below.`,
      '',
    );

  out.push('## 4. Rate-limited throughput', '');
  out.push(
    `One window over ${t.segments} seeded segments (app-001…app-${String(t.segments).padStart(3, '0')}), run through \`reconcile()\` with the ZPA bypass port and client, against the simulator enforcing ZPA's published limits (20 GET and 10 writes per window) with the client's matching pacer. Window: **${t.windowMs === 10_000 ? 'the real 10 s' : `sped up to ${t.windowMs} ms (BENCH_ZPA_WINDOW_MS)`}**. Bypass runs at a time inside the window, restore at a time after it; each phase starts with fresh quotas (a real window lasts hours). Minimum = max(⌈writes/10⌉ − 1, ⌈reads/20⌉ − 1, 0) × window: the first quota goes at once, each further one waits a window.`,
    '',
  );
  out.push(
    table(
      [
        'mode',
        'phase',
        'time',
        'rate-limit minimum',
        'ratio',
        'reads',
        'writes',
        'token requests',
        '429s',
        'operations',
      ],
      t.rows.map((x) => [
        x.mode,
        x.phase,
        `${x.seconds} s`,
        `${x.minSeconds} s`,
        x.ratio === undefined ? '—' : `${x.ratio}×`,
        x.reads,
        x.writes,
        x.tokens,
        x.http429,
        x.ops,
      ]),
    ),
    '',
  );

  out.push('## 5. Memory', '');
  out.push(
    'Peak RSS (`process.resourceUsage().maxRSS`) of a fresh `node` process that imported the bundle and handled one representative event against the local endpoints; the SDK floor process only imported its bundle.',
    '',
  );
  out.push(
    table(
      ['function', 'event', 'answer', 'handling time (cold)', 'peak RSS', 'SDK floor RSS'],
      r.memory.map((m) => [
        m.fn,
        m.what,
        m.status,
        `${m.ms} ms`,
        `${m.maxRssMB} MB`,
        m.floorRssMB === undefined ? '—' : `${m.floorRssMB} MB`,
      ]),
    ),
    '',
  );
  if (r.storm) out.push(renderStorm(r.storm), '');
  return out.join('\n');
}

// ---- 6. Deep-trace storm (bench/storm.ts). Its own section between markers, so `bench/run.ts storm` can
// refresh it alone inside an existing docs/PERFORMANCE.md.

export const STORM_BEGIN = '<!-- bench:storm:begin -->';
export const STORM_END = '<!-- bench:storm:end -->';

const secs = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : `${n} s`);

export function stormSummaryRows(storm: StormResult): Array<{
  measure: string;
  subject: string;
  figure: string;
  reference: string;
  budget: string;
  ok: boolean | undefined;
}> {
  const rows: ReturnType<typeof stormSummaryRows> = [];
  for (const r of storm.rows) {
    const subject = `${r.scenario} (${r.users} users, ${r.limits})`;
    const minS = Math.max(r.rateTermS, r.slotTermS ?? 0);
    rows.push({
      measure: 'time to the last start',
      subject,
      figure: `${r.lastStartS} s (${r.startsPerSecond} starts/s); first start ${r.firstStartS} s`,
      reference:
        r.slotTermS === undefined
          ? `rate term ${r.rateTermS} s (${r.callsPerStart} ZDX requests per start); no slot bound: resolves free slots early`
          : `bound ${round(minS, 1)} s (${r.boundPerSecond} starts/s) = max(rate ${r.rateTermS} s at ${r.callsPerStart} requests/start, slots ${r.slotTermS} s) → **${r.ratio}×**`,
      budget: r.slotTermS === undefined ? 'none (see resolves)' : `≤ ${STORM_BUDGET.ratio}× bound`,
      ok: r.ratio === undefined ? undefined : r.ratio <= STORM_BUDGET.ratio,
    });
    rows.push({
      measure: 'open → start wait p50 / p90 / max',
      subject,
      figure: `${r.wait.p50} / ${r.wait.p90} / ${r.wait.max} s`,
      reference: `P1/P2 longest ${r.urgentWaitMax} s`,
      budget: 'none',
      ok: undefined,
    });
    rows.push({
      measure: 'ZDX 429s',
      subject,
      figure: `${r.http429}`,
      reference: `${r.zdxCalls} ZDX requests, busiest minute ${r.busiestMinute} (limit ${r.limits.includes('/min') ? r.limits.replace(/.*\+ (\d+) req\/min.*/, '$1') : '180, T4'}); ${r.tokens} token request(s)`,
      budget: '0',
      ok: r.http429 === 0,
    });
    const failures = r.stepFailures + r.batchFailures + r.deadLetters + r.failedDevices;
    rows.push({
      measure: 'failures / dead letters',
      subject,
      figure: `${failures}`,
      reference: `failed steps ${r.stepFailures}, failed batches ${r.batchFailures}, DLQ ${r.deadLetters}, failed devices ${r.failedDevices}`,
      budget: '0',
      ok: failures === 0,
    });
    rows.push({
      measure: '"could not start" reports',
      subject,
      figure: `${r.couldNotStart}`,
      reference: `busy ${r.busy}; ${r.queuedNotices} told "queued" (${r.repeatedQueuedNotices} told twice)`,
      budget: '0',
      ok: r.couldNotStart === 0 && r.repeatedQueuedNotices === 0,
    });
    rows.push({
      measure: 'tenant budget: most active traces in ZDX',
      subject,
      figure: `${r.maxActive}`,
      reference: `ZDX refused ${r.conflicts409} start(s) with 409`,
      budget: '≤ 15',
      ok: r.maxActive <= 15,
    });
    rows.push({
      measure: 'priority order (reconciler: looked-up incidents)',
      subject,
      figure: `${r.priorityViolations} inversions`,
      reference: '',
      budget: '0',
      ok: r.priorityViolations === 0,
    });
    rows.push({
      measure: 'priority order (opened together, urgent one then waited)',
      subject,
      figure: `${r.openedTogetherInversions} inversions`,
      reference: `${r.urgentBehindLessUrgent} incident(s) started after a less urgent one`,
      budget: '0',
      ok: r.openedTogetherInversions === 0,
    });
    if (r.resolves) {
      const x = r.resolves;
      rows.push({
        measure: 'resolve → stop during the storm',
        subject,
        figure: x.stopLatency
          ? `p50 ${x.stopLatency.p50} s, p90 ${x.stopLatency.p90} s, max ${x.stopLatency.max} s (${x.stopped} stopped)`
          : 'no trace to stop',
        reference: `${x.sent} resolves: ${x.whenSent.running} running, ${x.whenSent.waiting} waiting, ${x.whenSent.ended} ended when sent; ${x.dropped} dropped notices`,
        budget: 'no start after the resolve, none left running',
        ok: x.startedAfterResolve === 0 && x.leftRunning === 0,
      });
    }
  }
  return rows;
}

export function renderStorm(storm: StormResult): string {
  const out: string[] = [STORM_BEGIN, '## 6. Deep-trace storm', ''];
  const r0 = storm.rows[0];
  out.push(
    "N users at once, each its own PagerDuty incident (priorities P1 10 %, P2 20 %, P3 40 %, P4 20 %, P5 10 %, seeded), one device per user, through the deep-trace side as deployed: the opens are sent to the FIFO trace queue (local SQS with serverless.yml's queues, redrive policy and DLQ), consumed in batches of 10, one run at a time, back to back, by the trace reconciler's handler (`functions/trace-reconciler/app.ts`, settings as `handler.ts` builds them) with a fresh 60 s Lambda deadline per run; its wake-ups go to the work queue with their SQS delay and come back through the worker's `relayWake`; the every-minute tick runs too. The incident ledger is DynamoDB (dynalite, the table serverless.yml declares); reports are POSTed to a receiver. ZDX is reached by the real client (token cache, pacer from the configuration — `zdxPacer(5)`, or `zdxPacer(5, 30)` from `ZDX_REQUESTS_PER_MINUTE=30` — retries) over HTTP against the simulator enforcing 5 requests/s (and the tier's per-minute limit), one active trace per device and 15 per tenant.",
    '',
  );
  if (r0) {
    out.push(
      `Time: the simulator runs ${r0.timeScale}× faster, so a 5-minute trace plus ZDX's 30 s start-up holds its slot for **${r0.traceSeconds} real seconds**; the check delay is scaled alike (traceCheckDelaySeconds 60 → ${r0.checkDelaySeconds} s), so each trace is checked as often as in production. The rate limits and the 60 s deadline are real time, so the rate limit weighs ${r0.timeScale}× more against the traces than in production. The simulator seeds 24 users and has no option for more: the bench mounts the simulator's own ZDX parts (device and deep-trace routes, trace store, rate limiter) with the seed plus N generated users (bench/storm.ts, \`stormZdx\`).`,
      '',
    );
  }
  out.push(
    "Bound on the last start (like §4): the requests sent up to the last start, C, cannot go faster than the limits — the first second's (minute's) quota at once, each further one a second (a minute) later: rate term = max(⌈C/5⌉ − 1 s, (⌈C/M⌉ − 1) min, M the tier's per-minute limit: 180 on T4, 30 on T1); and the k-th start cannot come before ⌊(k − 1)/15⌋ trace lives (slot term). Bound = max of the two; \"starts/s\" = starts ÷ time to the last start, the bound's = starts ÷ bound (the brief's min(5 req/s ÷ requests per start, slots freed per second), with the first free wave counted exactly). C counts every ZDX request up to the last start — lookups, start reads, checks, result reads — so \"requests per start\" is what a start costs all in. Waiting = from the open being sent to ZDX accepting the start. Max active = the simulator's count right after each trace it created.",
    '',
  );
  out.push(
    `- **Run:** ${storm.startedAt.toISOString()}, ${machine()}; ${Math.round(storm.seconds)} s for all scenarios (\`npx tsx bench/run.ts storm\`).`,
    '',
  );
  out.push('### Goals', '');
  out.push(
    table(
      ['measure', 'scenario', 'figure', 'reference (same run)', 'goal', 'result'],
      stormSummaryRows(storm).map((x) => [x.measure, x.subject, x.figure, x.reference, x.budget, verdict(x.ok)]),
    ),
    '',
  );
  out.push('### Figures', '');
  out.push(
    table(
      [
        'scenario',
        'limits',
        'started / completed',
        'first start',
        'last start',
        'starts/s',
        'bound/s',
        'ratio',
        'wait p50 / p90 / max',
        'slot held in the ledger after ZDX ended the trace p50 / p90 / max',
        'slot freed in ZDX → reused p50 / p90 / max',
        'max active',
        'runs (out of time)',
        'run p50 / max',
        'ZDX requests (per start)',
        '429',
      ],
      storm.rows.map((r) => [
        r.scenario,
        r.limits,
        `${r.started} / ${r.completed}`,
        secs(r.firstStartS),
        secs(r.lastStartS),
        r.startsPerSecond,
        r.boundPerSecond,
        r.ratio === undefined ? '—' : `${r.ratio}×`,
        `${r.wait.p50} / ${r.wait.p90} / ${r.wait.max} s`,
        r.slotIdle ? `${r.slotIdle.p50} / ${r.slotIdle.p90} / ${r.slotIdle.max} s` : '—',
        r.slotReuse ? `${r.slotReuse.p50} / ${r.slotReuse.p90} / ${r.slotReuse.max} s` : '—',
        r.maxActive,
        `${r.runs} (${r.deferredRuns})`,
        `${r.runSeconds.p50} / ${r.runSeconds.max} s`,
        `${r.zdxCalls} (${r.callsPerStart})`,
        r.http429,
      ]),
    ),
    '',
  );
  out.push('Waiting time by priority (open → start, seconds: n, p50, max):', '');
  out.push(
    table(
      ['scenario', 'P1', 'P2', 'P3', 'P4', 'P5'],
      storm.rows.map((r) => [
        r.scenario,
        ...[1, 2, 3, 4, 5].map((p) => {
          const x = r.byPriority.find((b) => b.priority === p);
          return x ? `${x.n}: ${x.p50} / ${x.max}` : '—';
        }),
      ]),
    ),
    '',
  );
  out.push('Where the ZDX requests went (whole scenario, refused ones excluded):', '');
  const classes = [...new Set(storm.rows.flatMap((r) => Object.keys(r.breakdown)))];
  out.push(
    table(
      ['scenario', ...classes],
      storm.rows.map((r) => [r.scenario, ...classes.map((c) => r.breakdown[c] ?? 0)]),
    ),
    '',
  );
  const withResolves = storm.rows.filter((r) => r.resolves);
  if (withResolves.length) {
    out.push('Resolves during the storm:', '');
    out.push(
      table(
        [
          'scenario',
          'resolves sent',
          'when sent: running / waiting / ended',
          'stopped',
          'resolve → stop p50 / p90 / max',
          'of which in the queue p50 / max',
          'then in the run p50 / max',
          '"dropped" notices',
          'started after the resolve was applied',
          'left running',
        ],
        withResolves.map((r) => {
          const x = r.resolves!;
          const pm = (v: { p50: number; max: number } | undefined) => (v ? `${v.p50} / ${v.max} s` : '—');
          return [
            r.scenario,
            x.sent,
            `${x.whenSent.running} / ${x.whenSent.waiting} / ${x.whenSent.ended}`,
            x.stopped,
            x.stopLatency ? `${x.stopLatency.p50} / ${x.stopLatency.p90} / ${x.stopLatency.max} s` : '—',
            pm(x.stopQueued),
            pm(x.stopInRun),
            x.dropped,
            x.startedAfterResolve,
            x.leftRunning,
          ];
        }),
      ),
      '',
    );
  }
  const failing = storm.rows.filter((r) => r.errorSamples.length);
  if (failing.length) {
    out.push(
      'Errors the handler logged (first 10 per scenario; s after the storm began), next to when runs ended — each run has a fresh 60 s deadline:',
      '',
    );
    for (const r of failing) {
      out.push(`- **${r.scenario}** (runs ended at ${r.runEnds.join(', ')} s):`);
      for (const e of r.errorSamples) out.push(`  - ${e}`);
    }
    out.push('');
  }
  const details = storm.rows.flatMap((r) => r.http429Detail.map((d) => `- ${r.scenario}: ${d}`));
  if (details.length)
    out.push("Each 429, against the simulator's fixed windows (real seconds and minutes):", '', ...details, '');
  out.push('### What the numbers mean', '');
  for (const r of storm.rows) out.push(`- ${stormReading(r)}`);
  out.push('', STORM_END);
  return out.join('\n');
}

/** One sentence per scenario, from its figures. */
function stormReading(r: StormRow): string {
  const parts: string[] = [];
  if (r.slotTermS !== undefined) {
    const binding =
      r.slotTermS >= r.rateTermS
        ? `the 15 slots bind (slot term ${r.slotTermS} s vs rate term ${r.rateTermS} s)`
        : `the rate limit binds (rate term ${r.rateTermS} s vs slot term ${r.slotTermS} s)`;
    parts.push(
      `**${r.scenario}:** ${binding}; the last start came at ${r.lastStartS} s, ${r.ratio}× the bound (goal ≤ ${STORM_BUDGET.ratio}×).`,
    );
    if (r.slotReuse && r.slotTermS >= r.rateTermS) {
      const waves = Math.floor((r.started - 1) / 15);
      const over = round(r.lastStartS - r.slotTermS, 1);
      parts.push(
        `The bound assumes a slot is reused the moment ZDX frees it; here a freed slot was reused after a median ${r.slotReuse.p50} s (p90 ${r.slotReuse.p90} s, max ${r.slotReuse.max} s), of which a median ${r.slotIdle?.p50 ?? '—'} s (max ${r.slotIdle?.max ?? '—'} s) it still counted as taken in the ledger, until a check saw the trace completed. The ${over} s above the slot term come to ${round(over / Math.max(1, waves), 1)} s for each of the ${waves} waves after the first, against a ${r.traceSeconds} s trace.`,
      );
    }
  } else {
    parts.push(
      `**${r.scenario}:** resolves free slots early, so there is no slot bound; the last start came at ${r.lastStartS} s.`,
    );
    const x = r.resolves;
    if (x?.stopLatency)
      parts.push(
        `A resolve sent during the storm stopped its running trace after a median ${x.stopLatency.p50} s (max ${x.stopLatency.max} s): a median ${x.stopQueued?.p50 ?? '—'} s (max ${x.stopQueued?.max ?? '—'} s) in the FIFO queue until a run took it (the run in progress finishes first), then ${x.stopInRun?.p50 ?? '—'} s (max ${x.stopInRun?.max ?? '—'} s) in that run, whose first step is the stops.`,
      );
    if (x)
      parts.push(
        x.startedAfterResolve === 0 && x.leftRunning === 0
          ? `No incident started after its resolve was applied and none was left running; the ${x.whenSent.waiting} resolved while waiting for a slot never started (${x.dropped} "dropped" notice(s): it goes to those already told "queued").`
          : `A resolve was not honoured: ${x.startedAfterResolve} started after it, ${x.leftRunning} left running.`,
      );
  }
  if (r.errorsLogged > 0)
    parts.push(
      `${r.errorsAtDeadline} of the ${r.errorsLogged} error(s) logged came in the last 1.5 s of a run that had used its whole 60 s (see the list): a request the pacer admits just before the deadline gets what is left as its timeout and times out; the next run redoes the step (a start whose POST may have reached ZDX is found by its session name), so no incident is lost, but each is logged as a failed step.`,
    );
  if (r.openedTogetherInversions > 0)
    parts.push(
      `${r.urgentBehindLessUrgent} more urgent incident(s) waited for a slot while less urgent ones opened at the same moment had started (longest P1/P2 wait ${r.urgentWaitMax} s): the reconciler orders only what it has read from the queue, 10 opens a run, so the first free slots go to the first opens in queue order.`,
    );
  if (r.http429Minute > 0 && !r.limits.includes('/min'))
    parts.push(
      `${r.http429Minute} of the ${r.http429} 429(s) came from ZDX's per-minute limit, not the per-second one (see the list of 429s): the busiest minute had ${r.busiestMinute} accepted requests, while every ZDX tier also limits a minute (T4: 180).`,
    );
  const misses = stormMisses(r);
  parts.push(misses.length ? `Missed: ${misses.join('; ')}.` : 'Every goal met.');
  return parts.join(' ');
}

/** The storm section of a written docs/PERFORMANCE.md, markers included, or undefined. */
export function stormSectionOf(doc: string): string | undefined {
  const b = doc.indexOf(STORM_BEGIN);
  const e = doc.indexOf(STORM_END);
  return b >= 0 && e > b ? doc.slice(b, e + STORM_END.length) : undefined;
}

/**
 * `doc` with its storm section replaced by `section` (or added after the last numbered section), and the notes
 * after it replaced by `notes` when given.
 */
export function spliceStorm(doc: string, section: string, notes?: string): string {
  const b = doc.indexOf(STORM_BEGIN);
  let head = doc;
  let tail = '';
  if (b >= 0) {
    head = doc.slice(0, b);
    const e = doc.indexOf(STORM_END, b);
    tail = e >= 0 ? doc.slice(e + STORM_END.length) : '';
  } else {
    const firstNotesLine = notes?.split('\n')[0];
    const n = firstNotesLine ? doc.indexOf(`\n${firstNotesLine}`) : -1;
    if (n >= 0) {
      head = doc.slice(0, n + 1);
      tail = doc.slice(n + 1);
    }
  }
  const after = notes !== undefined ? `\n${notes}` : tail.replace(/^\n+/, '');
  return `${head.trimEnd()}\n\n${section}\n${after ? `\n${after}` : ''}`;
}
