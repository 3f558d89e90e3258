/**
 * A finished trace's report says what looks wrong, and where, on its first line. The trace reconciler runs for real
 * against the simulated ZDX over HTTP (the real client, pacer and auth), with the ledger in dynalite and the report
 * POSTed to a local receiver: each planted fault (simulator/zdx/plantedFaults.ts) is started, run to its end on the
 * simulated clock, read back (results, hops, ZDX's score analysis) and reported. The first line must name the
 * planted leg, hop or phase; a healthy device's must say nothing looks wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamodb.js';
import { startReceiver } from '../../local/receiver.js';
import { readServerlessYml } from '../../local/serverlessYml.js';
import type { TraceStart } from '../../shared/commands/contract.js';
import { dynamoLedger } from '../../shared/ledger/store.js';
import { createLogger } from '../../shared/logger.js';
import { createReporter } from '../../shared/reporting/reporter.js';
import { reconcileTraces, type TraceReconcilerDeps, type TraceSettings } from '../../shared/traces/reconcile.js';
import { zdxTracePort } from '../../shared/traces/zdxPort.js';
import { zdxPacer } from '../../shared/zscaler/pacer.js';
import { createZdxSimulator } from '../../simulator/index.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';

const CAROL_DESKTOP = 132559456;

let env: Awaited<ReturnType<typeof zscalerTestEnv>>;
let slowAnalysis: Awaited<ReturnType<typeof zscalerTestEnv>>;
let dynamo: LocalDynamo;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const logLines: string[] = [];

beforeAll(async () => {
  // Carol's desktop gets a fault through the option (the other four are the seed's); an analysis takes 0.4 s, so
  // the report's first read finds it unfinished and its second (0.7 s later) finds the verdict.
  env = await zscalerTestEnv({
    sim: {
      products: (clock) => [
        createZdxSimulator(clock, {
          plantedFaults: { [CAROL_DESKTOP]: 'server' },
          analysisDelayMs: 400,
          rateLimit: false,
        }),
      ],
    },
    pacers: { zdx: zdxPacer(50, 10_000) },
  });
  // A ZDX whose analyses never finish within the report's wait. (Rate limits are tested elsewhere: off here, so
  // every call counted below is one the reconciler chose to make, not a retry.)
  slowAnalysis = await zscalerTestEnv({
    sim: { products: (clock) => [createZdxSimulator(clock, { analysisDelayMs: 3_600_000, rateLimit: false })] },
    pacers: { zdx: zdxPacer(50, 10_000) },
  });
  dynamo = await startLocalDynamo(readServerlessYml().tables);
  receiver = await startReceiver(0);
});
afterAll(async () => {
  await Promise.all([env.close(), slowAnalysis.close(), dynamo.close(), receiver.close()]);
});

const SETTINGS: TraceSettings = {
  lookbackHours: 24,
  sessionMinutes: 5,
  checkDelaySeconds: 0,
  maxChecks: 10,
  maxActiveTraces: 15,
  reserveMs: 1_000,
  portalDeviceUrl: 'https://zdx-portal.example/zdx/devices/{deviceId}',
  analysisWaitMs: 700,
};

const open = (incidentId: string, email: string): TraceStart => ({
  id: `open-${incidentId}`,
  type: 'trace.start',
  incident: { source: 'pagerduty', incidentId, service: 'Microsoft Outlook' },
  userEmails: [email],
  requestedBy: { kind: 'incident', id: `pagerduty:${incidentId}` },
});

interface Completed {
  kind: string;
  text: string;
  data: {
    deviceId: number;
    incident: { incidentId: string };
    findings: Array<{ area: string; text: string }>;
    analysis: { state: string; issue?: string };
  };
}

/** Opens the incident, runs the trace to its end on the simulated clock, and returns its report(s). */
async function traceToReport(
  z: typeof env,
  incidentId: string,
  email: string,
  settings: Partial<TraceSettings> = {},
): Promise<Completed[]> {
  const deps: TraceReconcilerDeps = {
    traces: zdxTracePort(z.clients.zdx),
    ledger: dynamoLedger({ tableName: dynamo.tableNames.IncidentLedger!, client: dynamo.client, retentionDays: 30 }),
    reporter: createReporter({
      callbackUrl: `${receiver.url}/reports`,
      logger: createLogger({ level: 'error', sink: (l) => logLines.push(l) }),
    }),
    logger: createLogger({ level: 'warn', sink: (l) => logLines.push(l) }),
    settings: { ...SETTINGS, ...settings },
  };
  const first = await reconcileTraces([open(incidentId, email)], deps);
  expect(first.started).toBeGreaterThanOrEqual(1);
  z.sim.advance(30_000 + 5 * 60_000 + 1_000);
  await reconcileTraces([], deps);
  const mine = receiver.received
    .map((r) => r.body as Completed)
    .filter((b) => b.kind === 'trace.completed' && b.data.incident.incidentId === incidentId);
  expect(mine.length).toBeGreaterThanOrEqual(1);
  return mine;
}

