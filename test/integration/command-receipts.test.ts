/**
 * Every acknowledged chat command ends in an outcome the requester sees, also when its message is lost on the
 * queue (shared/commands/receipts.ts). Two levels:
 * - the protocol on the ledger table in dynalite: the first of "received" and "lost" wins, whatever the order and
 *   even at once; a late command after "lost" is refused with a message, never carried out;
 * - end to end on the local stack: a Slack `bypass` whose policy-queue delivery is lost (deleted as if handled,
 *   the reconciler never called) is answered at its response_url that nothing was done, ZPA is unchanged and the
 *   CommandsLost metric is counted; a command that arrives is answered as usual and its check stays silent.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackDelivery } from '../../local/chatSamples.js';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamodb.js';
import { readServerlessYml } from '../../local/serverlessYml.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { checkOf, needsReceipt } from '../../shared/commands/check.js';
import { type BypassApply, parseCommand, type Command } from '../../shared/commands/contract.js';
import { dynamoReceipts, settleCheck, type CommandReceipts } from '../../shared/commands/receipts.js';
import { commandOfMessage } from '../../shared/commands/run.js';
import { createLogger } from '../../shared/logger.js';
import type { Outcome } from '../../shared/reporting/reporter.js';
import { eventually } from '../helpers/webhooks.js';

const bypass = (id: string): BypassApply => ({
  id,
  type: 'bypass.apply',
  segment: 'payroll-app',
  durationMinutes: 60,
  reason: 'receipts test',
  requestedBy: { kind: 'slack', id: 'U123', name: 'ana' },
  reply: { kind: 'slack', responseUrl: 'http://127.0.0.1:9/slack-response/x' },
});

describe('the receipts protocol (ledger table in dynalite)', () => {
  let dynamo: LocalDynamo;
  let receipts: CommandReceipts;
  let lines: string[];
  let reports: Outcome[];
  const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
  const reporter = { report: async (o: Outcome) => void reports.push(o) };
  const deps = () => ({ receipts, reporter, logger });
  const metric = (name: string) =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l[name] !== undefined && l._aws).length;

  beforeAll(async () => {
    dynamo = await startLocalDynamo(readServerlessYml().tables);
    receipts = dynamoReceipts({ tableName: dynamo.tableNames.IncidentLedger!, client: dynamo.client });
  });
  afterAll(() => dynamo.close());
  const fresh = () => {
    lines = [];
    reports = [];
  };

  it('a command received before its check: carried out, and the check says nothing', async () => {
    fresh();
    const cmd = bypass('chat_received_first');
    const taken = await commandOfMessage(JSON.stringify(cmd), { receiveCount: 1, onPoison: 'drop' }, deps());
    expect(taken).toEqual(parseCommand(JSON.stringify(cmd)));
    // A redelivery of the same command is taken again (its receipt is its own).
    expect(await commandOfMessage(JSON.stringify(cmd), { receiveCount: 2, onPoison: 'drop' }, deps())).toBeDefined();
    expect(await settleCheck(checkOf(cmd), deps())).toBe('received');
    expect(reports).toEqual([]);
    expect(metric('CommandsLost')).toBe(0);
  });

  it('a check before its command: the requester hears nothing was done; the late command is refused, not done', async () => {
    fresh();
    const cmd = bypass('chat_lost_first');
    expect(await settleCheck(checkOf(cmd), deps())).toBe('lost');
    expect(reports).toHaveLength(1);
    expect(reports[0]!.text).toBe(
      'Your request to bypass payroll-app was not carried out: it was lost on its way and nothing was changed. Ask again if you still need it.',
    );
    expect(metric('CommandsLost')).toBe(1);
    const late = await commandOfMessage(JSON.stringify(cmd), { receiveCount: 1, onPoison: 'drop' }, deps());
    expect(late).toBeUndefined();
    expect(reports[1]!.text).toMatch(/^Your request to bypass payroll-app arrived after it was reported lost/);
    // A second check (a duplicate delivery) tells nobody twice.
    expect(await settleCheck(checkOf(cmd), deps())).toBe('lost');
    expect(reports).toHaveLength(2);
  });

  it('at the same moment, exactly one of the two wins, and both agree which', async () => {
    for (let i = 0; i < 20; i++) {
      fresh();
      const id = `chat_race_${i}`;
      const [received, lost] = await Promise.all([receipts.claim(id, 'received'), receipts.claim(id, 'lost')]);
      expect(received.state).toBe(lost.state);
      expect([received.recorded, lost.recorded].filter(Boolean)).toHaveLength(1);
    }
  });

  it('a receipt that cannot be recorded: a FIFO consumer tells the requester nothing was done; the work queue redelivers', async () => {
    fresh();
    const down: CommandReceipts = { claim: async () => Promise.reject(new Error('DynamoDB unreachable')) };
    const cmd = bypass('chat_unrecorded');
    const body = JSON.stringify(cmd);
    const dropped = await commandOfMessage(body, { receiveCount: 1, onPoison: 'drop' }, { ...deps(), receipts: down });
    expect(dropped).toBeUndefined();
    expect(reports.map((r) => r.text)).toEqual([
      'Could not bypass payroll-app: the tool could not record the request (DynamoDB unreachable); nothing was done, ask again in a minute.',
    ]);
    await expect(
      commandOfMessage(body, { receiveCount: 1, onPoison: 'throw' }, { ...deps(), receipts: down }),
    ).rejects.toThrow('DynamoDB unreachable');
  });

  it('only commands a person waits for get a check', () => {
    const chat: Command = bypass('c1');
    expect(needsReceipt(chat)).toBe(true);
    expect(needsReceipt({ ...chat, requestedBy: { kind: 'teams', id: 'aad' } } as Command)).toBe(true);
    expect(needsReceipt({ id: 'r', type: 'reconcile', requestedBy: { kind: 'schedule', id: 's' } })).toBe(false);
    expect(needsReceipt({ ...chat, requestedBy: { kind: 'incident', id: 'pd' } } as Command)).toBe(false);
    expect(needsReceipt(checkOf(bypass('c2')))).toBe(false);
    // The check is itself a valid command of the contract (the queue checks it before sending).
    expect(parseCommand(JSON.stringify(checkOf(bypass('c3'))))).toMatchObject({ type: 'command.check' });
  });
});

describe('on the local stack', () => {
  let stack: LocalStack;
  /** A policy-queue delivery whose command's reason says so is lost. */
  const lostDeliveries: string[] = [];
  const loseDelivery = (fn: string, event: SQSEvent) => {
    if (fn !== 'reconciler') return false;
    const hit = event.Records.some((r) => r.body.includes('lost on the queue'));
    if (hit) lostDeliveries.push(...event.Records.map((r) => r.messageId));
    return hit;
  };
  beforeAll(async () => {
    stack = await startLocalStack({
      handlerSource: 'src',
      env: { COMMAND_CHECK_DELAY_SECONDS: '2', LOG_LEVEL: 'warn' },
      retryDelaySeconds: 1,
      loseDelivery,
    });
  }, 30_000);
  afterAll(() => stack?.stop());

  type Rules = { products: { zpa: { rules: Record<string, Array<{ name: string }>> } } };
  const adhocRules = async () =>
    ((await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as Rules).products.zpa.rules
      .CLIENT_FORWARDING_POLICY!.filter((r) => r.name.startsWith('zea-bypass:adhoc:'))
      .map((r) => r.name);
  const at = (tag: string) =>
    stack.receiver.received
      .filter((r) => r.path === `/slack-response/${tag}`)
      .map((r) => String((r.body as { text?: string }).text));
  const slack = async (text: string, tag: string) => {
    const d = slackDelivery({ text, responseUrl: `${stack.receiver.url}/slack-response/${tag}` });
    const res = await fetch(`${stack.gatewayUrl}/chat/slack`, { method: 'POST', headers: d.headers, body: d.body });
    expect(res.status).toBe(200);
    return (await res.json()) as { text: string };
  };

  it('a bypass lost on the policy queue is answered "not carried out"; ZPA is unchanged', async () => {
    const before = await adhocRules();
    const ack = await slack('bypass payroll-app 30m lost on the queue', 'lost');
    expect(ack.text).toMatch(/^Bypassing payroll-app/);
    const told = await eventually(
      async () => at('lost').find((t) => t.startsWith('Your request to bypass payroll-app was not carried out')),
      20_000,
      'the lost-command answer',
    );
    expect(told).toContain('nothing was changed');
    expect(lostDeliveries.length).toBeGreaterThan(0);
    expect(await adhocRules()).toEqual(before);
    expect(at('lost')).toHaveLength(1);
  });

  it('a bypass that arrives is done and answered once; its check stays silent', async () => {
    const ack = await slack('bypass payroll-app 30m arrives', 'arrives');
    expect(ack.text).toMatch(/^Bypassing payroll-app/);
    await eventually(async () => at('arrives').find((t) => /payroll-app/.test(t)), 20_000, 'the bypass outcome');
    // Past the check's delay (2 s) and its poll: still only the outcome.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(at('arrives')).toHaveLength(1);
    expect(at('arrives')[0]).not.toMatch(/not carried out/);
  });
});
