/**
 * The chat ingress and the queue consumer agree: every chat input the ingress acknowledges is a command the
 * consumer accepts, and everything else is answered at once with the usage text (nothing is queued).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handleChatRequest, type IntakeDeps } from '../../../shared/chat/intake.js';
import { parseCommand, type Command } from '../../../shared/commands/contract.js';
import type { CommandQueue } from '../../../shared/commands/queue.js';
import { logger } from '../../../shared/logger.js';

const quietLogger = logger.child({ test: 'intake-contract' });
quietLogger.info = () => undefined;
quietLogger.warn = () => undefined;
quietLogger.audit = () => undefined;

function intake(meEmail: string) {
  const sent: Command[] = [];
  const queue: CommandQueue = { send: async (c) => void sent.push(c) };
  const deps: IntakeDeps = {
    queue,
    logger: quietLogger,
    permissions: { grants: [{ slackUsers: ['U1'], allow: ['*'] }] },
    resolveMe: async () => meEmail,
  };
  return { sent, deps };
}

// Addresses people type, and the odd ones that broke the old rule: trailing dots, one-letter TLDs, non-ASCII,
// quotes, IP literals, doubled dots, Slack mailto wrappers.
const oddEmails = [
  'alice@corp.example',
  'Alice@Corp.Example',
  'alice@corp.example.',
  'alice@corp.x',
  'jörg@corp.example',
  'a..b@corp.example',
  '.a@corp.example',
  'a.@corp.example',
  '"a b"@corp.example',
  'a@[10.0.0.1]',
  'a@corp..example',
  'a@-corp.example',
  'a@corp',
  'a+tag@corp.example',
  "o'brien@corp.example",
  '<mailto:bob@corp.example|bob@corp.example>',
  '<mailto:bob@corp.x|bob>',
  'a@b.co',
  'user@xn--bcher-kva.example',
  'a@corp.example,',
  'me',
  'ME',
  '@corp.example',
  'a@',
  'a@@corp.example',
];
const segments = [
  'payroll-app',
  '"HR Portal"',
  '""',
  '" "',
  '“smart quoted”',
  'a',
  'ünïcode-seg',
  '"unterminated',
  'x'.repeat(300),
  "it's",
  '\u200b',
];
const durations = ['90m', '2h', '1h30m', '0m', '0h', '15', '999h', '1h0m', 'abc', '2H'];
const reasons = ['patching db', '""', '" "', 'x', 'déploiement', ''];
const lengths = ['5m', '15m', '30m', '60m', '1h', '10m', ''];

const line = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('trace', 'dry-run trace', 'TRACE'),
      fc.constantFrom(...oddEmails),
      fc.constantFrom(...lengths),
    )
    .map((p) => p.join(' ')),
  fc
    .tuple(
      fc.constantFrom('bypass', 'dry-run bypass'),
      fc.constantFrom(...segments),
      fc.constantFrom(...durations),
      fc.constantFrom(...reasons),
    )
    .map((p) => p.join(' ')),
  fc.tuple(fc.constantFrom('unbypass', 'dry-run unbypass'), fc.constantFrom(...segments)).map((p) => p.join(' ')),
  fc
    .tuple(fc.constant('status'), fc.array(fc.constantFrom(...oddEmails), { maxLength: 12 }))
    .map(([v, us]) => [v, ...us].join(' ')),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => `bypass ${s} 1h ${s}`),
);

describe('chat intake against the queue contract', () => {
  it('acknowledges only commands the consumer accepts; answers the rest at once with the usage text', async () => {
    await fc.assert(
      fc.asyncProperty(line, fc.constantFrom(...oddEmails.filter((e) => e.includes('@'))), async (text, me) => {
        const { sent, deps } = intake(me);
        const answer = await handleChatRequest(
          { caller: { platform: 'slack', userId: 'U1' }, text, requestId: 'T1', prefix: '/zscaler' },
          deps,
        );
        if (answer.status === 'accepted') {
          expect(sent).toHaveLength(1);
          // The consumer's side: exactly what the worker and the reconciler run on.
          expect(parseCommand(JSON.stringify(sent[0]))).toEqual(JSON.parse(JSON.stringify(sent[0])));
        } else {
          expect(sent).toHaveLength(0);
          expect(answer.status).toBe('answered');
          expect(answer.text).toContain('Usage: /zscaler <command>');
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('answers the inputs that used to be acknowledged and then dead-lettered', async () => {
    for (const text of [
      'trace alice@corp.example.',
      'trace alice@corp.x',
      'trace jörg@corp.example',
      'unbypass ""',
      'bypass "" 1h x',
      'bypass seg 1h ""',
    ]) {
      const { sent, deps } = intake('alice@corp.example');
      const answer = await handleChatRequest(
        { caller: { platform: 'slack', userId: 'U1' }, text, requestId: 'T2', prefix: '/zscaler' },
        deps,
      );
      expect(answer.status, text).toBe('answered');
      expect(sent, text).toHaveLength(0);
    }
  });

  it('answers "trace me" at once when the caller\'s profile email is not an address the contract accepts', async () => {
    const { sent, deps } = intake('jörg@corp.example');
    const answer = await handleChatRequest(
      { caller: { platform: 'slack', userId: 'U1' }, text: 'trace me', requestId: 'T3', prefix: '/zscaler' },
      deps,
    );
    expect(answer).toMatchObject({ status: 'answered' });
    expect(answer.text).toMatch(/userEmails\[0\]: invalid email address/);
    expect(sent).toHaveLength(0);
  });
});
