import { describe, expect, it } from 'vitest';
import type { TraceStop } from '../../../shared/commands/contract.js';
import { sessionNameFor } from '../../../shared/traces/session.js';
import { stopIncidentTraces } from '../../../shared/traces/stop.js';
import { laptop, traceWorld } from './helpers.js';

const incident = { source: 'pagerduty', incidentId: 'Q1' };
const cmd: TraceStop = { id: 'cmd-2', type: 'trace.stop', incident, userEmails: ['alice@corp.example'], requestedBy: { kind: 'incident', id: 'evt-2' } };

describe('stopIncidentTraces', () => {
  it("stops this incident's running traces and only those", async () => {
    const { zdx, deps } = traceWorld([laptop(), laptop({ id: 8, name: 'alice-desktop' }), laptop({ id: 9, name: 'bob-laptop', email: 'bob@corp.example' })]);
    const onLaptop = zdx.addTrace(7, sessionNameFor(incident));
    const onDesktop = zdx.addTrace(8, sessionNameFor(incident));
    const otherIncident = zdx.addTrace(8, sessionNameFor({ source: 'pagerduty', incidentId: 'Q2' }));
    const bobs = zdx.addTrace(9, sessionNameFor(incident)); // not a device of the incident's users
    const finished = zdx.addTrace(7, sessionNameFor(incident));
    zdx.finish(finished);
    const byUi = zdx.addTrace(8, 'started in the ZDX UI');

    expect(await stopIncidentTraces(cmd, deps)).toEqual({ stopped: [onLaptop, onDesktop] });
    expect(zdx.stopped).toEqual([onLaptop, onDesktop]);
    const remaining = (await Promise.all([7, 8, 9].map((d) => deps.traces.listTraces(d)))).flat().map((t) => t.id);
    expect(remaining.sort()).toEqual([otherIncident, bobs, finished, byUi].sort());
  });

  it('does nothing when the incident has no trace left (a second resolve)', async () => {
    const { zdx, deps } = traceWorld();
    zdx.addTrace(7, 'started in the ZDX UI');
    expect(await stopIncidentTraces(cmd, deps)).toEqual({ stopped: [] });
    expect(zdx.stopped).toEqual([]);
  });
});
