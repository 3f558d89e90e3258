import { describe, expect, it } from 'vitest';
import { ruleDescription, ruleNameFor } from '../../../shared/bypass/markers.js';
import type { StatusCommand } from '../../../shared/commands/contract.js';
import { collectStatus, type StatusPort } from '../../../shared/status/status.js';
import { sessionNameFor } from '../../../shared/traces/session.js';
import { laptop, traceWorld } from '../traces/helpers.js';

const now = new Date('2026-11-22T01:30:00Z');
const cmd = (userEmails?: string[]): StatusCommand => ({ id: 's1', type: 'status', requestedBy: { kind: 'slack', id: 'U1' }, userEmails });

describe('collectStatus', () => {
  it("lists the traces still running on the named users' devices, not the finished ones", async () => {
    const { zdx, deps } = traceWorld([laptop(), laptop({ id: 8, name: 'bob-laptop', email: 'bob@corp.example' })]);
    const running = zdx.addTrace(7, sessionNameFor({ source: 'pagerduty', incidentId: 'Q1' }));
    zdx.finish(zdx.addTrace(7, 'started in the ZDX UI'));
    zdx.addTrace(8, 'bob, not asked about');

    const outcome = await collectStatus(cmd(['alice@corp.example']), { ...deps, now: () => now });
    expect(outcome.data?.traces).toEqual([{ email: 'alice@corp.example', deviceName: 'alice-laptop', traceId: running, status: 'started', sessionName: 'zea:pagerduty:Q1' }]);
    expect(outcome.text).toContain(`• alice@corp.example on alice-laptop: trace ${running} started (zea:pagerduty:Q1)`);
    expect(outcome.text).toContain('Bypasses: unknown (ZPA_CUSTOMER_ID is not configured for the worker).');
  });

  it('says when nothing runs, and shows our bypass rules from ZPA next to it', async () => {
    const { deps } = traceWorld();
    const until = new Date('2026-11-22T03:00:00Z');
    const zpa: StatusPort = {
      listForwardingRules: async () => [
        { id: 'r1', name: ruleNameFor('adhoc', '1001'), description: ruleDescription({ until, by: 'slack:U1(alice)', reason: 'vendor patch' }), action: 'BYPASS', ruleOrder: '1', appIds: ['1001'] },
        { id: 'r2', name: 'Someone else\'s rule', action: 'INTERCEPT', ruleOrder: '2', appIds: [] },
      ],
      listSegments: async () => [{ id: '1001', name: 'payroll-app' }],
    };
    const outcome = await collectStatus(cmd(['alice@corp.example']), { ...deps, zpa, now: () => now });
    expect(outcome.data?.bypasses).toEqual([{ segments: ['payroll-app'], kind: 'ad-hoc', until: until.toISOString(), by: 'slack:U1(alice)', reason: 'vendor patch', expired: false }]);
    expect(outcome.text).toContain('No deep trace is running on the devices of alice@corp.example.');
  });
});
