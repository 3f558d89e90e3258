/**
 * Chat text and chat identities never put a character on a queue that SQS refuses: free text (the reason, the
 * caller's display name) is cleaned, identifiers (segment, user id, channel id, reply URL) holding one are
 * answered at once with what was wrong, and nothing is enqueued for them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handleChatRequest, type ChatRequest, type IntakeDeps } from '../../../shared/chat/intake.js';
import { type Command, serialiseCommand } from '../../../shared/commands/contract.js';
import { createLogger } from '../../../shared/logger.js';
import { hostileText } from '../../fuzz/arbitraries.js';
import { holdsRefusedCharacter, sqsRefusedCharacter } from '../../../shared/validation/sqsText.js';

function intake() {
  const sent: Command[] = [];
  const deps: IntakeDeps = {
    queue: { send: async (c) => void sent.push(c) },
    logger: createLogger({ level: 'error', sink: () => undefined }),
    permissions: { grants: [{ slackUsers: ['U1'], allow: ['*'] }] },
    resolveMe: async () => 'alice@corp.example',
  };
  return { sent, deps };
}

const request = (
  patch: Partial<Omit<ChatRequest, 'caller'>> & { caller?: Partial<ChatRequest['caller']> },
): ChatRequest => ({
  text: 'status',
  requestId: 'T1',
  prefix: '/zscaler',
  reply: { kind: 'slack', responseUrl: 'https://hooks.slack.com/commands/T0/1/abc' },
  ...patch,
  caller: { platform: 'slack', userId: 'U1', userName: 'alice', channelId: 'C1', ...patch.caller },
});

/** Every string anywhere in a value. */
const strings = (v: unknown): string[] =>
  typeof v === 'string'
    ? [v]
    : v && typeof v === 'object'
      ? Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)])
      : [];

describe('chat intake: characters a queue message cannot carry', () => {
  it("cleans a bypass reason and the caller's display name, and enqueues the cleaned command", async () => {
    const { sent, deps } = intake();
    const answer = await handleChatRequest(
      request({ text: 'bypass payroll-app 2h patch\uFFFF db\uFFFE now\u0001', caller: { userName: 'al\uFFFFice' } }),
      deps,
    );
    expect(answer.status).toBe('accepted');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'bypass.apply', reason: 'patch db now', requestedBy: { name: 'alice' } });
    expect(sqsRefusedCharacter(serialiseCommand(sent[0]!))).toBeUndefined();
  });

  it.each([
    ['bypass pay\uFFFFroll 2h x', {}, 'the segment name "payroll" holds U+FFFF'],
    ['unbypass "hr\uFFFE portal"', {}, 'the segment name "hr portal" holds U+FFFE'],
    ['status', { caller: { userId: 'U\uFFFF1' } }, 'your user id holds U+FFFF'],
    ['status', { caller: { channelId: 'C\uD8001' } }, 'the channel id holds U+D800'],
    [
      'status',
      { reply: { kind: 'slack', responseUrl: 'https://hooks.slack.com/a\uFFFFb' } },
      'the reply address holds U+FFFF',
    ],
    ['status', { reply: { kind: 'teams', url: 'https://x.example/\uFFFE' } }, 'the reply address holds U+FFFE'],
    ['bypass payroll-app 2h \uFFFF\uFFFE', {}, 'the reason holds nothing but characters that cannot be sent on'],
  ] as const)('answers %j at once with what was wrong, and enqueues nothing', async (text, patch, problem) => {
    const { sent, deps } = intake();
    const answer = await handleChatRequest(request({ text, ...(patch as Partial<Omit<ChatRequest, 'caller'>>) }), deps);
    expect(answer.status).toBe('answered');
    expect(answer.text).toContain(`That cannot be done as typed: ${problem}`);
    expect(sent).toEqual([]);
  });

  it('property: whatever the text and identity hold, nothing enqueued carries a character SQS refuses', async () => {
    const hostile = hostileText(12);
    const text = fc.oneof(
      fc
        .tuple(fc.constantFrom('bypass', 'dry-run bypass'), hostile, fc.constantFrom('2h', '90m'), hostile)
        .map(([v, seg, d, r]) => `${v} seg${seg.replace(/["“”\s]/g, '')} ${d} reason ${r}`),
      hostile.map((s) => `unbypass seg${s.replace(/["“”\s]/g, '')}`),
      fc.constant('status'),
      fc.constant('trace me'),
      hostileText(60),
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(text, hostile, fc.oneof(fc.constant(''), hostile), hostile, async (t, name, userId, channel) => {
        const { sent, deps } = intake();
        const answer = await handleChatRequest(
          request({ text: t, caller: { userName: name, userId: `U1${userId}`, channelId: `C${channel}` } }),
          deps,
        );
        if (answer.status === 'accepted') accepted++;
        for (const c of sent) {
          // What SQS would receive, and every value in it.
          expect(sqsRefusedCharacter(serialiseCommand(c))).toBeUndefined();
          for (const s of strings(c)) expect(holdsRefusedCharacter(s)).toBe(false);
        }
        if (answer.status !== 'accepted') expect(sent).toEqual([]);
      }),
      { numRuns: 3000 },
    );
    // The property saw real enqueues, not only refusals.
    expect(accepted).toBeGreaterThan(100);
  });
});
