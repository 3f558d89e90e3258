/**
 * What an idle reconcile tick costs as the tenant grows: 60, 2,000 and 10,000 segments, no window running and
 * one ad-hoc bypass rule in force (a quiet minute). Two ways of reading:
 * - `full`: every rule and every segment each tick (what the reconciler did before view.ts, and still does when it
 *   has no record of marked segments, once a day, and when ZPA refuses the rule search);
 * - `indexed`: as deployed (view.ts): one rule search, the recorded marked segments by id.
 * Counted at the simulator (every request the ZPA API received) with ZPA's real limits enforced and the client
 * pacing the reconciler's share (16 GET per 10 s); bytes are the JSON the port handed back (about what came over
 * the wire). Each figure is the median of 5 ticks after a first one (the first indexed tick sweeps).
 */
import { startLocalDynamo } from '../local/dynamodb.js';
import { readServerlessYml } from '../local/serverlessYml.js';
import { dynamoMarkedSegments } from '../shared/bypass/markedSegments.js';
import type { BypassPort } from '../shared/bypass/port.js';
import { newReconcileMemory, reconcile } from '../shared/bypass/reconcile.js';
import { parseWindowsFile } from '../shared/bypass/windows.js';
import { zpaBypassPort } from '../shared/bypass/zpaPort.js';
import { loadConfig, zpaReconcilerFields } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { zpaPacer } from '../shared/zscaler/pacer.js';
import { SIM_CREDENTIALS } from '../simulator/credentials.js';
import { zscalerTestEnv } from '../test/helpers/zscaler.js';
import { spliceSection } from './sections.js';
import { median, round } from './stats.js';

export const IDLE_SIZES = [60, 2_000, 10_000];
const TICKS = 5;

export interface IdleRow {
  segments: number;
  mode: 'full' | 'indexed';
  requests: number;
  kilobytes: number;
  ms: number;
}

export interface IdleResult {
  at: string;
  rows: IdleRow[];
}

/** Counts the JSON each read of the port hands back. */
function countingPort(port: BypassPort, bytes: { n: number }): BypassPort {
  const counted =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const r = await f(...a);
      bytes.n += r === undefined ? 0 : JSON.stringify(r).length;
      return r;
    };
  return {
    ...port,
    listForwardingRules: counted(port.listForwardingRules),
    listSegments: counted(port.listSegments),
    findSegment: counted(port.findSegment),
    searchBypassRules: port.searchBypassRules && counted(port.searchBypassRules),
    getSegment: port.getSegment && counted(port.getSegment),
  };
}

export async function measureIdle(
  sizes = IDLE_SIZES,
  log: (line: string) => void = () => undefined,
): Promise<IdleResult> {
  const reads = loadConfig(zpaReconcilerFields, {}).ZPA_READS_PER_10S;
  const dynamo = await startLocalDynamo(readServerlessYml().tables);
  const rows: IdleRow[] = [];
  const logger = createLogger({ level: 'error', sink: () => undefined });
  // One ad-hoc bypass in force (its rule is ours: found by the search) and no window running.
  const windows = parseWindowsFile({ guardrails: { allowedSegments: ['app-*'], maxWindowMinutes: 240 }, windows: [] });
  try {
    for (const segments of sizes) {
      const env = await zscalerTestEnv({
        sim: { zpaBulkSegments: segments },
        pacers: { zpa: zpaPacer({ getPer10s: reads, writePer10s: 10, windowMs: 10_000 }) },
      });
      try {
        const base = zpaBypassPort({ api: env.clients.zpa, customerId: SIM_CREDENTIALS.zpaCustomerId });
        const app = (await base.findSegment('app-001'))!;
        await base.createBypassRule({
          name: `zea-bypass:adhoc:${app.id}`,
          description: `[zea] until=${new Date(Date.now() + 86_400_000).toISOString()} by=bench reason=idle bench`,
          appIds: [app.id],
        });
        const requests = () => (env.sim.state().products.zpa as { counters: { requests: number } }).counters.requests;
        for (const mode of ['full', 'indexed'] as const) {
          const bytes = { n: 0 };
          const port = countingPort(base, bytes);
          const store =
            mode === 'indexed'
              ? dynamoMarkedSegments({
                  tableName: dynamo.tableNames.IncidentLedger!,
                  client: dynamo.client,
                })
              : undefined;
          const memory = newReconcileMemory();
          const tick = () => reconcile({ port, windows, logger, memory, markedSegments: store });
          await tick(); // the first: the indexed one sweeps (no record yet)
          const samples: Array<{ requests: number; bytes: number; ms: number }> = [];
          for (let i = 0; i < TICKS; i++) {
            const r0 = requests();
            bytes.n = 0;
            const t0 = performance.now();
            await tick();
            samples.push({ requests: requests() - r0, bytes: bytes.n, ms: performance.now() - t0 });
          }
          const row: IdleRow = {
            segments,
            mode,
            requests: median(samples.map((x) => x.requests)),
            kilobytes: round(median(samples.map((x) => x.bytes)) / 1024),
            ms: round(median(samples.map((x) => x.ms))),
          };
          rows.push(row);
          log(`${segments} segments, ${mode}: ${row.requests} requests, ${row.kilobytes} KB, ${row.ms} ms per tick`);
        }
      } finally {
        await env.close();
      }
    }
  } finally {
    await dynamo.close();
  }
  return { at: new Date().toISOString(), rows };
}

export function renderIdle(r: IdleResult): string {
  return [
    '<!-- bench:idle:start -->',
    '',
    '### Idle reconcile ticks as the tenant grows',
    '',
    `One reconcile tick with no window running and one ad-hoc bypass rule in force, against the simulator seeded with that many segments (ZPA's real limits enforced, the client pacing the reconciler's 16 GET per 10 s). \`full\`: every rule and segment read each tick (the daily sweep, or no record of marked segments); \`indexed\`: as deployed — one rule search, the recorded marked segments by id (\`shared/bypass/view.ts\`). Requests counted at the simulator; KB is the JSON the reads returned; median of ${TICKS} ticks (\`bench/idle.ts\`, \`npx tsx bench/run.ts idle\`; run ${r.at}).`,
    '',
    '| segments | reads | ZPA requests per tick | KB per tick | time per tick |',
    '|---|---|---|---|---|',
    ...r.rows.map(
      (x) => `| ${x.segments.toLocaleString('en-US')} | ${x.mode} | ${x.requests} | ${x.kilobytes} | ${x.ms} ms |`,
    ),
    '',
    '<!-- bench:idle:end -->',
  ].join('\n');
}

/** Puts the idle section in place of the last one, or before "## 5. Memory" the first time. */
export const spliceIdle = (md: string, section: string): string => spliceSection(md, 'idle', section);

/** The indexed rows flat (same requests at every size) and below the full ones: the goal of issue 11. */
export const idleFlat = (r: IdleResult): boolean => {
  const indexed = r.rows.filter((x) => x.mode === 'indexed').map((x) => x.requests);
  return indexed.length > 0 && indexed.every((n) => n === indexed[0]);
};
