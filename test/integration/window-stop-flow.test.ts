/**
 * The emergency stop of a maintenance window, end to end in the local stack: a signed Slack / Teams command →
 * the real chat ingress (grammar, permissions) → the FIFO policy queue in local SQS → the real reconciler, which
 * records the stop in dynalite (the ledger table, key `window-stops`) and reconciles at once → the simulator's ZPA
 * → the outcome at the receiver. The every-minute schedule runs every 2 s here, so "stays reverted across several
 * reconciles" is several real runs of the reconciler reading the stored stop.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackDelivery, teamsDelivery } from '../../local/chatSamples.js';
import { LOCAL_CHAT } from '../../local/fakeChat.js';
import type { LocalStack } from '../../local/stack.js';
import { startWindowsStack, stopWindowsStack } from '../helpers/windowsStack.js';
import { eventually } from '../helpers/webhooks.js';

let stack: LocalStack;
const windowsFile = join(mkdtempSync(join(tmpdir(), 'zea-stop-')), 'windows.json');
/** Every JSON line the in-process functions write (their stdout), for the audit records. */
const lines: string[] = [];

type Rule = { name: string; ruleOrder: string; action: string };
const ourRules = async (): Promise<Rule[]> =>
  (
    (await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as {
      products: { zpa: { rules: { CLIENT_FORWARDING_POLICY: Rule[] } } };
    }
  ).products.zpa.rules.CLIENT_FORWARDING_POLICY.filter((r) => r.name.startsWith('zea-bypass:win:'));
const windowRule = async () => (await ourRules()).find((r) => r.name === 'zea-bypass:win:stop-demo');

async function send(platform: 'slack' | 'teams', d: { body: string; headers: Record<string, string> }) {
  const res = await fetch(`${stack.gatewayUrl}/chat/${platform}`, { method: 'POST', headers: d.headers, body: d.body });
  return { status: res.status, json: (await res.json()) as { text?: string } };
}
const slack = (text: string, tag: string, user?: { id: string; name: string }) =>
  send('slack', slackDelivery({ text, user, responseUrl: `${stack.receiver.url}/slack-response/${tag}` }));
const outcome = async (tag: string, match: RegExp) =>
  String(
    (
      (
        await stack.receiver.waitFor(
          (r) => r.path === `/slack-response/${tag}` && match.test(String((r.body as { text?: string }).text)),
          20_000,
        )
      ).body as { text: string }
    ).text,
  );
const audits = (action: string) =>
  lines
    .filter((l) => l.includes('"type":"audit"'))
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((a) => a.action === action);
const storedStops = async () => {
  const r = await stack.dynamo.client.send(
    new QueryCommand({
      TableName: stack.dynamo.tableNames.IncidentLedger,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': 'key' },
      ExpressionAttributeValues: { ':k': { S: 'window-stops' } },
    }),
  );
  return r.Items?.[0]?.doc?.S ? (JSON.parse(r.Items[0].doc.S) as { stops: Array<Record<string, unknown>> }).stops : [];
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  writeFileSync(
    windowsFile,
    JSON.stringify({
      guardrails: { allowedSegments: ['payroll-app', 'hr-portal'], maxWindowMinutes: 240 },
      windows: [
        {
          id: 'stop-demo',
          segments: ['payroll-app'],
          schedule: {
            start: new Date(Date.now() - 1000).toISOString(),
            end: new Date(Date.now() + 3_600_000).toISOString(),
          },
          reason: 'local stop test',
        },
      ],
    }),
  );
  stack = await startWindowsStack({ windowsFile, lines, logLevel: 'warn' });
}, 30_000);
afterAll(() => stopWindowsStack(stack));

