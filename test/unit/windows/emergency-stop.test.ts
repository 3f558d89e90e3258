/**
 * `window stop` / `window resume` against the real store in dynalite (the ledger table as serverless.yml declares
 * it): what is recorded, what is audited, and what is refused. How the reconciler honours a stop, over the ZPA
 * simulator, is in test/integration/maintenance-reconcile.test.ts; the chat flow in window-stop-flow.test.ts.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamodb.js';
import { readServerlessYml } from '../../../local/serverlessYml.js';
import { parseWindowsFile } from '../../../shared/bypass/windows.js';
import { parseCommand } from '../../../shared/commands/contract.js';
import { createLogger } from '../../../shared/logger.js';
import type { Outcome } from '../../../shared/reporting/reporter.js';
import { resumeWindow, stopWindow } from '../../../shared/windows/emergencyStop.js';
import {
  dynamoWindowStops,
  stopsInForce,
  withStoppedWindows,
  type WindowStop,
  type WindowStopStore,
} from '../../../shared/windows/stops.js';

let dynamo: LocalDynamo;
let store: WindowStopStore;
let lines: string[];
const logger = createLogger({ sink: (l) => lines.push(l) });
const audits = () => lines.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.type === 'audit');

const NOW = new Date('2026-12-06T02:30:00Z'); // inside Sunday's 02:00–04:00 UTC occurrence
const file = parseWindowsFile({
  guardrails: { allowedSegments: ['payroll-app'], maxWindowMinutes: 240 },
  windows: [
    {
      id: 'sunday-patch',
      segments: ['payroll-app'],
      schedule: { cron: '0 2 * * SUN', timezone: 'UTC', durationMinutes: 120 },
      reason: 'weekly patching',
    },
  ],
});
const command = (type: 'window.stop' | 'window.resume', over: Record<string, unknown> = {}) =>
  parseCommand(
    JSON.stringify({
      id: `c-${Math.random()}`,
      type,
      windowId: 'sunday-patch',
      ...(type === 'window.stop' ? { reason: 'db on fire' } : {}),
      requestedBy: { kind: 'slack', id: 'U1', name: 'alice' },
      ...over,
    }),
  );
const stop = (over: Record<string, unknown> = {}, now = NOW) =>
  stopWindow(command('window.stop', over) as never, { store, windows: file, logger, now });
const resume = (over: Record<string, unknown> = {}, now = NOW) =>
  resumeWindow(command('window.resume', over) as never, { store, windows: file, logger, now });

beforeAll(async () => {
  dynamo = await startLocalDynamo(readServerlessYml().tables);
});
afterAll(() => dynamo.close());
let version = 0;
beforeEach(async () => {
  lines = [];
  // Each test starts with no stop stored (an empty list, at a version the store has not seen yet).
  version++;
  store = dynamoWindowStops({ tableName: dynamo.tableNames.IncidentLedger!, client: dynamo.client });
  await dynamo.client.send(
    new PutItemCommand({
      TableName: dynamo.tableNames.IncidentLedger,
      Item: { key: { S: 'window-stops' }, doc: { S: JSON.stringify({ stops: [] }) }, version: { N: String(version) } },
    }),
  );
});

describe('stopWindow', () => {
  it('records who, when, why and which occurrence, and audits the change once with before and after', async () => {
    const out = await stop();
    expect(out.changed).toBe(true);
    expect(out.text).toBe(
      'Window sunday-patch is stopped for the rest of this occurrence (it ends 2026-12-06T04:00:00.000Z; the next one runs normally): its bypass is removed now.',
    );
    expect((await store.read()).stops).toEqual([
      {
        windowId: 'sunday-patch',
        occurrenceStart: '2026-12-06T02:00:00.000Z',
        occurrenceEnd: '2026-12-06T04:00:00.000Z',
        untilResumed: false,
        stoppedAt: NOW.toISOString(),
        by: 'slack:U1(alice)',
        reason: 'db on fire',
        commandId: expect.stringMatching(/^c-/),
      },
    ]);
    expect(audits()).toEqual([
      expect.objectContaining({
        action: 'window.stop',
        result: 'success',
        trigger: expect.objectContaining({ kind: 'slack', by: 'slack:U1(alice)' }),
        before: { stopped: false },
        after: expect.objectContaining({ windowId: 'sunday-patch', reason: 'db on fire' }),
        reason: 'db on fire',
      }),
    ]);
  });

  it('is idempotent: stopped again (the same or another person) changes nothing and audits nothing', async () => {
    await stop();
    const again = await stop({ requestedBy: { kind: 'teams', id: 'aad-2' } });
    expect(again).toMatchObject({ changed: false, data: { duplicate: true } });
    expect(again.text).toMatch(
      /^Window sunday-patch is already stopped \(sunday-patch: stopped .* by slack:U1\(alice\)/,
    );
    expect(audits()).toHaveLength(1);
    expect((await store.read()).stops).toHaveLength(1);
  });

  it('until-resumed widens a stop of the occurrence (one more audit record); the reverse is already covered', async () => {
    await stop();
    expect((await stop({ untilResumed: true })).changed).toBe(true);
    expect(audits().map((a) => [a.before.untilResumed ?? 'none', a.after.untilResumed])).toEqual([
      ['none', false],
      [false, true],
    ]);
    expect((await stop()).changed).toBe(false);
  });

  it('refuses an unknown window, naming the windows there are, and a window not running without until-resumed', async () => {
    await expect(stop({ windowId: 'nope' })).rejects.toMatchObject({
      statusCode: 404,
      message: 'no maintenance window "nope" in the windows file (its windows: sunday-patch)',
    });
    const monday = new Date('2026-12-07T10:00:00Z');
    await expect(stop({}, monday)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(
        /^window sunday-patch is not running now, so there is nothing to stop; .*until-resumed/,
      ),
    });
    // Until resumed, a stop of a window not running keeps its next occurrences from running.
    expect(await stop({ untilResumed: true }, monday)).toMatchObject({ changed: true });
    expect((await store.read()).stops[0]).toMatchObject({ untilResumed: true });
    expect((await store.read()).stops[0]).not.toHaveProperty('occurrenceStart');
  });

  it('a write that lost a race is a retryable conflict, not a lost stop', async () => {
    const stale = await store.read();
    await stop();
    await expect(store.save([], stale.version)).rejects.toMatchObject({
      code: 'window_stops_conflict',
      retryable: true,
    });
    expect((await store.read()).stops).toHaveLength(1);
  });
});

describe('resumeWindow', () => {
  it('lifts the stop with an audit record; resuming a window not stopped changes nothing', async () => {
    await stop();
    const out = await resume();
    expect(out).toMatchObject({ changed: true });
    expect(out.text).toBe('Window sunday-patch is resumed: its bypass is back until 2026-12-06T04:00:00.000Z.');
    expect((await store.read()).stops).toEqual([]);
    expect(audits().map((a) => a.action)).toEqual(['window.stop', 'window.resume']);
    expect(await resume()).toMatchObject({
      changed: false,
      text: 'Window sunday-patch is not stopped; nothing changed.',
    });
    expect(audits()).toHaveLength(2);
  });

  it('a resume delivered late never lifts a stop asked for after it', async () => {
    await stop();
    const out = await resume({ requestedAt: new Date(NOW.getTime() - 60_000).toISOString() });
    expect(out).toMatchObject({ changed: false, data: { newer: true } });
    expect((await store.read()).stops).toHaveLength(1);
  });
});

describe('window stop all / window resume all', () => {
  it('records one stop of everything until resumed, audited; again is a no-op; resume lifts only it', async () => {
    await stop({ reason: 'the single window first' });
    const all = await stop({ windowId: 'all', reason: 'incident: stop every bypass' });
    expect(all.changed).toBe(true);
    expect(all.text).toMatch(/^Every bypass is stopped until someone says "window resume all"/);
    const { stops } = await store.read();
    expect(stops.map((s) => [s.windowId, s.untilResumed])).toEqual([
      ['sunday-patch', false],
      ['*', true],
    ]);
    expect(audits().filter((a) => a.target.windowId === '*')).toHaveLength(1);
    const again = await stop({ windowId: 'all' });
    expect(again).toMatchObject({ changed: false });
    expect(again.text).toMatch(
      /^Every bypass is already stopped \(every window and ad-hoc bypass: stopped until resumed by slack:U1\(alice\)/,
    );
    const resumed = await resume({ windowId: 'all' });
    expect(resumed.changed).toBe(true);
    expect(resumed.text).toContain('except the windows stopped on their own: sunday-patch');
    expect((await store.read()).stops.map((s) => s.windowId)).toEqual(['sunday-patch']);
    expect((await resume({ windowId: 'all' })).changed).toBe(false);
  });

  it('no window may be called "all"', () => {
    expect(() =>
      parseWindowsFile({
        guardrails: { allowedSegments: ['x'], maxWindowMinutes: 60 },
        windows: [
          { id: 'all', segments: ['x'], schedule: { start: NOW.toISOString(), end: NOW.toISOString() }, reason: 'r' },
        ],
      }),
    ).toThrow(/"all" is reserved/);
  });
});

describe('stops in force and status', () => {
  const at = (iso: string) => new Date(iso);
  const s = (over: Partial<WindowStop>): WindowStop => ({
    windowId: 'w',
    untilResumed: false,
    stoppedAt: '2026-12-06T02:30:00.000Z',
    by: 'slack:U1',
    reason: '',
    commandId: 'c',
    ...over,
  });

  it('a stop of one occurrence lapses when it ends; until resumed never does (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.boolean(), (offset, untilResumed) => {
        const end = at('2026-12-06T04:00:00Z');
        const now = new Date(end.getTime() + offset);
        const kept = stopsInForce([s({ occurrenceEnd: end.toISOString(), untilResumed })], now);
        expect(kept).toHaveLength(untilResumed || offset < 0 ? 1 : 0);
      }),
    );
  });

  it('status lists the stops in force, and says so when they cannot be read', async () => {
    await stop({ reason: 'db on fire' });
    const status: Outcome = { kind: 'status', ok: true, text: 'Bypasses in force: none.', data: { bypasses: [] } };
    const out = await withStoppedWindows(status, store, NOW);
    expect(out.text).toBe(
      'Bypasses in force: none.\nStopped maintenance windows:\n• sunday-patch: stopped for the rest of its occurrence (ends 2026-12-06T04:00:00.000Z) by slack:U1(alice) at 2026-12-06T02:30:00.000Z (db on fire)',
    );
    expect(out.data).toEqual({ bypasses: [], stoppedWindows: [expect.objectContaining({ windowId: 'sunday-patch' })] });
    const broken = { read: () => Promise.reject(new Error('DynamoDB timed out')) };
    expect((await withStoppedWindows({ kind: 'status', ok: true, text: 'x' }, broken)).text).toBe(
      'x\nStopped maintenance windows: could not be read (DynamoDB timed out).',
    );
  });
});
