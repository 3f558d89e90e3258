/**
 * Rootly scheduled incidents as declared maintenances: reading the signed body (shared/windows/rootly.ts, reached
 * through the `rootly` source's `maintenance`), which deliveries take the maintenance path and which stay
 * incidents, the bad requests, the command a delivery maps to, the windows file's `rootly` mapping (by id, by name,
 * services apart from functionalities) and the windows it yields, and the ordering of Rootly's event times. The
 * whole flow over the local stack is test/integration/rootly-maintenance.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activeOccurrence, parseWindowsFile } from '../../../shared/bypass/windows.js';
import { commandProblem } from '../../../shared/commands/contract.js';
import { ValidationError } from '../../../shared/errors.js';
import { normaliseRootly, rootlySource } from '../../../shared/incidents/rootly.js';
import { declareCommand } from '../../../shared/windows/declaration.js';
import {
  applyDeclaration,
  type Declaration,
  type DeclaredMaintenance,
  declaredWindows,
  mappedSegments,
} from '../../../shared/windows/declared.js';
import { parseRootlyMaintenance } from '../../../shared/windows/rootly.js';
import { readFixture, thrown } from '../incidents/helpers.js';

const ID = '9b2e4f61-0c3d-4a7e-8f12-5d6c7b8a9e01';
const PAYROLL = 'c0ffee00-0000-4000-8000-000000000001';
const fixture = () => JSON.parse(readFixture('rootly-scheduled-maintenance.json')) as Record<string, any>;
const body = (event: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => {
  const b = fixture();
  Object.assign(b.event, event);
  Object.assign(b.data, data);
  return JSON.stringify(b);
};
const maintenanceOf = (raw: string) => {
  const r = parseRootlyMaintenance(raw);
  if (r?.kind !== 'maintenance') throw new Error(`expected a maintenance, got ${JSON.stringify(r)}`);
  return r.maintenance;
};

const file = parseWindowsFile({
  guardrails: { allowedSegments: ['payroll-app', 'hr-portal', 'payroll-db'], maxWindowMinutes: 240 },
  windows: [],
  rootly: {
    services: { [PAYROLL]: ['payroll-app'], 'payroll portal': ['payroll-db'] },
    functionalities: { 'HR Self-Service': ['hr-portal'] },
    mode: 'bypassType',
  },
});

describe('parseRootlyMaintenance', () => {
  it('reads a scheduled incident: lowercased id, status, times in UTC, services and functionalities, link', () => {
    expect(parseRootlyMaintenance(readFixture('rootly-scheduled-maintenance.json'))).toEqual({
      kind: 'maintenance',
      maintenance: {
        source: 'rootly',
        id: ID,
        name: 'Payroll database patching',
        status: 'scheduled',
        scheduledFor: '2026-03-01T02:00:00.000Z',
        scheduledUntil: '2026-03-01T04:00:00.000Z',
        // event.issued_at (-08:00), in UTC
        updatedAt: '2026-02-25T18:00:00.412Z',
        components: [
          { id: PAYROLL, name: 'Payroll Portal', kind: 'service' },
          { id: 'c0ffee00-0000-4000-8000-0000000000ff', name: 'Status Widget', kind: 'service' },
          { id: 'f00d0000-0000-4000-8000-000000000002', name: 'HR Self-Service', kind: 'functionality' },
        ],
        link: 'https://rootly.com/account/incidents/214-payroll-database-patching',
      },
    });
  });

  it('takes the status from the event type, else from data.status', () => {
    const status = (type: string, dataStatus?: string) =>
      maintenanceOf(body({ type }, dataStatus ? { status: dataStatus } : {})).status;
    expect(status('incident.scheduled.in_progress')).toBe('in_progress');
    expect(status('incident.scheduled.completed', 'in_progress')).toBe('completed');
    expect(status('incident.scheduled.deleted')).toBe('cancelled');
    expect(status('incident.scheduled.updated', 'in_progress')).toBe('in_progress');
    expect(status('incident.scheduled.updated', 'completed')).toBe('completed');
    expect(status('incident.scheduled.updated', 'Cancelled')).toBe('cancelled');
    // A status we do not know keeps it a maintenance scheduled for its times.
    expect(status('incident.scheduled.created', 'something_new')).toBe('scheduled');
    // The generic cancel and delete of a scheduled incident end it too.
    expect(status('incident.cancelled')).toBe('cancelled');
    expect(status('incident.deleted')).toBe('cancelled');
  });

  it('orders by event.issued_at, else data.updated_at; a delivery with neither is a bad request', () => {
    expect(maintenanceOf(body({ issued_at: null })).updatedAt).toBe('2026-02-25T18:00:00.000Z');
    expect(thrown(() => parseRootlyMaintenance(body({ issued_at: null }, { updated_at: null })))).toBeInstanceOf(
      ValidationError,
    );
  });

  it('leaves every incident that is not a scheduled one to the incident path, which is unchanged', () => {
    for (const name of ['rootly-created.json', 'rootly-resolved.json'])
      expect(parseRootlyMaintenance(readFixture(name))).toBeUndefined();
    expect(normaliseRootly(readFixture('rootly-created.json')).action).toBe('opened');
    const normal = (type: string) => body({ type }, { kind: 'normal' });
    expect(parseRootlyMaintenance(normal('incident.cancelled'))).toBeUndefined();
    expect(parseRootlyMaintenance(normal('incident.created'))).toBeUndefined();
    // The registry entry routes the same way (after the signature, in the webhook function).
    const req = (rawBody: string) => ({ rawBody, headers: {}, query: {} });
    expect(rootlySource.maintenance?.(req(readFixture('rootly-created.json')))).toBeUndefined();
    expect(rootlySource.maintenance?.(req(body()))).toMatchObject({ kind: 'maintenance' });
  });

  it('ignores the other generic events of a scheduled incident: a maintenance never opens an incident', () => {
    for (const type of ['incident.created', 'incident.updated', 'incident.resolved'])
      expect(parseRootlyMaintenance(body({ type }, { kind: 'scheduled' }))).toEqual({
        kind: 'ignored',
        reason: `${type} of a scheduled incident: its lifecycle comes from the incident.scheduled.* events`,
      });
    expect(parseRootlyMaintenance(body({ type: 'incident.created' }, { kind: 'scheduled_sub' }))).toMatchObject({
      kind: 'ignored',
    });
  });

  it('answers a malformed scheduled incident as a bad request, naming the field', () => {
    for (const [data, message] of [
      [{ id: null }, 'data.id: must be a Rootly id'],
      [{ id: 'not a uuid' }, 'data.id: must be a Rootly id'],
      [{ id: 'x'.repeat(41) }, 'data.id: must be a Rootly id'],
      [{ scheduled_for: null }, 'data.scheduled_for: must be a date and time'],
      [{ scheduled_until: 'tomorrow-ish' }, 'data.scheduled_until: must be a date and time'],
      [{ scheduled_until: '2026-03-01T01:00:00.000Z' }, 'scheduled_until must be after scheduled_for'],
      [{ services: [{ name: 'no id' }] }, 'data.services[0].id: required'],
      [{ functionalities: [{ id: 'x'.repeat(101) }] }, 'data.functionalities[0].id: at most 100 characters'],
    ] as const) {
      const e = thrown(() => parseRootlyMaintenance(body({}, data)));
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as Error).message).toContain(message);
    }
    expect(thrown(() => parseRootlyMaintenance('not json'))).toBeInstanceOf(ValidationError);
  });
});

describe('the command a delivery maps to', () => {
  it('is a valid maintenance.declare for window rootly:<id>; a redelivery is the same command, another state another', () => {
    const m = maintenanceOf(body());
    const a = declareCommand(m);
    expect(commandProblem(a)).toBeUndefined();
    expect(a).toMatchObject({ type: 'maintenance.declare', requestedBy: { kind: 'window', id: `rootly:${ID}` } });
    expect(`rootly:${ID}`.length).toBeLessThanOrEqual(48); // a window id's bound (window stop takes it)
    expect(declareCommand(maintenanceOf(body())).id).toBe(a.id);
    expect(declareCommand({ ...m, updatedAt: '2026-03-01T02:00:00.000Z' }).id).not.toBe(a.id);
    // Two events stamped alike are still two commands (FIFO dedupe must not drop the second).
    expect(declareCommand({ ...m, status: 'in_progress' }).id).not.toBe(a.id);
  });
});

describe('the windows file rootly section', () => {
  it('defaults mode and drift policy, and refuses a segment outside the allowlist naming the key', () => {
    const f = parseWindowsFile({ ...file, rootly: { services: { [PAYROLL]: ['payroll-app'] } } });
    expect(f.rootly).toEqual({
      services: { [PAYROLL]: ['payroll-app'] },
      functionalities: {},
      mode: 'rule',
      onDrift: 'restore',
    });
    expect(() => parseWindowsFile({ ...file, rootly: { functionalities: { Git: ['gitlab'] } } })).toThrow(
      'rootly: functionalities "Git": segment "gitlab" is not in guardrails.allowedSegments',
    );
    expect(() => parseWindowsFile({ ...file, rootly: { services: { [PAYROLL]: [] } } })).toThrow(/rootly\.services/);
  });

  it('maps services by id or by name without regard to case, functionalities apart, and names what is unmapped', () => {
    const m = maintenanceOf(body());
    expect(mappedSegments(m, file)).toEqual({
      // payroll-app by the id, payroll-db by the name "Payroll Portal"; hr-portal by the functionality's name.
      segments: ['payroll-app', 'payroll-db', 'hr-portal'],
      unmapped: ['service "Status Widget"'],
    });
    // A service named like a mapped functionality is not that functionality.
    expect(
      mappedSegments({ ...m, components: [{ id: 's1', name: 'HR Self-Service', kind: 'service' }] }, file),
    ).toEqual({ segments: [], unmapped: ['service "HR Self-Service"'] });
    const { rootly: _none, ...noSection } = file;
    expect(mappedSegments(m, noSection)).toEqual({
      problem: 'the windows file has no "rootly" section, so no service or functionality maps to a segment',
    });
  });

  it('yields a one-off window rootly:<id> in the section mode, refused when nothing is mapped once it runs', () => {
    const now = new Date('2026-03-01T02:30:00Z');
    const declared = (d: DeclaredMaintenance): Declaration => ({ ...d, commandId: 'c', recordedAt: now.toISOString() });
    const m = maintenanceOf(body());
    const {
      windows: [w],
      refused,
    } = declaredWindows([declared(m)], file, now);
    expect(refused).toEqual([]);
    expect(w).toEqual({
      id: `rootly:${ID}`,
      segments: ['payroll-app', 'payroll-db', 'hr-portal'],
      segmentGroups: [],
      schedule: { start: '2026-03-01T02:00:00.000Z', end: '2026-03-01T04:00:00.000Z' },
      mode: 'bypassType',
      onDrift: 'restore',
      reason: `Rootly scheduled incident ${ID}: Payroll database patching`,
      enabled: true,
    });
    expect(activeOccurrence(w!, now)).toBeDefined();
    const widgetOnly = { ...m, components: [m.components[1]!] };
    expect(declaredWindows([declared(widgetOnly)], file, now).refused).toEqual([
      {
        windowId: `rootly:${ID}`,
        reason:
          'none of its services or functionalities (service "Status Widget") is mapped to a segment in the windows file\'s rootly section',
      },
    ]);
    expect(declaredWindows([declared({ ...m, status: 'completed' })], file, now).windows).toEqual([]);
  });
});

describe('ordering Rootly event times', () => {
  it('ends where Rootly did in any delivery order, even when two events carry the same time', () => {
    const m = maintenanceOf(body());
    // created and in_progress issued in the same millisecond (a maintenance scheduled to start now), then completed.
    const states: DeclaredMaintenance[] = [
      { ...m, status: 'scheduled', updatedAt: '2026-03-01T02:00:00.000Z' },
      { ...m, status: 'in_progress', updatedAt: '2026-03-01T02:00:00.000Z' },
      { ...m, status: 'completed', updatedAt: '2026-03-01T03:00:00.000Z' },
    ];
    const stage = { scheduled: 0, in_progress: 1, verifying: 2, completed: 3, cancelled: 3 };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...states), { minLength: 1, maxLength: 8 }), (deliveries) => {
        let current: Declaration[] = [];
        for (const d of deliveries) {
          const r = applyDeclaration(current, d, { commandId: 'c', now: new Date('2026-03-01T03:01:00Z') });
          if (r.changed) current = r.next;
        }
        const latest = deliveries.reduce((a, b) =>
          a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && stage[a.status] >= stage[b.status]) ? a : b,
        );
        expect(current).toHaveLength(1);
        expect(current[0]).toMatchObject({ status: latest.status, updatedAt: latest.updatedAt });
      }),
    );
    const inProgress = applyDeclaration([], states[1]!, { commandId: 'c', now: new Date() });
    if (!inProgress.changed) throw new Error('expected a change');
    expect(applyDeclaration(inProgress.next, states[0]!, { commandId: 'c', now: new Date() })).toMatchObject({
      changed: false,
      reason: 'duplicate',
    });
  });
});
