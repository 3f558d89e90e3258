import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceStart, TraceStop } from '../../../shared/commands/contract.js';
import { applyTraceCommand, needsWork, priorityOf, type IncidentRecord } from '../../../shared/ledger/record.js';

const incident = { source: 'pagerduty', incidentId: 'Q1' };
const open = (id: string, occurredAt?: string, users = ['alice@corp.example']): TraceStart => ({
  id,
  type: 'trace.start',
  incident: { ...incident, occurredAt },
  userEmails: users,
  requestedBy: { kind: 'incident', id: 'pagerduty:Q1' },
});
const resolve = (id: string, occurredAt?: string): TraceStop => ({
  id,
  type: 'trace.stop',
  incident: { ...incident, occurredAt },
  userEmails: ['alice@corp.example'],
  requestedBy: { kind: 'incident', id: 'pagerduty:Q1' },
});
const now = '2026-12-03T10:00:00.000Z';
const apply = (r: IncidentRecord | undefined, c: TraceStart | TraceStop) => applyTraceCommand(r, c, now).record;

describe('incident ledger record', () => {
  it('an open creates a record that needs work; its redelivery changes nothing', () => {
    const r = apply(undefined, open('c1', '2026-12-03T09:59:00Z'));
    expect(r).toMatchObject({
      key: 'pagerduty#Q1',
      state: 'open',
      users: ['alice@corp.example'],
      lookedUp: false,
      round: 1,
      version: 0,
    });
    expect(needsWork(r)).toBe(true);
    expect(applyTraceCommand(r, open('c1', '2026-12-03T09:59:00Z'), now)).toEqual({
      record: r,
      changed: false,
      note: 'duplicate',
    });
  });

  it('a resolve is final: a redelivered or reordered open does not reopen it', () => {
    const opened = apply(undefined, open('c1', '2026-12-03T09:00:00Z'));
    const resolved = apply(opened, resolve('c2', '2026-12-03T09:30:00Z'));
    expect(resolved.state).toBe('resolved');
    const late = apply(resolved, open('c3', '2026-12-03T09:00:00Z'));
    expect(late.state).toBe('resolved');
    expect(late.round).toBe(1);
  });

  it('a resolve that overtakes its open is recorded, and the late open finds the incident over', () => {
    const resolved = apply(undefined, resolve('c2', '2026-12-03T09:30:00Z'));
    expect(resolved.state).toBe('resolved');
    expect(needsWork(resolved)).toBe(false);
    expect(apply(resolved, open('c1', '2026-12-03T09:00:00Z')).state).toBe('resolved');
  });

  it('a later open (the source reopened the incident) starts a new round that never adopts the old traces', () => {
    const opened = {
      ...apply(undefined, open('c1', '2026-12-03T09:00:00Z')),
      lookedUp: true,
      devices: [{ deviceId: 7, deviceName: 'LT', phase: 'reported' as const, traceId: 't1' }],
    };
    const resolved = apply(opened, resolve('c2', '2026-12-03T09:30:00Z'));
    const reopened = apply(resolved, open('c3', '2026-12-03T09:45:00Z'));
    expect(reopened).toMatchObject({ state: 'open', round: 2, lookedUp: false });
    expect(reopened.devices).toEqual([
      expect.objectContaining({ deviceId: 7, phase: 'dropped', pastTraceIds: ['t1'] }),
    ]);
  });

  it('new users on an open incident are looked up again', () => {
    const r = { ...apply(undefined, open('c1')), lookedUp: true };
    expect(apply(r, open('c2', undefined, ['bob@corp.example']))).toMatchObject({
      users: ['alice@corp.example', 'bob@corp.example'],
      lookedUp: false,
    });
  });

  it('maps urgencies and P-levels to 1..5', () => {
    expect([
      priorityOf('high'),
      priorityOf('P2'),
      priorityOf('sev-4'),
      priorityOf('low'),
      priorityOf(9),
      priorityOf(undefined),
    ]).toEqual([1, 2, 4, 4, 5, 3]);
  });

  it('any order of duplicated opens and resolves ends resolved once a resolve newer than every open is applied', () => {
    const events = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5 })), {
      minLength: 1,
      maxLength: 20,
    });
    fc.assert(
      fc.property(events, (es) => {
        let r: IncidentRecord | undefined;
        const cmds = es.map(([isOpen, minute, dup]) => {
          const at = new Date(Date.UTC(2026, 11, 3, 9, minute)).toISOString();
          return isOpen ? open(`o${minute}-${dup}`, at) : resolve(`r${minute}-${dup}`, at);
        });
        const finalResolve = resolve('final', new Date(Date.UTC(2026, 11, 3, 10, 0)).toISOString());
        for (const c of [...cmds, finalResolve, ...cmds]) r = apply(r, c);
        expect(r!.state).toBe('resolved');
      }),
    );
  });
});
