/**
 * MAX_AFFECTED_USERS: the configured cap on affected users per incident event. A lower cap keeps the first N the
 * source found and the 202 answer counts the rest; the setting is bounded by the queue contract's bound on a
 * command (the consumer refuses more), and a bad value fails the cold start naming the key.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_USERS, parseCommand, type Command } from '../../../shared/commands/contract.js';
import { incidentFields, loadConfig } from '../../../shared/config.js';
import { ConfigError } from '../../../shared/errors.js';
import { capUserEmails, MAX_USER_EMAILS } from '../../../shared/incidents/emails.js';
import type { IncidentEvent } from '../../../shared/incidents/event.js';
import { ingestIncident } from '../../../shared/incidents/ingest.js';
import { createLogger } from '../../../shared/logger.js';

const users = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}${i}@corp.example`);
const event = (userEmails: string[], action: IncidentEvent['action'] = 'opened'): IncidentEvent => ({
  source: 'generic',
  eventId: `evt-${action}-${userEmails.length}`,
  incidentId: 'INC-CAP',
  action,
  eventType: action,
  userEmails,
});

describe('MAX_AFFECTED_USERS: the configuration key', () => {
  const parse = (value?: string) =>
    loadConfig({ MAX_AFFECTED_USERS: incidentFields.MAX_AFFECTED_USERS }, { MAX_AFFECTED_USERS: value })
      .MAX_AFFECTED_USERS;

  it('defaults to the contract bound, 50, and takes any integer from 1 to it', () => {
    expect(parse()).toBe(50);
    expect(parse('')).toBe(50);
    expect(parse('1')).toBe(1);
    expect(parse('7')).toBe(7);
    expect(parse(String(MAX_COMMAND_USERS))).toBe(MAX_COMMAND_USERS);
  });

  it.each(['0', '51', '-3', '2.5', 'ten'])('refuses %s at cold start, naming the key and the range', (value) => {
    expect(() => parse(value)).toThrow(ConfigError);
    expect(() => parse(value)).toThrow(/MAX_AFFECTED_USERS.*between 1 and 50/);
  });

  it('its ceiling is the bound the consumer checks on every command', () => {
    expect(MAX_USER_EMAILS).toBe(MAX_COMMAND_USERS);
    expect(() => parse(String(MAX_COMMAND_USERS + 1))).toThrow(ConfigError);
  });
});

describe('MAX_AFFECTED_USERS: a lower cap at ingest', () => {
  it('keeps the first N, sends only them, and the 202 answer says how many were left out', async () => {
    const sent: Command[] = [];
    const lines: string[] = [];
    const result = await ingestIncident(
      event(users(7)),
      { send: async (c) => void sent.push(c) },
      createLogger({ level: 'debug', sink: (l) => lines.push(l) }),
      { maxAffectedUsers: 3 },
    );
    expect(result).toEqual({
      status: 'accepted',
      commandId: sent[0]!.id,
      command: 'trace.start',
      usersOmitted: 4,
      note: 'the event names 7 affected users; the first 3 are acted on, the other 4 are not (the limit per incident event)',
    });
    expect(sent).toHaveLength(1);
    expect((sent[0] as { userEmails: string[] }).userEmails).toEqual(users(3));
    const warn = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'warn');
    expect(warn).toMatchObject({ usersFound: 7, usersKept: 3, usersOmitted: 4 });
    for (const line of lines) expect(line).not.toContain('user3@corp.example');
  });

  it('a resolve is capped alike; exactly N users is answered without a note', async () => {
    const sent: Command[] = [];
    const queue = { send: async (c: Command) => void sent.push(c) };
    const quiet = createLogger({ level: 'error', sink: () => undefined });
    expect(await ingestIncident(event(users(5), 'resolved'), queue, quiet, { maxAffectedUsers: 2 })).toMatchObject({
      status: 'accepted',
      command: 'trace.stop',
      usersOmitted: 3,
    });
    const exact = await ingestIncident(event(users(2)), queue, quiet, { maxAffectedUsers: 2 });
    expect(exact).toEqual({ status: 'accepted', commandId: sent[1]!.id, command: 'trace.start' });
    expect(sent.map((c) => (c as { userEmails: string[] }).userEmails)).toEqual([users(2), users(2)]);
  });

  it('for any cap 1..50 and any count: the first min(n, cap) are sent, the rest counted, the consumer accepts it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 120 }), async (cap, n) => {
        const sent: Command[] = [];
        const result = await ingestIncident(
          { ...event(users(n, 'p')), eventId: `evt-${cap}-${n}` },
          { send: async (c) => void sent.push(c) },
          createLogger({ level: 'error', sink: () => undefined }),
          { maxAffectedUsers: cap },
        );
        const kept = (parseCommand(JSON.stringify(sent[0])) as { userEmails: string[] }).userEmails;
        expect(kept).toEqual(users(Math.min(n, cap), 'p'));
        if (n > cap) expect(result).toMatchObject({ status: 'accepted', usersOmitted: n - cap });
        else expect(result).not.toHaveProperty('usersOmitted');
      }),
      { numRuns: 200 },
    );
  });

  it('capUserEmails never goes past the contract bound, whatever it is passed', () => {
    expect(capUserEmails(users(80), 500)).toEqual({ kept: users(50), omitted: 30 });
    expect(capUserEmails(users(80), Number.NaN)).toEqual({ kept: users(50), omitted: 30 });
    expect(capUserEmails(users(4), 1)).toEqual({ kept: users(1), omitted: 3 });
  });
});
