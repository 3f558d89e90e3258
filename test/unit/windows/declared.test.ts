/**
 * Declared maintenances (shared/windows/declared.ts): ordering by the vendor's updated_at (a property over every
 * delivery order), retention, the windows they become under the windows file's mapping and guardrails, and the
 * store against dynalite (the ledger table as serverless.yml declares it). The whole flow over the local stack is
 * test/integration/statuspage-maintenance.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamodb.js';
import { readServerlessYml } from '../../../local/serverlessYml.js';
import { activeOccurrence, parseWindowsFile } from '../../../shared/bypass/windows.js';
import { parseCommand, type MaintenanceDeclareCommand } from '../../../shared/commands/contract.js';
import { createLogger } from '../../../shared/logger.js';
import {
  applyDeclaration,
  type Declaration,
  DeclaredWindowsConflictError,
  declareMaintenance,
  declaredWindows,
  dynamoDeclaredWindows,
  KEEP_ENDED_MS,
  MAX_DECLARATIONS,
  withDeclaredWindows,
  type DeclaredMaintenance,
} from '../../../shared/windows/declared.js';

const NOW = new Date('2026-03-01T02:30:00Z');
const file = parseWindowsFile({
  guardrails: { allowedSegments: ['payroll-app', 'hr-portal'], maxWindowMinutes: 240 },
  windows: [],
  statuspage: { pageId: 'pg7corp0demo', components: { cmp0payroll1: ['payroll-app'], cmp0hrportal: ['hr-portal'] } },
});
const m = (over: Partial<DeclaredMaintenance> = {}): DeclaredMaintenance => ({
  source: 'statuspage',
  id: 'mt5payroll01',
  pageId: 'pg7corp0demo',
  name: 'Payroll database upgrade',
  status: 'scheduled',
  scheduledFor: '2026-03-01T02:00:00.000Z',
  scheduledUntil: '2026-03-01T04:00:00.000Z',
  updatedAt: '2026-02-25T10:00:00.000Z',
  components: [{ id: 'cmp0payroll1', name: 'Payroll' }],
  ...over,
});
const apply = (stored: Declaration[], incoming: DeclaredMaintenance, now = NOW) =>
  applyDeclaration(stored, incoming, { commandId: 'c1', now });
const stored = (r: ReturnType<typeof apply>) => {
  if (!r.changed) throw new Error('expected a change');
  return r.next;
};

describe('applyDeclaration', () => {
  it('keeps the state with the latest updated_at whatever order the deliveries arrive in, and records the start once', () => {
    const states: DeclaredMaintenance[] = [
      m({ status: 'scheduled', updatedAt: '2026-02-25T10:00:00.000Z' }),
      m({ status: 'in_progress', updatedAt: '2026-03-01T01:50:00.000Z' }),
      m({ status: 'verifying', updatedAt: '2026-03-01T03:10:00.000Z' }),
      m({ status: 'completed', updatedAt: '2026-03-01T03:20:00.000Z' }),
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...states), { minLength: 1, maxLength: 10 }), (deliveries) => {
        let current: Declaration[] = [];
        for (const d of deliveries) {
          const r = apply(current, d);
          if (r.changed) current = r.next;
        }
        const latest = deliveries.reduce((a, b) => (a.updatedAt >= b.updatedAt ? a : b));
        expect(current).toHaveLength(1);
        expect(current[0]).toMatchObject({ status: latest.status, updatedAt: latest.updatedAt });
      }),
    );
    // The start is the first in-progress state seen, kept through verifying.
    const inProgress = stored(apply([], states[1]!));
    expect(inProgress[0]!.startedAt).toBe('2026-03-01T01:50:00.000Z');
    expect(stored(apply(inProgress, states[2]!))[0]!.startedAt).toBe('2026-03-01T01:50:00.000Z');
  });

  it('calls an equal updated_at a duplicate and an earlier one older, changing nothing', () => {
    const current = stored(apply([], m({ status: 'in_progress', updatedAt: '2026-03-01T02:00:00.000Z' })));
    expect(apply(current, m({ status: 'in_progress', updatedAt: '2026-03-01T02:00:00.000Z' }))).toMatchObject({
      changed: false,
      reason: 'duplicate',
    });
    expect(apply(current, m({ status: 'scheduled', updatedAt: '2026-02-25T10:00:00.000Z' }))).toMatchObject({
      changed: false,
      reason: 'older',
    });
  });

  it('drops ended declarations after the retention, and the oldest ended ones beyond the cap', () => {
    const old = stored(apply([], m({ id: 'old', status: 'completed', updatedAt: '2026-02-01T03:00:00.000Z' })));
    const later = new Date(Date.parse('2026-02-01T03:00:00.000Z') + KEEP_ENDED_MS + 1);
    expect(stored(apply(old, m({ id: 'new', updatedAt: later.toISOString() }), later)).map((d) => d.id)).toEqual([
      'new',
    ]);

    let many: Declaration[] = [];
    for (let i = 0; i < MAX_DECLARATIONS; i++)
      many = stored(
        apply(
          many,
          m({
            id: `e${i}`,
            status: 'completed',
            scheduledFor: '2026-02-28T00:00:00.000Z',
            scheduledUntil: '2026-02-28T01:00:00.000Z',
            updatedAt: new Date(Date.parse('2026-02-28T00:10:00.000Z') + i * 1000).toISOString(),
          }),
        ),
      );
    const next = stored(apply(many, m({ id: 'live' })));
    expect(next).toHaveLength(MAX_DECLARATIONS);
    expect(next.map((d) => d.id)).not.toContain('e0');
    expect(next.map((d) => d.id)).toContain('live');
  });

  it('refuses a new declaration when the cap is full of live ones', () => {
    let live: Declaration[] = [];
    for (let i = 0; i < MAX_DECLARATIONS; i++) live = stored(apply(live, m({ id: `l${i}` })));
    expect(() => apply(live, m({ id: 'onetoomany' }))).toThrow(/more than 100 declared maintenances/);
  });
});

describe('declaredWindows', () => {
  const windows = (ds: Array<DeclaredMaintenance & { startedAt?: string }>, now = NOW, f = file) =>
    declaredWindows(
      ds.map((d) => ({ ...d, commandId: 'c', recordedAt: NOW.toISOString() })),
      f,
      now,
    );

  it('turns a scheduled maintenance into a one-off window over its mapped segments, named after its source', () => {
    const {
      windows: [w],
      refused,
    } = windows([
      m({
        components: [
          { id: 'cmp0payroll1', name: 'Payroll' },
          { id: 'cmp0hrportal', name: 'HR' },
        ],
      }),
    ]);
    expect(refused).toEqual([]);
    expect(w).toEqual({
      id: 'statuspage:mt5payroll01',
      segments: ['payroll-app', 'hr-portal'],
      segmentGroups: [],
      schedule: { start: '2026-03-01T02:00:00.000Z', end: '2026-03-01T04:00:00.000Z' },
      mode: 'rule',
      onDrift: 'restore',
      reason: 'Statuspage maintenance mt5payroll01: Payroll database upgrade',
      enabled: true,
    });
    // Active exactly from scheduled_for to scheduled_until.
    expect(activeOccurrence(w!, new Date('2026-03-01T01:59:59Z'))).toBeUndefined();
    expect(activeOccurrence(w!, NOW)).toBeDefined();
    expect(activeOccurrence(w!, new Date('2026-03-01T04:00:00Z'))).toBeUndefined();
  });

  it('starts an early in_progress at once, ends a completed or cancelled one, and ignores one past scheduled_until', () => {
    const early = windows(
      [
        {
          ...m({ status: 'in_progress', updatedAt: '2026-03-01T01:30:00.000Z' }),
          startedAt: '2026-03-01T01:30:00.000Z',
        },
      ],
      new Date('2026-03-01T01:31:00Z'),
    );
    expect(early.windows[0]!.schedule).toEqual({ start: '2026-03-01T01:30:00.000Z', end: '2026-03-01T04:00:00.000Z' });
    expect(windows([m({ status: 'completed' })]).windows).toEqual([]);
    expect(windows([m({ status: 'cancelled' })]).windows).toEqual([]);
    expect(windows([m({ status: 'in_progress' })], new Date('2026-03-01T04:00:00Z')).windows).toEqual([]);
  });

  it('refuses a running maintenance with no mapped component, of another page or longer than maxWindowMinutes, and only when it runs', () => {
    const widget = m({ components: [{ id: 'cmp0widget01', name: 'Widget' }] });
    expect(windows([widget])).toEqual({
      windows: [],
      refused: [
        {
          windowId: 'statuspage:mt5payroll01',
          reason:
            "none of its components (cmp0widget01) is mapped to a segment in the windows file's statuspage.components",
        },
      ],
    });
    // Scheduled for later: not refused yet (nobody's problem until it runs), and not a window either.
    expect(windows([widget], new Date('2026-03-01T01:00:00Z'))).toEqual({ windows: [], refused: [] });
    expect(windows([m({ pageId: 'pg0another01' })]).refused[0]!.reason).toBe(
      'it is for page pg0another01, not the configured page pg7corp0demo',
    );
    expect(windows([m({ scheduledUntil: '2026-03-01T07:00:00.000Z' })]).refused[0]!.reason).toBe(
      'lasts 300 min, longer than maxWindowMinutes 240',
    );
    const { statuspage: _none, ...noMapping } = file;
    expect(windows([m()], NOW, noMapping).refused[0]!.reason).toMatch(/no "statuspage" section/);
  });

  it('merges into the file without touching its own windows', () => {
    const merged = withDeclaredWindows(file, windows([m()]).windows);
    expect(merged.windows.map((w) => w.id)).toEqual(['statuspage:mt5payroll01']);
    expect(merged.guardrails).toBe(file.guardrails);
    expect(withDeclaredWindows(file, [])).toBe(file);
  });
});

describe('the windows file statuspage section', () => {
  it('refuses a mapping to a segment outside the allowlist, and a malformed page id', () => {
    expect(() =>
      parseWindowsFile({ ...file, statuspage: { pageId: 'pg7corp0demo', components: { cmp1: ['gitlab'] } } }),
    ).toThrow('statuspage: component cmp1: segment "gitlab" is not in guardrails.allowedSegments');
    expect(() => parseWindowsFile({ ...file, statuspage: { pageId: 'Not A Page', components: {} } })).toThrow(
      /statuspage\.pageId/,
    );
  });
});

describe('declareMaintenance against dynalite', () => {
  let dynamo: LocalDynamo;
  let lines: string[];
  const logger = createLogger({ sink: (l) => lines.push(l) });
  const command = (over: Partial<DeclaredMaintenance> = {}, id = `c-${Math.random()}`) =>
    parseCommand(
      JSON.stringify({
        id,
        type: 'maintenance.declare',
        maintenance: m(over),
        requestedBy: { kind: 'window', id: 'statuspage:mt5payroll01' },
      }),
    ) as MaintenanceDeclareCommand;
  beforeAll(async () => {
    dynamo = await startLocalDynamo(readServerlessYml().tables);
  });
  afterAll(() => dynamo.close());
  beforeEach(() => {
    lines = [];
  });
  const storeNamed = () =>
    dynamoDeclaredWindows({ tableName: dynamo.tableNames.IncidentLedger!, client: dynamo.client });

  it('records, audits once per change, warns about unmapped components, and refuses another page unrecorded', async () => {
    const store = storeNamed();
    const deps = { store, windows: file, logger, now: NOW };
    const out = await declareMaintenance(
      command({
        components: [
          { id: 'cmp0payroll1', name: 'Payroll' },
          { id: 'cmp0widget01', name: 'Widget' },
        ],
      }),
      deps,
    );
    expect(out).toMatchObject({ changed: true, data: { segments: ['payroll-app'], unmapped: ['cmp0widget01'] } });
    expect(out.text).toBe(
      'Statuspage maintenance mt5payroll01 is scheduled (2026-03-01T02:00:00.000Z to 2026-03-01T04:00:00.000Z): bypass of payroll-app.',
    );
    const again = await declareMaintenance(command(), deps);
    expect(again).toMatchObject({ changed: false, data: { duplicate: true } });
    const records = lines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(records.filter((r) => r.type === 'audit')).toEqual([
      expect.objectContaining({
        action: 'maintenance.declare',
        target: { windowId: 'statuspage:mt5payroll01', pageId: 'pg7corp0demo' },
        before: { declared: false },
        after: expect.objectContaining({ status: 'scheduled', components: ['cmp0payroll1', 'cmp0widget01'] }),
      }),
    ]);
    expect(records.some((r) => r.msg?.includes('no segment mapping') && r.unmapped?.[0] === 'cmp0widget01')).toBe(true);
    expect(records.some((r) => r.BypassesRefused === 1 && r.reason === 'unmapped-component')).toBe(true);

    await expect(declareMaintenance(command({ id: 'mt0other0001', pageId: 'pg0another01' }), deps)).rejects.toThrow(
      'Statuspage maintenance mt0other0001 is refused: it is for page pg0another01, not the configured page pg7corp0demo',
    );
    expect((await store.read()).declarations.map((d) => d.id)).toEqual(['mt5payroll01']);
  });

  it('writes are conditional on the version read', async () => {
    const store = storeNamed();
    const { declarations, version } = await store.read();
    await store.save(declarations, version);
    await expect(store.save(declarations, version)).rejects.toBeInstanceOf(DeclaredWindowsConflictError);
  });
});
