/**
 * The policy-command runner over an in-memory ZPA port: what it runs, skips and reports. The same paths
 * against the simulator over HTTP, through the reconciler's handler, are in maintenance-reconcile.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../shared/commands/contract.js';
import { createLogger } from '../../../shared/logger.js';
import type { Outcome } from '../../../shared/reporting/reporter.js';
import type { ReplyTarget } from '../../../shared/commands/contract.js';
import type { RuleView } from '../../../shared/bypass/plan.js';
import type { BypassPort, SegmentObject } from '../../../shared/bypass/port.js';
import { createPolicyRunner, STALE_TICK_MS } from '../../../shared/bypass/run.js';
import { parseWindowsFile } from '../../../shared/bypass/windows.js';

/** Just enough of ZPA: rules in order (new ones above the foreign one at the end), segments by id or name. */
function memoryPort(over: Partial<BypassPort> = {}) {
  const rules: RuleView[] = [
    { id: 'x', name: 'Existing intercept rule', action: 'INTERCEPT', ruleOrder: '1', appIds: [] },
  ];
  const segments: SegmentObject[] = [{ id: '1001', name: 'payroll-app', bypassType: 'NEVER' }];
  const calls: string[] = [];
  const renumber = () => {
    for (const [i, r] of rules.entries()) r.ruleOrder = String(i + 1);
  };
  const port: BypassPort = {
    listForwardingRules: async () => (calls.push('listForwardingRules'), rules.map((r) => ({ ...r }))),
    createBypassRule: async (i) => {
      const id = `r${calls.push('createBypassRule')}`;
      rules.push({ id, name: i.name, description: i.description, action: 'BYPASS', ruleOrder: '', appIds: i.appIds });
      renumber();
      return id;
    },
    updateBypassRule: async (id, i) =>
      void Object.assign(rules.find((r) => r.id === id)!, { description: i.description, appIds: i.appIds }),
    moveRuleFirst: async (id) => {
      rules.unshift(
        ...rules.splice(
          rules.findIndex((r) => r.id === id),
          1,
        ),
      );
      renumber();
    },
    deleteRule: async (id) => {
      rules.splice(
        rules.findIndex((r) => r.id === id),
        1,
      );
      renumber();
    },
    listSegments: async () => (calls.push('listSegments'), segments),
    findSegment: async (ref) => segments.find((s) => s.id === ref || s.name === ref),
    writeSegment: async (current, changes) => void Object.assign(segments.find((s) => s.id === current.id)!, changes),
    segmentGroupMembers: async () => [],
    ...over,
  };
  return { port, rules, calls };
}

function runnerFor(windows: unknown[], port: BypassPort, opts: { reporterDown?: boolean } = {}) {
  const reports: Array<{ outcome: Outcome; target?: ReplyTarget }> = [];
  const lines: string[] = [];
  const file = parseWindowsFile({
    guardrails: { allowedSegments: ['payroll-app', 'ghost'], maxWindowMinutes: 240 },
    windows,
  });
  const runner = createPolicyRunner({
    port,
    windows: () => file,
    dryRun: false,
    logger: createLogger({ level: 'debug', sink: (l) => lines.push(l) }),
    reporter: {
      report: async (outcome, target) => {
        if (opts.reporterDown) throw new Error('callback is down');
        reports.push({ outcome, target });
      },
    },
  });
  return { runner, reports, lines };
}

const window = (id: string, segments: string[]) => ({
  id,
  segments,
  schedule: { start: new Date(Date.now() - 60_000).toISOString(), end: new Date(Date.now() + 3_600_000).toISOString() },
  reason: 'unit test',
});
const tick = (id: string, kind = 'schedule') =>
  parseCommand(JSON.stringify({ id, type: 'reconcile', requestedBy: { kind, id } }));
const reply = { kind: 'slack', responseUrl: 'https://hooks.slack.test/r/1' } as const;
const apply = (id: string, segment = 'payroll-app') =>
  parseCommand(
    JSON.stringify({
      id,
      type: 'bypass.apply',
      segment,
      durationMinutes: 30,
      reason: 'failover',
      requestedBy: { kind: 'slack', id: 'U1' },
      requestedAt: new Date().toISOString(),
      reply,
    }),
  );

