import { describe, expect, it } from 'vitest';
import { PoisonMessageError, serialiseCommand, type Command } from '../../../shared/commands/contract.js';
import { commandOfMessage, runReported } from '../../../shared/commands/run.js';
import { ZscalerApiError, ZscalerAuthError } from '../../../shared/zscaler/errors.js';
import { logger } from '../../../shared/logger.js';
import type { Outcome, Reporter } from '../../../shared/reporting/reporter.js';
import type { ReplyTarget } from '../../../shared/commands/contract.js';

const log = logger.child({ test: 'commands-run' });
log.error = () => undefined;
log.warn = () => undefined;

function recorder() {
  const reports: { outcome: Outcome; target?: ReplyTarget }[] = [];
  const reporter: Reporter = { report: async (outcome, target) => void reports.push({ outcome, target }) };
  return { reports, deps: { reporter, logger: log } };
}

const reply = { kind: 'slack', responseUrl: 'https://hooks.slack.test/r/1' } as const;
const invalid = JSON.stringify({
  id: 'c1',
  type: 'bypass.remove',
  segment: '',
  requestedBy: { kind: 'slack', id: 'U1' },
  reply,
});

describe('commandOfMessage', () => {
  it('returns a valid command', async () => {
    const { reports, deps } = recorder();
    const cmd: Command = { id: 'c0', type: 'reconcile', requestedBy: { kind: 'schedule', id: 's' } };
    expect(await commandOfMessage(JSON.stringify(cmd), { receiveCount: 1, onPoison: 'throw' }, deps)).toEqual(cmd);
    expect(reports).toHaveLength(0);
  });

  it('tells the requester of an invalid command once, on its first delivery, and throws it on for the DLQ', async () => {
    const { reports, deps } = recorder();
    await expect(commandOfMessage(invalid, { receiveCount: 1, onPoison: 'throw' }, deps)).rejects.toBeInstanceOf(
      PoisonMessageError,
    );
    await expect(commandOfMessage(invalid, { receiveCount: 2, onPoison: 'throw' }, deps)).rejects.toBeInstanceOf(
      PoisonMessageError,
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]!.target).toEqual(reply);
    expect(reports[0]!.outcome).toMatchObject({ kind: 'command.invalid', ok: false });
    expect(reports[0]!.outcome.text).toContain('segment: must not be empty');
  });

  it('drops an invalid command on the policy queue after reporting it, so it never holds the FIFO group', async () => {
    const { reports, deps } = recorder();
    expect(await commandOfMessage(invalid, { receiveCount: 1, onPoison: 'drop' }, deps)).toBeUndefined();
    expect(reports).toHaveLength(1);
  });

  it('drops a body that is not JSON without a report (it names no reply target)', async () => {
    const { reports, deps } = recorder();
    expect(await commandOfMessage('{"type":', { receiveCount: 1, onPoison: 'drop' }, deps)).toBeUndefined();
    expect(reports).toHaveLength(0);
  });
});

describe('serialiseCommand (the producer side)', () => {
  it('refuses a command the consumer would refuse, naming the field and never the value', () => {
    const bad = {
      id: 'c2',
      type: 'trace.start',
      incident: { source: 'slack', incidentId: 'i' },
      userEmails: ['secret-looking@corp.x'],
      requestedBy: { kind: 'slack', id: 'U1' },
    } as Command;
    expect(() => serialiseCommand(bad)).toThrow(/invalid trace\.start command: userEmails\[0\]: invalid email address/);
    expect(() => serialiseCommand(bad)).not.toThrow(/secret-looking/);
  });
});

describe('runReported', () => {
  const status: Command = { id: 'c9', type: 'status', requestedBy: { kind: 'slack', id: 'U1' }, reply };

  it("says a credential refusal is the tool's fault, once, without the status twice, and logs it as an error", async () => {
    const { reports, deps } = recorder();
    const levels: string[] = [];
    const logged = {
      ...log,
      child: () => logged,
      error: () => void levels.push('error'),
      warn: () => void levels.push('warn'),
    } as unknown as typeof log;
    const refused = new ZscalerApiError(401, '401', 'invalid token', { method: 'GET', path: '/devices' }, false);
    expect(refused.message).toBe('GET /devices → 401: invalid token');
    for (const e of [refused, new ZscalerAuthError('token endpoint: invalid_client')]) {
      const out = await runReported(status, { ...deps, logger: logged }, async () => Promise.reject(e));
      expect(out).toMatchObject({ failed: expect.stringContaining("Zscaler refused this tool's credentials") });
    }
    expect(levels).toEqual(['error', 'error']);
    expect(reports.map((r) => r.outcome.text)).toEqual([
      "Could not show the status: Zscaler refused this tool's credentials (the operators are alerted); ask again once they are fixed",
      "Could not show the status: Zscaler refused this tool's credentials (the operators are alerted); ask again once they are fixed",
    ]);
    expect(reports[0]!.target).toEqual(reply);
  });

  it('throws a retryable failure on (SQS redelivers it) and reports nothing', async () => {
    const { reports, deps } = recorder();
    const busy = new ZscalerApiError(503, undefined, 'busy', { method: 'GET', path: '/x' }, true);
    await expect(runReported(status, deps, async () => Promise.reject(busy))).rejects.toBe(busy);
    expect(reports).toHaveLength(0);
  });
});

describe('the contract bounds what one command carries', () => {
  it('names at most as many users as every incident source keeps, and refuses what SQS cannot carry', async () => {
    const { MAX_COMMAND_USERS, serialiseCommand } = await import('../../../shared/commands/contract.js');
    const { MAX_USER_EMAILS } = await import('../../../shared/incidents/emails.js');
    expect(MAX_COMMAND_USERS).toBe(MAX_USER_EMAILS);
    const start = (users: string[], extra = {}) =>
      ({
        id: 'c1',
        type: 'trace.start',
        incident: { source: 'pagerduty', incidentId: 'Q1' },
        userEmails: users,
        requestedBy: { kind: 'incident', id: 'pagerduty:Q1' },
        ...extra,
      }) as Command;
    const many = Array.from({ length: MAX_COMMAND_USERS + 1 }, (_, i) => `u${i}@corp.example`);
    expect(() => serialiseCommand(start(many))).toThrow(/userEmails/);
    expect(() => serialiseCommand(start(many.slice(0, MAX_COMMAND_USERS)))).not.toThrow();
    expect(() => serialiseCommand(start([]))).toThrow(/must name at least one user/);
    expect(() => serialiseCommand(start([], { findUsers: true }))).not.toThrow();
    const odd = {
      ...start(['a@corp.example']),
      incident: { source: 'pagerduty', incidentId: 'Q1', title: 'x\uFFFEy' },
    };
    expect(() => serialiseCommand(odd as Command)).toThrow(/holds U\+FFFE, which a queue message cannot carry/);
  });
});
