import { describe, expect, it } from 'vitest';
import type { TraceCheck } from '../../../shared/commands/contract.js';
import { checkIncidentTrace } from '../../../shared/traces/check.js';
import { sessionNameFor } from '../../../shared/traces/session.js';
import { SETTINGS, traceWorld } from './helpers.js';

const incident = { source: 'pagerduty', incidentId: 'Q1' };

function running() {
  const world = traceWorld();
  const traceId = world.zdx.addTrace(7, sessionNameFor(incident));
  const check = (n: number): TraceCheck => ({ id: `cmd-1:check:7`, type: 'trace.check', incident, deviceId: 7, deviceName: 'alice-laptop', traceId, check: n });
  return { ...world, traceId, check };
}

describe('checkIncidentTrace', () => {
  it('while the trace runs, queues the next check after the check delay and reports nothing', async () => {
    const { deps, queued, reports, check } = running();
    expect(await checkIncidentTrace(check(1), deps)).toBe('rescheduled');
    expect(queued).toEqual([{ command: check(2), delaySeconds: SETTINGS.checkDelaySeconds }]);
    expect(reports).toHaveLength(0);
  });

  it('once the trace is over, reports its summary once and queues nothing more', async () => {
    const { zdx, deps, queued, reports, check, traceId } = running();
    zdx.finish(traceId);
    expect(await checkIncidentTrace(check(2), deps)).toBe('reported');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ kind: 'trace.completed', ok: true, data: { traceId, status: 'completed', startedAt: 1_800_000_000, endedAt: 1_800_000_300 } });
    expect(reports[0]!.text).toContain('Deep trace on alice-laptop finished:');
    expect(reports[0]!.text).toContain('pft avg 900 ms');
    expect(queued).toHaveLength(0);
  });

  it(`gives up after ${SETTINGS.maxChecks} checks of a trace still running: says so once and stops re-enqueuing`, async () => {
    const { deps, queued, reports, check, traceId } = running();
    expect(await checkIncidentTrace(check(SETTINGS.maxChecks), deps)).toBe('gave-up');
    expect(reports).toEqual([expect.objectContaining({ kind: 'trace.tracking-stopped', ok: false })]);
    expect(reports[0]!.text).toBe(`Stopped tracking deep trace ${traceId} on alice-laptop after ${SETTINGS.maxChecks} checks; it is still started in ZDX.`);
    expect(queued).toHaveLength(0);
  });

  it('ends quietly when the trace no longer exists (stopped and deleted)', async () => {
    const { zdx, deps, queued, reports, check, traceId } = running();
    await zdx.port.stopTrace(7, traceId);
    expect(await checkIncidentTrace(check(1), deps)).toBe('gone');
    expect(queued).toHaveLength(0);
    expect(reports).toHaveLength(0);
  });
});
