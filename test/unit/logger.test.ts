/** Log redaction: a log line of a command, an error or free text never carries a chat reply URL or a token. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, redact, withLogContext } from '../../shared/logger.js';

const SLACK_RESPONSE_URL = 'https://hooks.slack.com/commands/T0LOCAL/1234567890/Zx9SecretPathPart';
const TEAMS_REPLY_URL =
  'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=TeamsSigSecret123';
const TEAMS_CONNECTOR =
  'https://contoso.webhook.office.com/webhookb2/1111@2222/IncomingWebhook/ConnectorSecret999/3333';
const SECRETS = [
  'Zx9SecretPathPart',
  'TeamsSigSecret123',
  'ConnectorSecret999',
  'xoxb-',
  'xoxp-',
  'xapp-',
  'abcdefSlackToken',
];

const line = (data: Record<string, unknown>): string => {
  const lines: string[] = [];
  createLogger({ sink: (l) => lines.push(l) }).info('test', data);
  return lines[0]!;
};
const expectClean = (text: string) => {
  for (const s of SECRETS) expect(text).not.toContain(s);
};

describe('redact', () => {
  it('logs only the origin of values under URL keys (url, responseUrl, replyUrl, response_url, callbackUrl)', () => {
    expect(redact({ url: TEAMS_REPLY_URL })).toEqual({ url: 'https://prod-12.westeurope.logic.azure.com/[REDACTED]' });
    expect(redact({ reply: { kind: 'slack', responseUrl: SLACK_RESPONSE_URL } })).toEqual({
      reply: { kind: 'slack', responseUrl: 'https://hooks.slack.com/[REDACTED]' },
    });
    expect(
      redact({
        replyUrl: TEAMS_CONNECTOR,
        response_url: SLACK_RESPONSE_URL,
        callbackUrl: 'https://ops.example/cb?k=1',
      }),
    ).toEqual({
      replyUrl: 'https://contoso.webhook.office.com/[REDACTED]',
      response_url: 'https://hooks.slack.com/[REDACTED]',
      callbackUrl: 'https://ops.example/[REDACTED]',
    });
    expect(redact({ baseUrl: 'https://api.zdxcloud.net', url: 'not a url' })).toEqual({
      baseUrl: 'https://api.zdxcloud.net',
      url: '[REDACTED]',
    });
  });

  it('redacts Slack tokens, sig= query values and capability URLs wherever they appear in text', () => {
    const text = `posting to ${TEAMS_REPLY_URL} and ${SLACK_RESPONSE_URL} with xoxb-1234-5678-abcdefSlackToken (user xoxp-9-abcdefSlackToken, app xapp-1-A1-abcdefSlackToken) via ${TEAMS_CONNECTOR}`;
    const out = redact(text) as string;
    expectClean(out);
    expect(out).toContain(
      'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=[REDACTED]',
    );
    expect(out).toContain('https://hooks.slack.com/[REDACTED]');
    expect(out).toContain('https://contoso.webhook.office.com/[REDACTED]');
    expect(out).toContain('with [REDACTED] (user [REDACTED], app [REDACTED])');
  });

  it('keeps what operators need: hosts, ids, statuses, plain text', () => {
    const data = {
      host: 'hooks.slack.com',
      status: 503,
      commandId: 'chat_abc',
      text: 'trace carol@corp.example 15m',
      path: '/devices/999',
    };
    expect(redact(data)).toEqual(data);
  });

  it('leaves nothing secret in a logged chat command, an error or an audit record', () => {
    const command = {
      id: 'chat_1',
      type: 'status',
      requestedBy: { kind: 'slack', id: 'U1' },
      reply: { kind: 'slack', responseUrl: SLACK_RESPONSE_URL, responseType: 'ephemeral' },
      teams: { kind: 'teams', url: TEAMS_REPLY_URL },
    };
    const err = new Error(`fetch ${TEAMS_REPLY_URL} failed`, {
      cause: new Error('auth xoxb-77-abcdefSlackToken rejected'),
    });
    const out = line({
      command,
      error: err,
      form: `token=x&response_url=${encodeURIComponent(SLACK_RESPONSE_URL)}&text=status`,
    });
    expectClean(out);
    expect(JSON.parse(out)).toMatchObject({
      command: {
        id: 'chat_1',
        reply: { responseUrl: 'https://hooks.slack.com/[REDACTED]', responseType: 'ephemeral' },
      },
    });
    expect(JSON.parse(out).form).toBe('token=[REDACTED]&response_url=[REDACTED]&text=status');
  });
});

describe('invocation fields on every line (withLogContext)', () => {
  const capture = () => {
    const lines: string[] = [];
    const log = createLogger({ sink: (l) => lines.push(l) });
    return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  it('adds the fields to log lines and audit records of any logger or child inside, nested fields on top', async () => {
    const { log, parsed } = capture();
    const child = log.child({ function: 'worker' });
    await withLogContext({ requestId: 'r-1', coldStart: true }, async () => {
      child.info('outer');
      await withLogContext({ correlationId: 'pagerduty:Q1' }, async () => {
        await new Promise((r) => setTimeout(r, 1));
        child.audit({ action: 'x', trigger: { kind: 'incident', id: 'Q1' }, target: {}, result: 'success' });
      });
      child.warn('after the nested one');
    });
    log.info('outside');
    const [outer, audit, after, outside] = parsed();
    expect(outer).toMatchObject({ msg: 'outer', requestId: 'r-1', coldStart: true, function: 'worker' });
    expect(outer!.correlationId).toBeUndefined();
    expect(audit).toMatchObject({ type: 'audit', requestId: 'r-1', correlationId: 'pagerduty:Q1' });
    expect(after!.correlationId).toBeUndefined();
    expect(outside!.requestId).toBeUndefined();
  });

  it('keeps concurrent invocations apart, and leaves metric lines as bare EMF', async () => {
    const { log, parsed } = capture();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 2, maxLength: 6 }),
        async (ids) => {
          await Promise.all(
            ids.map((id, i) =>
              withLogContext({ correlationId: id }, async () => {
                await new Promise((r) => setTimeout(r, (ids.length - i) % 3));
                log.info('step', { expected: id });
              }),
            ),
          );
        },
      ),
      { numRuns: 25 },
    );
    for (const l of parsed()) expect(l.correlationId).toBe(l.expected);
    const m = capture();
    withLogContext({ requestId: 'r-2' }, () => m.log.metric('DeadLetters'));
    expect(Object.keys(m.parsed()[0]!).sort()).toEqual(['DeadLetters', '_aws']);
  });
});
