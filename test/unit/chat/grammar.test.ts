import { describe, expect, it } from 'vitest';
import { statusSchema } from '../../../shared/commands/contract.js';
import { helpText, parseChatCommand, parseDuration } from '../../../shared/chat/grammar.js';

describe('parseChatCommand', () => {
  it('answers help for "help" and for empty text', () => {
    expect(parseChatCommand('help')).toEqual({ name: 'help' });
    expect(parseChatCommand('   ')).toEqual({ name: 'help' });
  });

  it('parses trace with an email, an optional length, and "me"', () => {
    expect(parseChatCommand('trace Alice@Corp.Example 15m')).toEqual({
      name: 'trace',
      user: { email: 'alice@corp.example' },
      sessionMinutes: 15,
      dryRun: false,
    });
    expect(parseChatCommand('trace me')).toEqual({ name: 'trace', user: { me: true }, dryRun: false });
    expect(parseChatCommand('TRACE me 1h')).toEqual({
      name: 'trace',
      user: { me: true },
      sessionMinutes: 60,
      dryRun: false,
    });
    expect(parseChatCommand('dry-run trace me 5m')).toEqual({
      name: 'trace',
      user: { me: true },
      sessionMinutes: 5,
      dryRun: true,
    });
  });

  it("understands Slack's escaped mailto links", () => {
    expect(parseChatCommand('trace <mailto:bob@corp.example|bob@corp.example>')).toEqual({
      name: 'trace',
      user: { email: 'bob@corp.example' },
      dryRun: false,
    });
  });

  it('parses bypass with a duration and a multi-word reason, and its dry run', () => {
    expect(parseChatCommand('bypass payroll-app 2h patching db')).toEqual({
      name: 'bypass',
      segment: 'payroll-app',
      durationMinutes: 120,
      reason: 'patching db',
      dryRun: false,
    });
    expect(parseChatCommand('dry-run bypass "HR Portal" 1h30m move')).toEqual({
      name: 'bypass',
      segment: 'HR Portal',
      durationMinutes: 90,
      reason: 'move',
      dryRun: true,
    });
  });

  it('parses unbypass and status', () => {
    expect(parseChatCommand('dry-run unbypass jira')).toEqual({ name: 'unbypass', segment: 'jira', dryRun: true });
    expect(parseChatCommand('status')).toEqual({ name: 'status', users: [] });
    expect(parseChatCommand('status me carol@corp.example')).toEqual({
      name: 'status',
      users: [{ me: true }, { email: 'carol@corp.example' }],
    });
  });

  it('caps status at 10 users, with the usage line', () => {
    const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}@corp.example`).join(' ');
    expect(parseChatCommand(`status me ${users(9)}`)).toMatchObject({
      name: 'status',
      users: expect.arrayContaining([{ me: true }]),
    });
    expect((parseChatCommand(`status ${users(10)}`) as { users: unknown[] }).users).toHaveLength(10);
    expect(parseChatCommand(`status ${users(11)}`)).toEqual({
      name: 'usage',
      message:
        'status looks at 10 users at most (each is a ZDX device search), not 11. Usage: status [me|<email> …] (up to 10 users)',
    });
    expect(parseChatCommand(`status ${users(500)}`)).toMatchObject({
      name: 'usage',
      message: expect.stringMatching(/^status looks at 10 users at most/),
    });
    // The queue contract holds the same bound, so no other producer can fan a status out further.
    const status = (n: number) =>
      statusSchema.safeParse({
        id: 'c',
        type: 'status',
        requestedBy: { kind: 'slack', id: 'U1' },
        userEmails: users(n).split(' '),
      }).success;
    expect([status(10), status(11)]).toEqual([true, false]);
  });

  it.each([
    ['frobnicate', /unknown command "frobnicate".*help/],
    ['trace', /expected a user.*Usage: trace <email>\|me/],
    ['trace not-an-email', /"not-an-email" is not an email address or "me"/],
    ['trace me 10m', /a trace lasts 5m, 15m, 30m or 60m, not "10m"/],
    ['bypass payroll-app 2h', /expected a segment, a duration and a reason/],
    ['bypass payroll-app 120 patching', /"120" is not a duration/],
    ['bypass payroll-app 0m patching', /"0m" is not a duration/],
    ['unbypass', /expected one segment/],
    ['status nobody', /"nobody" is not an email/],
    ['dry-run status', /dry-run applies to trace, bypass and unbypass/],
    ['bypass "payroll-app 2h x', /opening quote has no closing quote/],
  ])('explains what is wrong with %j', (text, message) => {
    const r = parseChatCommand(text);
    expect(r.name).toBe('usage');
    expect(r.name === 'usage' && r.message).toMatch(message);
  });
});

describe('parseDuration', () => {
  it('reads minutes, hours and both', () => {
    expect([parseDuration('45m'), parseDuration('2h'), parseDuration('1h30m'), parseDuration('2H')]).toEqual([
      45, 120, 90, 120,
    ]);
    expect([parseDuration('90'), parseDuration('h'), parseDuration('1d'), parseDuration('')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('helpText', () => {
  it("lists every command under the caller's own prefix", () => {
    const text = helpText('/zscaler');
    expect(text).toMatch(/^Usage: \/zscaler <command>/);
    for (const word of ['trace <email>|me', 'bypass <segment>', 'unbypass <segment>', 'status', 'dry-run', 'help'])
      expect(text).toContain(word);
  });
});
