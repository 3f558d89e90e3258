import { describe, expect, it } from 'vitest';
import type { TraceStart } from '../../../shared/commands/contract.js';
import { TraceConflictError } from '../../../shared/traces/port.js';
import { sessionNameFor } from '../../../shared/traces/session.js';
import { startIncidentTraces } from '../../../shared/traces/start.js';
import { laptop, traceWorld } from './helpers.js';
import { MAX_ACTIVE_PER_TENANT } from './memoryTracePort.js';

const incident = { source: 'pagerduty', incidentId: 'Q1', service: 'Payroll Portal' };
const cmd: TraceStart = { id: 'cmd-1', type: 'trace.start', incident, userEmails: ['alice@corp.example'], requestedBy: { kind: 'incident', id: 'evt-1' } };
const ours = sessionNameFor(incident);

describe('startIncidentTraces', () => {
  it('starts one trace on the incident\'s app and probes, and queues its first check after the check delay', async () => {
    const { zdx, deps, queued } = traceWorld();
    const [result] = await startIncidentTraces(cmd, deps);
    expect(result).toMatchObject({ result: 'started', deviceId: 7, appName: 'Payroll Portal' });
    expect(zdx.started.map((t) => t.input)).toEqual([{ sessionName: ours, appId: 3, webProbeId: 31, cloudPathProbeId: 32, sessionLengthMinutes: 5 }]);
    expect(queued).toEqual([{ command: expect.objectContaining({ type: 'trace.check', traceId: result!.traceId, check: 1 }), delaySeconds: 60 }]);
  });

  it('reports a device busy with another trace as busy, and starts nothing there', async () => {
    const { zdx, deps, queued } = traceWorld();
    const theirs = zdx.addTrace(7, 'started in the ZDX UI');
    expect(await startIncidentTraces(cmd, deps)).toEqual([{ deviceId: 7, deviceName: 'alice-laptop', result: 'busy', traceId: theirs }]);
    expect(zdx.started).toHaveLength(0);
    expect(queued).toHaveLength(0);
  });

  it('starts nothing where this incident\'s trace already runs (a redelivery)', async () => {
    const { zdx, deps } = traceWorld();
    const earlier = zdx.addTrace(7, ours);
    expect(await startIncidentTraces(cmd, deps)).toEqual([{ deviceId: 7, deviceName: 'alice-laptop', result: 'already-tracing', traceId: earlier }]);
    expect(zdx.started).toHaveLength(0);
  });

  describe('when ZDX refuses the start because a trace appeared after our list', () => {
    it('another delivery of this incident won: already-tracing, and no second check is queued', async () => {
      const { zdx, deps, queued } = traceWorld();
      zdx.raceNextStart(7, ours);
      const [result] = await startIncidentTraces(cmd, deps);
      expect(result).toMatchObject({ result: 'already-tracing', deviceId: 7 });
      expect(zdx.started).toHaveLength(0);
      expect(queued).toHaveLength(0);
    });

    it('someone else\'s trace won: busy', async () => {
      const { zdx, deps } = traceWorld();
      zdx.raceNextStart(7, 'started in the ZDX UI');
      const [result] = await startIncidentTraces(cmd, deps);
      expect(result).toMatchObject({ result: 'busy', deviceId: 7 });
      expect(zdx.started).toHaveLength(0);
    });

    it('neither (the tenant\'s limit was reached elsewhere): the refusal is thrown on', async () => {
      const others = Array.from({ length: MAX_ACTIVE_PER_TENANT }, (_, i) => laptop({ id: 100 + i, name: `pc-${i}`, email: `user${i}@corp.example` }));
      const { zdx, deps, queued } = traceWorld([laptop(), ...others]);
      for (const d of others) zdx.addTrace(d.id, 'started in the ZDX UI');
      await expect(startIncidentTraces(cmd, deps)).rejects.toBeInstanceOf(TraceConflictError);
      expect(zdx.started).toHaveLength(0);
      expect(queued).toHaveLength(0);
    });
  });

  it('a dry run reads what it would trace and starts nothing', async () => {
    const { zdx, deps, queued } = traceWorld();
    expect(await startIncidentTraces({ ...cmd, dryRun: true }, deps)).toEqual([{ deviceId: 7, deviceName: 'alice-laptop', result: 'would-start', appName: 'Payroll Portal' }]);
    expect(zdx.started).toHaveLength(0);
    expect(queued).toHaveLength(0);
  });
});
