import { describe, expect, it } from 'vitest';
import { ruleDescription, ruleNameFor } from '../../../shared/bypass/markers.js';
import type { StatusCommand } from '../../../shared/commands/contract.js';
import { collectStatus, type StatusPort } from '../../../shared/status/status.js';
import { applyTraceCommand, type IncidentRecord } from '../../../shared/ledger/record.js';

const now = new Date('2026-11-22T01:30:00Z');
const cmd = (userEmails?: string[]): StatusCommand => ({
  id: 's1',
  type: 'status',
  requestedBy: { kind: 'slack', id: 'U1' },
  userEmails,
});

const ledgerWith = (...records: IncidentRecord[]) => ({ listPending: async () => records });
const record = (incidentId: string, users: string[], devices: IncidentRecord['devices']): IncidentRecord => ({
  ...applyTraceCommand(
    undefined,
    {
      id: `o-${incidentId}`,
      type: 'trace.start',
      incident: { source: 'pagerduty', incidentId },
      userEmails: users,
      requestedBy: { kind: 'incident', id: incidentId },
    },
    now.toISOString(),
  ).record,
  lookedUp: true,
  devices,
});

describe('collectStatus', () => {
  it('lists the running and waiting traces of the ledger, tenant-wide or for the users named', async () => {
    const ledger = ledgerWith(
      record(
        'Q1',
        ['alice@corp.example'],
        [
          { deviceId: 7, deviceName: 'alice-laptop', phase: 'running', traceId: 't1' },
          { deviceId: 9, deviceName: 'alice-old', phase: 'reported', traceId: 't0' },
        ],
      ),
      record('Q2', ['bob@corp.example'], [{ deviceId: 8, deviceName: 'bob-laptop', phase: 'found' }]),
    );
    const all = await collectStatus(cmd(), { ledger, now: () => now });
    expect(all.data?.traces).toEqual([
      {
        incident: 'pagerduty:Q1',
        users: ['alice@corp.example'],
        deviceName: 'alice-laptop',
        state: 'running',
        traceId: 't1',
      },
      {
        incident: 'pagerduty:Q2',
        users: ['bob@corp.example'],
        deviceName: 'bob-laptop',
        state: 'waiting',
        traceId: undefined,
      },
    ]);
    expect(all.text).toContain('Deep traces: 1 running, 1 waiting for a slot:');
    expect(all.text).toContain('• alice@corp.example on alice-laptop: running (trace t1) for pagerduty:Q1');
    expect(all.text).toContain('Bypasses: unknown (ZPA_CUSTOMER_ID is not configured for the worker).');
    const alice = await collectStatus(cmd(['alice@corp.example']), { ledger, now: () => now });
    expect(alice.data?.traces).toHaveLength(1);
  });

  it('says when nothing runs, and shows our bypass rules from ZPA next to it', async () => {
    const until = new Date('2026-11-22T03:00:00Z');
    const zpa: StatusPort = {
      listForwardingRules: async () => [
        {
          id: 'r1',
          name: ruleNameFor('adhoc', '1001'),
          description: ruleDescription({ until, by: 'slack:U1(alice)', reason: 'vendor patch' }),
          action: 'BYPASS',
          ruleOrder: '1',
          appIds: ['1001'],
        },
        { id: 'r2', name: "Someone else's rule", action: 'INTERCEPT', ruleOrder: '2', appIds: [] },
      ],
      listSegments: async () => [{ id: '1001', name: 'payroll-app' }],
    };
    const outcome = await collectStatus(cmd(['alice@corp.example']), { ledger: ledgerWith(), zpa, now: () => now });
    expect(outcome.data?.bypasses).toEqual([
      {
        segments: ['payroll-app'],
        kind: 'ad-hoc',
        until: until.toISOString(),
        by: 'slack:U1(alice)',
        reason: 'vendor patch',
        expired: false,
      },
    ]);
    expect(outcome.text).toContain('No deep trace is running or waiting for alice@corp.example.');
  });
});
