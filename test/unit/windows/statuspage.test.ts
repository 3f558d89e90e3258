/**
 * Reading Statuspage webhook bodies (shared/windows/statuspage.ts): the fixture (Statuspage's documented payload
 * shape) as a maintenance, what is ignored (realtime incidents, component updates), what is a bad request, the
 * URL token and the command a redelivery maps to.
 */
import { describe, expect, it } from 'vitest';
import { commandProblem } from '../../../shared/commands/contract.js';
import { UnauthorizedError, ValidationError } from '../../../shared/errors.js';
import { declareCommand } from '../../../shared/windows/declaration.js';
import { authenticateStatuspage, parseStatuspage } from '../../../shared/windows/statuspage.js';
import { readFixture, thrown } from '../incidents/helpers.js';

const fixture = () => JSON.parse(readFixture('statuspage-maintenance.json')) as Record<string, any>;
const withIncident = (over: Record<string, unknown>) => {
  const body = fixture();
  Object.assign(body.incident, over);
  return JSON.stringify(body);
};

describe('parseStatuspage', () => {
  it('reads a scheduled maintenance: ids, status, times, components, link', () => {
    expect(parseStatuspage(readFixture('statuspage-maintenance.json'))).toEqual({
      kind: 'maintenance',
      maintenance: {
        source: 'statuspage',
        id: 'mt5payroll01',
        pageId: 'pg7corp0demo',
        name: 'Payroll database upgrade',
        status: 'scheduled',
        scheduledFor: '2026-03-01T02:00:00.000Z',
        scheduledUntil: '2026-03-01T04:00:00.000Z',
        updatedAt: '2026-02-25T10:00:00.000Z',
        components: [
          { id: 'cmp0payroll1', name: 'Payroll' },
          { id: 'cmp0widget01', name: 'Status page widget' },
        ],
        link: 'https://stspg.io/demo1',
      },
    });
  });

  it('ignores realtime incidents and component updates', () => {
    expect(
      parseStatuspage(withIncident({ status: 'investigating', scheduled_for: null, scheduled_until: null })),
    ).toEqual({
      kind: 'ignored',
      reason: 'a realtime incident (status investigating), not a scheduled maintenance',
    });
    const { incident: _i, ...componentUpdate } = fixture();
    expect(
      parseStatuspage(JSON.stringify({ ...componentUpdate, component_update: { new_status: 'operational' } })),
    ).toMatchObject({ kind: 'ignored' });
  });

  it('answers a malformed maintenance as a bad request', () => {
    for (const [over, message] of [
      [{ id: 'NOT-AN-ID' }, 'incident.id: must be a Statuspage id'],
      [{ updated_at: null }, 'incident.updated_at: must be a date and time'],
      [{ scheduled_until: '2026-03-01T01:00:00.000Z' }, 'scheduled_until must be after scheduled_for'],
      [{ components: [{ id: 'x y', name: 'bad' }] }, 'incident.components[0].id'],
    ] as const) {
      const e = thrown(() => parseStatuspage(withIncident(over)));
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as Error).message).toContain(message);
    }
    expect(thrown(() => parseStatuspage('not json'))).toBeInstanceOf(ValidationError);
  });
});

describe('the URL token and the command', () => {
  it('accepts only a configured token', () => {
    const tokens = ['statuspage-token-0123456789', 'statuspage-token-rotated-99'];
    expect(() => authenticateStatuspage('statuspage-token-rotated-99', tokens)).not.toThrow();
    for (const bad of [undefined, '', 'statuspage-token-012345678', 'x'.repeat(600)])
      expect(thrown(() => authenticateStatuspage(bad, tokens))).toBeInstanceOf(UnauthorizedError);
  });

  it('maps the same maintenance state to the same valid command, and a later update to another', () => {
    const parsed = parseStatuspage(readFixture('statuspage-maintenance.json'));
    if (parsed.kind !== 'maintenance') throw new Error('expected a maintenance');
    const a = declareCommand(parsed.maintenance);
    expect(commandProblem(a)).toBeUndefined();
    expect(declareCommand(parsed.maintenance).id).toBe(a.id);
    expect(declareCommand({ ...parsed.maintenance, updatedAt: '2026-03-01T02:00:00.000Z' }).id).not.toBe(a.id);
    expect(a).toMatchObject({
      type: 'maintenance.declare',
      requestedBy: { kind: 'window', id: 'statuspage:mt5payroll01' },
    });
  });
});
