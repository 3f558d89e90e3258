import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../shared/commands/contract.js';
import type { Command } from '../../../shared/commands/contract.js';
import type { IncidentEvent } from '../../../shared/incidents/event.js';
import { ingestIncident } from '../../../shared/incidents/ingest.js';
import { createLogger } from '../../../shared/logger.js';

const event = (action: IncidentEvent['action']): IncidentEvent => ({
  source: 'opsgenie',
  eventId: `evt-${action}`,
  incidentId: 'alert-1',
  action,
  eventType: action === 'opened' ? 'Create' : 'Close',
  userEmails: [],
});

describe('ingest: events without a user', () => {
  const sent: Command[] = [];
  const queue = { send: async (c: Command) => void sent.push(c) };
  const logger = createLogger({ level: 'error', sink: () => undefined });

  it('an open without a user has nothing to act on; a resolve without one still stops what its incident started', async () => {
    expect(await ingestIncident(event('opened'), queue, logger)).toMatchObject({ status: 'ignored' });
    expect(await ingestIncident(event('resolved'), queue, logger)).toMatchObject({
      status: 'accepted',
      command: 'trace.stop',
    });
    expect(sent).toHaveLength(1);
    // The consumer's contract accepts it as sent.
    expect(parseCommand(JSON.stringify(sent[0]))).toMatchObject({ type: 'trace.stop', userEmails: [] });
  });
});

describe('ingest: the cap on affected users, whatever the source', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@corp.example`);

  it.each([
    ['opened', 10_000],
    ['resolved', 51],
  ] as const)('a %s event naming %i users acts on the first 50 and says how many it left out', async (action, n) => {
    const sent: Command[] = [];
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
    const result = await ingestIncident(
      { ...event(action), eventId: `evt-many-${action}`, userEmails: many(n) },
      { send: async (c) => void sent.push(c) },
      logger,
    );
    expect(result).toEqual({
      status: 'accepted',
      commandId: sent[0]!.id,
      command: action === 'opened' ? 'trace.start' : 'trace.stop',
      usersOmitted: n - 50,
      note: `the event names ${n} affected users; the first 50 are acted on, the other ${n - 50} are not (the limit per incident event)`,
    });
    expect(sent).toHaveLength(1);
    expect((sent[0] as { userEmails: string[] }).userEmails).toEqual(many(50));
    // One warning with the counts; no line carries the list beyond the kept 50 (nor the list at all in the warning).
    const warn = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'warn');
    expect(warn).toMatchObject({ usersFound: n, usersKept: 50, usersOmitted: n - 50 });
    expect(JSON.stringify(warn)).not.toContain('user0@corp.example');
    for (const line of lines) expect(line).not.toContain('user50@corp.example');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(2_000);
  });

  it('says nothing extra at exactly the limit', async () => {
    const sent: Command[] = [];
    const result = await ingestIncident(
      { ...event('opened'), eventId: 'evt-50', userEmails: many(50) },
      { send: async (c) => void sent.push(c) },
      createLogger({ level: 'error', sink: () => undefined }),
    );
    expect(result).toEqual({ status: 'accepted', commandId: sent[0]!.id, command: 'trace.start' });
  });
});

describe('ingest: the cap, as a property', () => {
  it('for any number of users: the first min(n, 50) are sent, the answer counts the rest, no line lists them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 400 }),
        fc.constantFrom('opened', 'resolved') as fc.Arbitrary<'opened' | 'resolved'>,
        async (n, action) => {
          const users = Array.from({ length: n }, (_, i) => `p${i}@corp.example`);
          const sent: Command[] = [];
          const lines: string[] = [];
          const result = await ingestIncident(
            { ...event(action), eventId: `evt-p-${n}-${action}`, userEmails: users },
            { send: async (c) => void sent.push(c) },
            createLogger({ level: 'debug', sink: (l) => lines.push(l) }),
          );
          if (n === 0 && action === 'opened') {
            expect(result.status).toBe('ignored');
            expect(sent).toEqual([]);
            return;
          }
          expect((sent[0] as { userEmails: string[] }).userEmails).toEqual(users.slice(0, 50));
          expect(result).toMatchObject(n > 50 ? { status: 'accepted', usersOmitted: n - 50 } : { status: 'accepted' });
          if (n <= 50) expect(result).not.toHaveProperty('usersOmitted');
          for (const line of lines) expect(line).not.toContain('p50@corp.example');
          // Parsing what was sent as the consumer does accepts it.
          expect(parseCommand(JSON.stringify(sent[0])).type).toBe(action === 'opened' ? 'trace.start' : 'trace.stop');
        },
      ),
      { numRuns: 200 },
    );
  });
});