const firstLine = (r: Completed) => r.text.split('\n')[0]!;

describe('the first line of a finished trace names the planted fault', () => {
  it('a lossy Wi-Fi / client leg: the Client → Egress leg, its first hop and the weak signal', async () => {
    const [r] = await traceToReport(env, 'QDIAG-WIFI', 'ivan@corp.example');
    const line = firstLine(r!);
    expect(line).toMatch(/^Deep trace on IVAN-LT-A79 finished: /);
    expect(line).toMatch(/Client → Egress leg [\d.]+% loss, [\d.]+ ms avg \(the local network or Wi-Fi\)/);
    expect(line).toContain('hop 1 (192.168.1.1) on IVAN-LT-A79 → outlook.office365.com');
    expect(line).toMatch(/Wi-Fi signal weak: [\d.]+% avg/);
    // ZDX's own analysis agrees, and is on the line too.
    expect(line).toContain('ZDX analysis: Wi-Fi (85% confidence)');
    expect(r!.data.analysis).toMatchObject({ state: 'done', issue: 'Wi-Fi' });
    expect(r!.text).toContain('ZDX portal: https://zdx-portal.example/zdx/devices/132560401');
  });

  it("a slow server phase: the web probe's server time, and the network is not blamed", async () => {
    const [r] = await traceToReport(env, 'QDIAG-SERVER', 'judy@corp.example');
    const line = firstLine(r!);
    expect(line).toMatch(/^Deep trace on JUDY-MBP-A26 finished: /);
    expect(line).toMatch(/web probe slowest phase: server time [\d,]+ ms avg of [\d,]+ ms page fetch/);
    expect(line).toContain('ZDX analysis: Application server');
    expect(line).not.toMatch(/ leg |hop \d/);
  });

  it('a congested ISP hop: hop 3 and the Egress → ZIA Service Edge leg', async () => {
    const [r] = await traceToReport(env, 'QDIAG-ISP', 'mallory@corp.example');
    const line = firstLine(r!);
    expect(line).toMatch(/^Deep trace on MALLORY-LT-A63 finished: /);
    expect(line).toMatch(/Egress → ZIA Service Edge leg [\d.]+% loss, [\d.]+ ms avg/);
    expect(line).toMatch(
      /hop 3 \(203\.0\.113\.9\) on MALLORY-LT-A63 → outlook\.office365\.com \+\d+(\.\d)? ms to \d+(\.\d)? ms, [\d.]+% loss/,
    );
    expect(line).toContain('ZDX analysis: ISP network');
    expect(r!.data.findings.map((f) => f.area)).toEqual(expect.arrayContaining(['leg', 'hop', 'analysis']));
  });

  it('the device itself: CPU and memory', async () => {
    const [r] = await traceToReport(env, 'QDIAG-DEVICE', 'niaj@corp.example');
    const line = firstLine(r!);
    expect(line).toMatch(/device CPU \d+(\.\d)?% avg/);
    expect(line).toMatch(/device memory \d+(\.\d)?% used avg/);
  });

  it('a fault planted with the option on a device of its own (Carol has two devices: only one is faulty)', async () => {
    const reports = await traceToReport(env, 'QDIAG-CAROL', 'carol@corp.example');
    expect(reports).toHaveLength(2);
    const byDevice = new Map(reports.map((r) => [r.data.deviceId, firstLine(r)]));
    expect(byDevice.get(CAROL_DESKTOP)).toMatch(/finished: web probe slowest phase: server time/);
    expect(byDevice.get(132559455)).toMatch(/finished: nothing looks wrong; ZDX analysis found no issue\.$/);
  });

  it('a healthy trace says nothing looks wrong, with the numbers behind it and every series', async () => {
    const [r] = await traceToReport(env, 'QDIAG-HEALTHY', 'alice@corp.example');
    const lines = r!.text.split('\n');
    expect(lines[0]).toBe('Deep trace on ALICE-LT-7420 finished: nothing looks wrong; ZDX analysis found no issue.');
    expect(r!.data.findings).toEqual([]);
    expect(
      lines.some((l) =>
        /^Web probe: page fetch time \(PFT\) [\d,]+ ms avg .* = DNS .*TCP connect .*SSL handshake .*server time/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith('Cloud-path legs: Client → Egress'))).toBe(true);
    expect(lines.some((l) => l.startsWith('Worst hop: hop '))).toBe(true);
    expect(lines.some((l) => /^Device: CPU .*memory .*Wi-Fi signal/.test(l))).toBe(true);
    expect(lines).toContain('ZDX score analysis: no issue found (No issue found).');
    expect(lines.some((l) => /^Series \(\d+\):$/.test(l))).toBe(true);
    expect(r!.text.length).toBeLessThanOrEqual(2_800);
    expect(r!.text).not.toContain('more series');
  });
});