describe('window stop / resume from chat', () => {
  it('a running window stopped from Slack is reverted in ZPA, stays reverted across reconciles, and status shows it', async () => {
    await eventually(async () => ((await windowRule())?.ruleOrder === '1' ? true : undefined), 15_000, 'window rule');

    const ack = await slack('window stop stop-demo payroll db on fire', 'stop');
    expect(ack.status).toBe(200);
    expect(ack.json.text).toBe('Stopping maintenance window stop-demo (the result follows here).');
    expect(await outcome('stop', /stopped/)).toMatch(
      /^Window stop-demo is stopped for the rest of this occurrence \(it ends .*; the next one runs normally\): its bypass is removed now\.$/,
    );
    // The stop's own reconcile removed the rule before the outcome was posted.
    expect(await windowRule()).toBeUndefined();

    // Recorded durably, with who, when and why.
    expect(await storedStops()).toEqual([
      expect.objectContaining({
        windowId: 'stop-demo',
        untilResumed: false,
        by: `slack:${LOCAL_CHAT.slack.oncall.id}(${LOCAL_CHAT.slack.oncall.name})`,
        reason: 'payroll db on fire',
        occurrenceEnd: expect.any(String),
      }),
    ]);
    const runsBefore = lines.filter((l) => l.includes('"ReconcileRuns"')).length;
    await pause(7_000); // several scheduled reconciles (every 2 s here)
    expect(lines.filter((l) => l.includes('"ReconcileRuns"')).length).toBeGreaterThanOrEqual(runsBefore + 2);
    expect(await windowRule()).toBeUndefined();

    // Audited once, with the before and after; the removal itself is audited as a ZPA change triggered by the command.
    const [stopAudit, ...more] = audits('window.stop');
    expect(more).toEqual([]);
    expect(stopAudit).toMatchObject({
      result: 'success',
      target: { windowId: 'stop-demo' },
      before: { stopped: false },
      after: { windowId: 'stop-demo', reason: 'payroll db on fire' },
      trigger: { kind: 'slack', by: expect.stringContaining(LOCAL_CHAT.slack.oncall.id) },
    });
    expect(audits('zpa.bypass.delete-rule')).toContainEqual(
      expect.objectContaining({ result: 'success', trigger: expect.objectContaining({ id: stopAudit!.trigger.id }) }),
    );

    await slack('status', 'status');
    expect(await outcome('status', /Stopped maintenance windows/)).toMatch(
      /Stopped maintenance windows:\n• stop-demo: stopped for the rest of its occurrence .* by slack:U0LOCALONCALL\(alice\) at .* \(payroll db on fire\)/,
    );
  }, 60_000);

  it('is idempotent: a second stop changes nothing, says who stopped it, and writes no second audit record', async () => {
    await slack('window stop stop-demo again', 'stop-again');
    expect(await outcome('stop-again', /already stopped/)).toMatch(
      /^Window stop-demo is already stopped \(stop-demo: stopped for the rest of its occurrence .* by slack:U0LOCALONCALL\(alice\)/,
    );
    expect(audits('window.stop')).toHaveLength(1);
    expect(await storedStops()).toHaveLength(1);
  }, 30_000);

  it('refuses a stop by someone without the window:stop permission at once, and nothing changes', async () => {
    const refused = await slack('window stop stop-demo', 'refused', LOCAL_CHAT.slack.viewer);
    expect(refused.json.text).toMatch(
      /^Sorry, you may not run "window stop" here \(it needs the "window:stop" permission\)/,
    );
    const teams = await send(
      'teams',
      teamsDelivery({ text: 'window resume stop-demo', user: LOCAL_CHAT.teams.stranger }),
    );
    expect(teams.json.text).toMatch(/^Sorry, you may not run "window resume"/);
    expect(audits('chatops.window')).toHaveLength(2);
    await pause(1_500);
    expect(stack.receiver.received.filter((r) => r.path === '/slack-response/refused')).toEqual([]);
    expect(await storedStops()).toHaveLength(1);
  });

  it('a stop of an unknown window gets a clear error naming the windows there are', async () => {
    await slack('window stop no-such-window', 'unknown');
    expect(await outcome('unknown', /no-such-window/)).toBe(
      'Could not stop maintenance window no-such-window: no maintenance window "no-such-window" in the windows file (its windows: stop-demo)',
    );
  }, 30_000);

  it('resume from Teams puts the bypass back within the window, first in order', async () => {
    const ack = await send('teams', teamsDelivery({ text: 'window resume stop-demo' }));
    expect(ack.json.text).toBe('Resuming maintenance window stop-demo (the result follows here).');
    await stack.receiver.waitFor(
      (r) => r.path === '/teams-reply' && JSON.stringify(r.body).includes('stop-demo is resumed'),
      20_000,
    );
    expect(await windowRule()).toMatchObject({ action: 'BYPASS', ruleOrder: '1' });
    expect(await storedStops()).toEqual([]);
    expect(audits('window.resume')).toEqual([
      expect.objectContaining({
        result: 'success',
        after: { stopped: false },
        before: expect.objectContaining({ windowId: 'stop-demo' }),
      }),
    ]);
    // A resumed window is ours again, not drift: nothing logged as such.
    expect(audits('zpa.bypass.drift')).toEqual([]);
  }, 30_000);
});
