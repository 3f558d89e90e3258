/**
 * The chat grammar and permissions of `window stop` / `window resume` (shared/chat/grammar.ts, permissions.ts),
 * and what the ingress makes of them (shared/chat/intake.ts): the command the reconciler gets, or a usage answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandProblem, type Command } from '../../../shared/commands/contract.js';
import { queueOf } from '../../../shared/commands/queue.js';
import { handleChatRequest } from '../../../shared/chat/intake.js';
import { helpText, MAX_STOP_REASON, parseChatCommand } from '../../../shared/chat/grammar.js';
import { missingPermission, parsePermissions, permissionsFor } from '../../../shared/chat/permissions.js';
import { createLogger } from '../../../shared/logger.js';

describe('grammar: window stop / resume', () => {
  it.each([
    [
      'window stop payroll-patch',
      { name: 'window', action: 'stop', windowId: 'payroll-patch', untilResumed: false, reason: '' },
    ],
    [
      'Window STOP Payroll-Patch db is on fire',
      { name: 'window', action: 'stop', windowId: 'payroll-patch', untilResumed: false, reason: 'db is on fire' },
    ],
    [
      'window stop statuspage:mt5payroll01 vendor late',
      {
        name: 'window',
        action: 'stop',
        windowId: 'statuspage:mt5payroll01',
        untilResumed: false,
        reason: 'vendor late',
      },
    ],
    ['window stop all', { name: 'window', action: 'stop', windowId: 'all', untilResumed: true, reason: '' }],
    [
      'window stop w1 until-resumed vendor outage',
      { name: 'window', action: 'stop', windowId: 'w1', untilResumed: true, reason: 'vendor outage' },
    ],
    [
      'window stop w1 until resumed',
      { name: 'window', action: 'stop', windowId: 'w1', untilResumed: true, reason: '' },
    ],
    ['window resume w1', { name: 'window', action: 'resume', windowId: 'w1' }],
  ])('%s', (text, expected) => {
    expect(parseChatCommand(text)).toEqual(expected);
  });

  it.each([
    ['window', /expected "window stop" or "window resume"/],
    ['window pause w1', /expected "window stop" or "window resume"/],
    ['window stop', /expected a window id/],
    ['window stop bad_id!', /"bad_id!" is not a window id/],
    ['window resume w1 now', /window resume takes only the window id/],
    ['dry-run window stop w1', /dry-run/],
    [`window stop w1 ${'x'.repeat(MAX_STOP_REASON + 1)}`, /at most 300/],
  ])('%s → usage', (text, message) => {
    const cmd = parseChatCommand(text);
    expect(cmd.name).toBe('usage');
    expect((cmd as { message: string }).message).toMatch(message);
  });

  it('help lists both', () => {
    expect(helpText('/zscaler')).toMatch(
      /window stop <window-id\|all> \[until-resumed\] \[reason\] \| window resume <window-id\|all>/,
    );
  });

  it('any text after "window": never throws, and a parsed command is one the contract accepts (property)', () => {
    const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,47}$/);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          id.map((i) => `stop ${i}`),
        ),
        fc.string({ maxLength: 400 }),
        (head, tail) => {
          const cmd = parseChatCommand(`window ${head} ${tail}`);
          if (cmd.name === 'usage') return;
          expect(cmd.name).toBe('window');
          const w = cmd as Extract<typeof cmd, { name: 'window' }>;
          const command = (
            w.action === 'stop'
              ? {
                  id: 'c',
                  type: 'window.stop',
                  windowId: w.windowId,
                  reason: w.reason,
                  untilResumed: w.untilResumed,
                  requestedBy: { kind: 'slack', id: 'U1' },
                }
              : { id: 'c', type: 'window.resume', windowId: w.windowId, requestedBy: { kind: 'slack', id: 'U1' } }
          ) as Command;
          expect(commandProblem(command)).toBeUndefined();
          expect(queueOf(command.type)).toBe('policy');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('permissions: window:stop', () => {
  const perms = parsePermissions(
    {
      grants: [
        { slackUsers: ['UOPS'], allow: ['window:stop'] },
        { slackUsers: ['UUNBYPASS'], allow: ['unbypass', 'bypass', 'status'] },
        { slackUsers: ['UALL'], allow: ['*'] },
      ],
    },
    'test',
  );
  const caller = (userId: string) => ({ platform: 'slack' as const, userId });
  const needs = permissionsFor(parseChatCommand('window stop w1'))!;

  it('stop and resume need window:stop (or *); unbypass alone is not enough', () => {
    expect(permissionsFor(parseChatCommand('window resume w1'))).toEqual([['window:stop']]);
    expect(missingPermission(perms, caller('UOPS'), needs)).toBeUndefined();
    expect(missingPermission(perms, caller('UALL'), needs)).toBeUndefined();
    expect(missingPermission(perms, caller('UUNBYPASS'), needs)).toEqual(['window:stop']);
  });
});

describe('intake: window commands', () => {
  const sent: Command[] = [];
  const lines: string[] = [];
  const deps = {
    queue: { send: async (c: Command) => void sent.push(c) },
    logger: createLogger({ sink: (l) => lines.push(l) }),
    permissions: parsePermissions({ grants: [{ slackUsers: ['UOPS'], allow: ['window:stop'] }] }, 'test'),
    resolveMe: async () => 'ops@corp.example',
  };
  const req = (text: string, userId = 'UOPS') => ({
    caller: { platform: 'slack' as const, userId, userName: 'ops' },
    text,
    requestId: `r-${text}-${userId}`,
    prefix: '/zscaler',
    reply: { kind: 'slack' as const, responseUrl: 'https://hooks.slack.test/r/1' },
  });

  it('enqueues window.stop with the reason and who asked; the outcome goes to the channel', async () => {
    const answer = await handleChatRequest(req('window stop w1 until-resumed vendor outage'), deps);
    expect(answer).toMatchObject({
      status: 'accepted',
      command: 'window.stop',
      text: 'Stopping maintenance window w1 until resumed (the result follows here).',
    });
    expect(sent.at(-1)).toMatchObject({
      type: 'window.stop',
      windowId: 'w1',
      untilResumed: true,
      reason: 'vendor outage',
      requestedBy: { kind: 'slack', id: 'UOPS', name: 'ops' },
      reply: { kind: 'slack', responseUrl: 'https://hooks.slack.test/r/1' },
      requestedAt: expect.any(String),
    });
  });

  it('refuses a caller without window:stop, naming the permission, with an audit record', async () => {
    const before = sent.length;
    const answer = await handleChatRequest(req('window resume w1', 'USTRANGER'), deps);
    expect(answer).toMatchObject({ status: 'refused' });
    expect(answer.text).toMatch(
      /^Sorry, you may not run "window resume" here \(it needs the "window:stop" permission\)/,
    );
    expect(sent).toHaveLength(before);
    expect(lines.some((l) => l.includes('"action":"chatops.window"') && l.includes('"result":"refused"'))).toBe(true);
  });
});