describe('createPolicyRunner: reconcile', () => {
  it('runs a queued tick and answers with a summary of what it did', async () => {
    const { port, rules } = memoryPort();
    const { runner } = runnerFor([window('w', ['payroll-app'])], port);
    const summary = await runner.runCommand(tick('t1'), { sentAt: Date.now() - 1000 });
    expect(summary).toEqual({
      dryRun: false,
      plan: [expect.stringMatching(/^create BYPASS rule zea-bypass:win:w for segments 1001/)],
      done: 1,
      failed: 0,
      deferred: 0,
      drift: 0,
      refused: 0,
    });
    expect(rules.map((r) => [r.name, r.ruleOrder])).toEqual([
      ['zea-bypass:win:w', '1'],
      ['Existing intercept rule', '2'],
    ]);
  });

  it(`skips a scheduled tick sent more than ${STALE_TICK_MS} ms ago; one asked for by anyone else runs however old`, async () => {
    const { port, calls } = memoryPort();
    const { runner, lines } = runnerFor([], port);
    expect(await runner.runCommand(tick('old'), { sentAt: Date.now() - STALE_TICK_MS - 1000 })).toBeUndefined();
    expect(calls).toEqual([]);
    expect(lines.some((l) => l.includes('skipping a stale reconcile tick'))).toBe(true);
    await runner.runCommand(tick('almost'), { sentAt: Date.now() - STALE_TICK_MS + 5000 });
    await runner.runCommand(tick('manual', 'window'), { sentAt: Date.now() - 10 * STALE_TICK_MS });
    await runner.runCommand(tick('unknown-age'));
    expect(calls.filter((c) => c === 'listSegments')).toHaveLength(3);
  });

  it('a queued reconcile that fails is reported and resolves (not redelivered); reconcileNow reports it and throws', async () => {
    const { port } = memoryPort({
      listSegments: async () => {
        throw new Error('ZPA 503');
      },
    });
    const { runner, reports, lines } = runnerFor([], port);
    expect(await runner.runCommand(tick('t1'))).toBeUndefined();
    // Swallowed for the queue, but counted: the ReconcileFailing alarm watches this metric.
    const failures = () => lines.map((l) => JSON.parse(l)).filter((m) => m.ReconcileFailures !== undefined);
    expect(failures().map((m) => m.ReconcileFailures)).toEqual([1]);
    await expect(runner.reconcileNow({ kind: 'schedule', id: 'direct' })).rejects.toThrow('ZPA 503');
    expect(failures()).toHaveLength(2);
    expect(reports.map((r) => [r.outcome.kind, r.outcome.text])).toEqual([
      ['reconcile.failed', 'The maintenance reconcile failed and will run again: ZPA 503'],
      ['reconcile.failed', 'The maintenance reconcile failed and will run again: ZPA 503'],
    ]);
  });

  it('reports a refused window once per runner (it is refused again every minute), and failed writes every time', async () => {
    const { port } = memoryPort({
      createBypassRule: async () => {
        throw new Error('ZPA said no');
      },
    });
    const { runner, reports } = runnerFor([window('ghostly', ['ghost']), window('w', ['payroll-app'])], port);
    for (const id of ['t1', 't2']) await runner.runCommand(tick(id));
    expect(reports.map((r) => r.outcome.text)).toEqual([
      expect.stringMatching(
        /^window ghostly refused: segment "ghost" does not exist in ZPA\ncreate BYPASS rule zea-bypass:win:w .* failed: ZPA said no$/,
      ),
      expect.stringMatching(/^create BYPASS rule zea-bypass:win:w .* failed: ZPA said no$/),
    ]);
    expect(reports.every((r) => r.outcome.kind === 'reconcile.problems' && !r.outcome.ok)).toBe(true);
    // A new runner (a new container) reports it again.
    const fresh = runnerFor([window('ghostly', ['ghost'])], port);
    expect(await fresh.runner.reconcileNow({ kind: 'schedule', id: 'direct' })).toMatchObject({ refused: 1 });
    expect(fresh.reports.map((r) => r.outcome.text)).toEqual([
      'window ghostly refused: segment "ghost" does not exist in ZPA',
    ]);
  });
});

describe('createPolicyRunner: ad-hoc bypasses and other commands', () => {
  it('applies a bypass and reports it to the requester; a reply target that is down fails nothing', async () => {
    const { port, rules } = memoryPort();
    const { runner, reports } = runnerFor([], port);
    expect(await runner.runCommand(apply('a1'))).toMatchObject({
      text: expect.stringMatching(/^payroll-app is bypassed until /),
    });
    expect(reports).toEqual([{ outcome: expect.objectContaining({ kind: 'bypass.apply', ok: true }), target: reply }]);
    expect(rules[0]).toMatchObject({ name: 'zea-bypass:adhoc:1001', ruleOrder: '1' });
    const down = runnerFor([], port, { reporterDown: true });
    await expect(
      down.runner.runCommand(
        parseCommand(
          JSON.stringify({
            id: 'r1',
            type: 'bypass.remove',
            segment: 'payroll-app',
            requestedBy: { kind: 'slack', id: 'U1' },
            reply,
          }),
        ),
      ),
    ).resolves.toMatchObject({ text: 'The bypass of payroll-app has ended.' });
    expect(rules.map((r) => r.name)).toEqual(['Existing intercept rule']);
  });

  it('turns a transient ZPA failure into a refusal the requester reads at once, and reports a permanent one as it is', async () => {
    const { port } = memoryPort({
      findSegment: async () => {
        throw new Error('socket hang up');
      },
    });
    const { runner, reports } = runnerFor([], port);
    expect(await runner.runCommand(apply('a1'))).toEqual({
      failed: expect.stringMatching(/^ZPA did not answer in time \(socket hang up\).*ask again in a minute$/),
    });
    const permanent = runnerFor([], memoryPort().port);
    expect(await permanent.runner.runCommand(apply('a2', 'no-such-app'))).toEqual({
      failed: 'no application segment named "no-such-app"',
    });
    expect([...reports, ...permanent.reports].map((r) => [r.outcome.kind, r.target])).toEqual([
      ['bypass.apply.failed', reply],
      ['bypass.apply.failed', reply],
    ]);
  });

  it('reports a command that belongs on the work queue as failed rather than throwing it', async () => {
    const { port, calls } = memoryPort();
    const { runner, reports } = runnerFor([], port);
    const status = parseCommand(JSON.stringify({ id: 's1', type: 'status', requestedBy: { kind: 'slack', id: 'U1' } }));
    expect(await runner.runCommand(status)).toEqual({
      failed: 'the reconciler does not handle status; it belongs on the work queue',
    });
    expect(reports.map((r) => r.outcome.kind)).toEqual(['status.failed']);
    expect(calls).toEqual([]);
  });
});