describe("ZDX's score analysis, bounded", () => {
  it('costs one start and at most two reads; when it is not ready the report goes without it and says so', async () => {
    const since = slowAnalysis.sim.calls.length;
    const before = Date.now();
    const [r] = await traceToReport(slowAnalysis, 'QDIAG-SLOW', 'mallory@corp.example', { analysisWaitMs: 300 });
    const analysisCalls = slowAnalysis.sim.calls.slice(since).filter((c) => /\/analysis/.test(c.path));
    expect(analysisCalls.map((c) => c.method)).toEqual(['POST', 'GET', 'GET']);
    // Still diagnosed from the trace's own data.
    expect(firstLine(r!)).toMatch(/hop 3 \(203\.0\.113\.9\)/);
    expect(firstLine(r!)).not.toContain('ZDX analysis');
    expect(r!.text).toMatch(/ZDX score analysis: not ready after [\d.]+ s; this report is without it\./);
    expect(r!.data.analysis).toEqual({ state: 'pending', waitedMs: expect.any(Number) });
    expect(Date.now() - before).toBeLessThan(10_000);
  });

  it('one run reporting several traces waits for their analyses once, not once per trace', async () => {
    const since = slowAnalysis.sim.calls.length;
    const reports = await traceToReport(slowAnalysis, 'QDIAG-CAROL-SLOW', 'carol@corp.example', {
      analysisWaitMs: 300,
    });
    expect(reports).toHaveLength(2);
    const analysisCalls = slowAnalysis.sim.calls.slice(since).filter((c) => /\/analysis/.test(c.path));
    // Each analysis read once at once; only one read a second time: the run's wait was spent on the first trace.
    const reads = new Map<string, number>();
    for (const c of analysisCalls.filter((x) => x.method === 'GET')) reads.set(c.path, (reads.get(c.path) ?? 0) + 1);
    expect(reads.size).toBe(2);
    expect([...reads.values()].sort()).toEqual([1, 2]);
    for (const r of reports) expect(r.data.analysis.state).toBe('pending');
  });

  it('a failing analysis does not hold the report up', async () => {
    slowAnalysis.sim.injectFault({ path: '^/v1/analysis$', method: 'POST', status: 400, count: 1 });
    const [r] = await traceToReport(slowAnalysis, 'QDIAG-503', 'ivan@corp.example');
    expect(firstLine(r!)).toMatch(/Client → Egress leg/);
    expect(r!.text).toMatch(/ZDX score analysis: unavailable \(POST \/analysis → 400.*\); this report is without it\./);
    slowAnalysis.sim.clearFaults();
  });
});
