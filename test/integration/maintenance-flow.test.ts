/**
 * Maintenance windows in the local stack, as a newcomer would watch them: the reconciler runs on its
 * serverless.yml schedule (sped up; a message on the FIFO policy queue), reads the windows file, and ZPA (the simulator) changes; an ad-hoc
 * bypass arrives on the policy queue like the chat commands send it, and its outcome reaches the callback.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { eventually } from '../helpers/webhooks.js';

let stack: LocalStack;
const windowsFile = join(mkdtempSync(join(tmpdir(), 'zea-windows-')), 'windows.json');
type Rule = { name: string; ruleOrder: string; action: string; description?: string };
const forwardingRules = async (): Promise<Rule[]> =>
  (
    (await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as {
      products: { zpa: { rules: { CLIENT_FORWARDING_POLICY: Rule[] } } };
    }
  ).products.zpa.rules.CLIENT_FORWARDING_POLICY;
const writeWindows = (windows: unknown[]) => {
  const file = JSON.parse(readFileSync(windowsFile, 'utf8')) as { windows: unknown[] };
  writeFileSync(windowsFile, JSON.stringify({ ...file, windows }));
};

beforeAll(async () => {
  stack = await startLocalStack({
    handlerSource: 'src',
    windowsFile,
    scheduleEverySeconds: 2,
    env: { LOG_LEVEL: 'warn' },
    retryDelaySeconds: 1,
  });
}, 30_000);
afterAll(() => stack?.stop());

describe('maintenance windows in the local stack', () => {
  it('a window that starts now gets its BYPASS rule first in order within one run; ending it removes the rule', async () => {
    const start = new Date(Date.now() - 1000).toISOString();
    writeWindows([
      {
        id: 'flow-demo',
        segments: ['payroll-app'],
        schedule: { start, end: new Date(Date.now() + 3_600_000).toISOString() },
        reason: 'local flow test',
      },
    ]);
    // Created, then moved first by the same run (ZPA adds new rules just above the default rule).
    const rule = await eventually(
      async () => (await forwardingRules()).find((r) => r.name === 'zea-bypass:win:flow-demo' && r.ruleOrder === '1'),
      15_000,
      'bypass rule first',
    );
    expect(rule.action).toBe('BYPASS');

    writeWindows([
      {
        id: 'flow-demo',
        segments: ['payroll-app'],
        schedule: { start, end: new Date().toISOString() },
        reason: 'local flow test',
      },
    ]);
    await eventually(
      async () => ((await forwardingRules()).some((r) => r.name.startsWith('zea-bypass:')) ? undefined : true),
      15_000,
      'bypass rule removed',
    );
    expect((await forwardingRules()).map((r) => r.name)).toEqual(['Existing intercept rule', 'Default_Rule']);
  });

  it('an ad-hoc bypass on the policy queue is applied and its outcome reaches the callback', async () => {
    const command = {
      id: 'flow-adhoc-1',
      type: 'bypass.apply',
      segment: 'hr-portal',
      durationMinutes: 15,
      reason: 'vpn issue',
      requestedBy: { kind: 'slack', id: 'U0FLOW' },
    };
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queueUrls.PolicyQueue!,
        MessageBody: JSON.stringify(command),
        MessageGroupId: 'zpa-policy',
        MessageDeduplicationId: command.id,
      }),
    );
    const report = await stack.receiver.waitFor((r) => (r.body as { kind?: string }).kind === 'bypass.apply', 15_000);
    expect((report.body as { ok: boolean; text: string }).text).toMatch(/hr-portal is bypassed until/);
    const rule = (await forwardingRules()).find((r) => r.name.startsWith('zea-bypass:adhoc:')); // reported after the move
    expect(rule).toMatchObject({ ruleOrder: '1', action: 'BYPASS' });
    expect(rule!.description).toContain('by=slack:U0FLOW');
  });
});
