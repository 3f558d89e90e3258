/**
 * ChatOps end to end over loopback: a signed Slack slash command / Teams @mention → the real ingress
 * handlers behind the local HTTP API → local SQS (work or policy queue) → the real worker / reconciler →
 * the simulator → the outcome at the receiver standing in for Slack's response_url and the Teams reply URL.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { slackDelivery, teamsDelivery } from '../../local/chatSamples.js';
import { LOCAL_CHAT } from '../../local/fakeChat.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { eventually } from '../helpers/webhooks.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    handlerSource: 'src',
    simulator: { timeScale: 120 },
    env: { TRACE_CHECK_DELAY_SECONDS: '1', LOG_LEVEL: 'warn' },
    retryDelaySeconds: 1,
  });
}, 30_000);
afterAll(() => stack?.stop());

type SimState = {
  products: {
    zdx: { traces: Array<{ status: string; trace_details: { session_name: string } }> };
    zpa: { rules: Record<string, Array<{ name: string; description?: string }>> };
  };
};
const state = async () => (await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as SimState;
const bypassRules = async () =>
  (await state()).products.zpa.rules.CLIENT_FORWARDING_POLICY!.filter((r) => r.name.startsWith('zea-bypass:adhoc:'));

/** Sends a chat request and times the immediate answer, which is what Slack (3 s) and Teams (5 s) wait for. */
async function send(platform: 'slack' | 'teams', d: { body: string; headers: Record<string, string> }) {
  const t = performance.now();
  const res = await fetch(`${stack.gatewayUrl}/chat/${platform}`, { method: 'POST', headers: d.headers, body: d.body });
  return {
    status: res.status,
    json: (await res.json()) as { text?: string; response_type?: string; type?: string },
    ms: performance.now() - t,
  };
}
const slackOutcome = (tag: string, match: RegExp) =>
  stack.receiver.waitFor(
    (r) => r.path === `/slack-response/${tag}` && match.test(String((r.body as { text?: string }).text)),
    25_000,
  );
const atResponseUrl = (tag: string) => stack.receiver.received.filter((r) => r.path === `/slack-response/${tag}`);

describe('Slack slash commands', () => {
  it('trace: acknowledged within 3 s, the trace runs in ZDX, and its summary reaches the response_url', async () => {
    const res = await send(
      'slack',
      slackDelivery({ text: 'trace carol@corp.example 5m', responseUrl: `${stack.receiver.url}/slack-response/trace` }),
    );
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    expect(res.json).toEqual({
      response_type: 'ephemeral',
      text: 'Starting a 5-minute deep trace for carol@corp.example (the result follows here).',
    });
    const started = await eventually(
      async () => {
        const ours = (await state()).products.zdx.traces.filter((t) =>
          t.trace_details.session_name.startsWith('zea:slack:chat-'),
        );
        return ours.length === 2 ? ours : undefined; // carol has two devices
      },
      15_000,
      "traces on carol's devices",
    );
    expect(started).toHaveLength(2);
    const done = await slackOutcome('trace', /^Deep trace on .* finished/);
    expect((done.body as { response_type: string }).response_type).toBe('in_channel');
  });

  it('dry-run trace: says which device and app would be traced, and starts nothing', async () => {
    const before = (await state()).products.zdx.traces.length;
    const res = await send(
      'slack',
      slackDelivery({
        text: 'dry-run trace bob@corp.example 15m',
        responseUrl: `${stack.receiver.url}/slack-response/dry-trace`,
      }),
    );
    expect(res.json.text).toBe(
      'Dry run: checking what a 15-minute deep trace for bob@corp.example would do (the result follows here).',
    );
    const out = await slackOutcome(
      'dry-trace',
      /^Dry run: would start a deep trace for bob@corp.example — .+: would-start/,
    );
    expect((out.body as { text: string }).text).toMatch(/\(app [^)]+\)/);
    expect((out.body as { response_type: string }).response_type).toBe('ephemeral'); // devices are the caller's business
    expect((await state()).products.zdx.traces).toHaveLength(before);
  });

  it('bypass → status → unbypass: the rule appears in ZPA with who asked, status shows it, unbypass removes it', async () => {
    const bypass = await send(
      'slack',
      slackDelivery({
        text: 'bypass payroll-app 45m patching db',
        responseUrl: `${stack.receiver.url}/slack-response/bypass`,
      }),
    );
    expect(bypass.status).toBe(200);
    expect(bypass.ms).toBeLessThan(3000);
    const applied = await slackOutcome('bypass', /^payroll-app is bypassed until .* \(patching db\)\.$/);
    expect((applied.body as { response_type: string }).response_type).toBe('in_channel');
    const [rule] = await bypassRules();
    expect(rule!.description).toMatch(
      new RegExp(`by=slack:${LOCAL_CHAT.slack.oncall.id}\\(alice\\) cmd=\\S+ at=\\S+ reason=patching db`),
    );

    await send(
      'slack',
      slackDelivery({ text: 'status me', responseUrl: `${stack.receiver.url}/slack-response/status` }),
    );
    const status = await slackOutcome('status', /Active bypasses \(1\)/);
    expect((status.body as { text: string }).text).toContain(`payroll-app — ad-hoc, until`);
    expect((status.body as { text: string }).text).toContain(
      `asked by slack:${LOCAL_CHAT.slack.oncall.id}(alice) (patching db)`,
    );
    expect((status.body as { response_type: string }).response_type).toBe('ephemeral');

    await send(
      'slack',
      slackDelivery({ text: 'dry-run unbypass payroll-app', responseUrl: `${stack.receiver.url}/slack-response/dry` }),
    );
    const dry = await slackOutcome('dry', /^Dry run: would delete bypass rule zea-bypass:adhoc:/);
    expect((dry.body as { response_type: string }).response_type).toBe('ephemeral');
    expect(await bypassRules()).toHaveLength(1);

    await send(
      'slack',
      slackDelivery({ text: 'unbypass payroll-app', responseUrl: `${stack.receiver.url}/slack-response/unbypass` }),
    );
    await slackOutcome('unbypass', /^The bypass of payroll-app has ended\.$/);
    expect(await bypassRules()).toEqual([]);
  });

  it('refuses a caller without permission at once, audits it, and nothing reaches ZPA or the response_url', async () => {
    // The functions run in this process: their JSON log lines are this process's stdout (even at LOG_LEVEL=warn).
    const lines: string[] = [];
    const spy = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const res = await send(
      'slack',
      slackDelivery({
        text: 'bypass hr-portal 1h sneaky',
        user: LOCAL_CHAT.slack.stranger,
        responseUrl: `${stack.receiver.url}/slack-response/refused`,
      }),
    ).finally(() => spy.mockRestore());
    expect(res.status).toBe(200);
    expect(res.json.text).toMatch(/^Sorry, you may not run "bypass"/);
    const audits = lines
      .filter((l) => l.includes('"type":"audit"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audits).toEqual([
      expect.objectContaining({
        action: 'chatops.bypass',
        result: 'refused',
        trigger: expect.objectContaining({ by: `slack:${LOCAL_CHAT.slack.stranger.id}` }),
      }),
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await bypassRules()).toEqual([]);
    expect(atResponseUrl('refused')).toEqual([]);
  });

  it('answers 401 to tampered and replayed commands, and nothing happens', async () => {
    const d = slackDelivery({ text: 'status', responseUrl: `${stack.receiver.url}/slack-response/forged` });
    const tampered = await send('slack', { ...d, body: d.body.replace('status', 'bypass+hr-portal+8h+x') });
    const replayed = await send(
      'slack',
      slackDelivery({
        text: 'bypass hr-portal 1h x',
        responseUrl: `${stack.receiver.url}/slack-response/forged`,
        at: Math.floor(Date.now() / 1000) - 400,
      }),
    );
    expect([tampered.status, replayed.status]).toEqual([401, 401]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await bypassRules()).toEqual([]);
    expect(atResponseUrl('forged')).toEqual([]);
  });
});

describe('Teams outgoing webhook', () => {
  it('trace me: answered within 5 s, the trace runs, and the outcome reaches the Teams reply URL', async () => {
    const res = await send('teams', teamsDelivery({ text: 'trace me' }));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(5000);
    expect(res.json).toEqual({
      type: 'message',
      text: 'Starting a default-length deep trace for alice@corp.example (the result follows here).',
    });
    await eventually(
      async () =>
        (await state()).products.zdx.traces.some((t) => t.trace_details.session_name.startsWith('zea:teams:chat-'))
          ? true
          : undefined,
      15_000,
      'the Teams trace',
    );
    const card = await stack.receiver.waitFor(
      (r) => r.path === '/teams-reply' && JSON.stringify(r.body).includes('finished'),
      25_000,
    );
    expect(card.body).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } }],
    });
  });

  it('answers 401 to a forged activity and refuses an unknown sender', async () => {
    expect(
      (
        await send(
          'teams',
          teamsDelivery({ text: 'status', secret: Buffer.from('an-attacker-guess-at-the-token').toString('base64') }),
        )
      ).status,
    ).toBe(401);
    const refused = await send('teams', teamsDelivery({ text: 'trace me', user: LOCAL_CHAT.teams.stranger }));
    expect(refused.json.text).toMatch(/^Sorry, you may not run "trace me"/);
  });
});
