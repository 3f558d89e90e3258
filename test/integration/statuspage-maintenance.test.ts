/**
 * Statuspage scheduled maintenances end to end in the local stack: a Statuspage-shaped delivery (the fixture, its
 * times set around now) to `POST /webhooks/statuspage/<token>` → the real incident-webhook handler behind the local
 * HTTP API → the FIFO policy queue in local SQS → the real reconciler, which records the declaration in dynalite
 * (the ledger table, key `declared-windows`) and reconciles → the simulator's ZPA. The every-minute schedule runs
 * every 2 s here, so "when scheduled_for arrives" and "when scheduled_until passes" are real scheduled runs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRETS } from '../../local/fakeSecrets.js';
import type { LocalStack } from '../../local/stack.js';
import { auditsIn, declaredIn, startWindowsStack, stopWindowsStack } from '../helpers/windowsStack.js';
import { eventually } from '../helpers/webhooks.js';
import { readFixture } from '../unit/incidents/helpers.js';

let stack: LocalStack;
const windowsFile = join(mkdtempSync(join(tmpdir(), 'zea-statuspage-')), 'windows.json');
const lines: string[] = [];
const TOKEN = LOCAL_WEBHOOK_SECRETS.statuspage[0]!;
const PAGE = 'pg7corp0demo';

const windowsConfig = (dryRun = false) => ({
  guardrails: { allowedSegments: ['payroll-app', 'hr-portal'], maxWindowMinutes: 240, dryRun },
  windows: [],
  statuspage: { pageId: PAGE, components: { cmp0payroll1: ['payroll-app'], cmp0hrportal: ['hr-portal'] } },
});

type Rule = { name: string; ruleOrder: string; action: string; description?: string };
const rules = async (): Promise<Rule[]> =>
  (
    (await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as {
      products: { zpa: { rules: { CLIENT_FORWARDING_POLICY: Rule[] } } };
    }
  ).products.zpa.rules.CLIENT_FORWARDING_POLICY;
const ruleOf = async (id: string) => (await rules()).find((r) => r.name === `zea-bypass:win:statuspage:${id}`);
const audits = (action: string) => auditsIn(lines, action);
const declared = () => declaredIn(stack);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

/** The fixture, as Statuspage would send this maintenance in this state. */
function maintenance(m: {
  id: string;
  status: string;
  scheduledFor: string;
  scheduledUntil: string;
  updatedAt: string;
  components?: string[];
}): string {
  const body = JSON.parse(readFixture('statuspage-maintenance.json')) as Record<string, any>;
  const names: Record<string, string> = { cmp0payroll1: 'Payroll', cmp0hrportal: 'HR portal', cmp0widget01: 'Widget' };
  Object.assign(body.incident, {
    id: m.id,
    status: m.status,
    scheduled_for: m.scheduledFor,
    scheduled_until: m.scheduledUntil,
    updated_at: m.updatedAt,
    components: (m.components ?? ['cmp0payroll1', 'cmp0widget01']).map((id) => ({ id, name: names[id] ?? id })),
  });
  return JSON.stringify(body);
}
/** `token: null`: the URL without a token segment. */
const deliver = async (body: string, token: string | null = TOKEN) => {
  const r = await fetch(`${stack.gatewayUrl}/webhooks/statuspage${token === null ? '' : `/${token}`}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Statuspage' },
    body,
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};
const declareReports = (id: string) =>
  stack.receiver.received.filter(
    (r) =>
      (r.body as { kind?: string }).kind === 'maintenance.declare' &&
      JSON.stringify(r.body).includes(`statuspage:${id}`),
  );

beforeAll(async () => {
  writeFileSync(windowsFile, JSON.stringify(windowsConfig()));
  stack = await startWindowsStack({ windowsFile, lines, logLevel: 'info' });
}, 30_000);
afterAll(() => stopWindowsStack(stack));

describe('Statuspage scheduled maintenances → ZPA bypass', () => {
  it('a wrong or missing URL token is answered 401 and nothing is enqueued', async () => {
    const body = maintenance({
      id: 'mt0forged001',
      status: 'in_progress',
      scheduledFor: iso(-1000),
      scheduledUntil: iso(3_600_000),
      updatedAt: iso(0),
    });
    const wrong = await deliver(body, `${TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect((await deliver(body, null)).status).toBe(401);
    expect((await deliver(body, 'a'.repeat(600))).status).toBe(401);
    await pause(3_000); // a scheduled reconcile or two
    expect(lines.some((l) => l.includes('maintenance enqueued'))).toBe(false);
    expect(await declared()).toEqual([]);
    expect(await ruleOf('mt0forged001')).toBeUndefined();
    // The token never reaches a log line.
    expect(lines.some((l) => l.includes(TOKEN))).toBe(false);
  }, 20_000);

  it('a scheduled maintenance bypasses its mapped segment when scheduled_for arrives and restores it on completed', async () => {
    const id = 'mt1sched0001';
    const times = { scheduledFor: iso(5_000), scheduledUntil: iso(3_600_000) };
    const first = await deliver(maintenance({ id, status: 'scheduled', ...times, updatedAt: iso(-60_000) }));
    expect(first).toMatchObject({ status: 202, json: { status: 'accepted', command: 'maintenance.declare' } });
    // The line the forged deliveries above never produced.
    expect(lines.some((l) => l.includes('maintenance enqueued') && l.includes(String(first.json.commandId)))).toBe(
      true,
    );
    await eventually(async () => ((await declared()).some((d) => d.id === id) ? true : undefined), 10_000, 'recorded');
    expect(await ruleOf(id)).toBeUndefined(); // not yet: it starts in 5 s

    // No further delivery: the schedule's reconcile starts it when scheduled_for arrives, first in order.
    const rule = await eventually(async () => ((await ruleOf(id))?.ruleOrder === '1' ? ruleOf(id) : undefined), 15_000);
    expect(rule).toMatchObject({ action: 'BYPASS' });
    expect(rule!.description).toContain(`by=window:statuspage:${id}`);
    expect(rule!.description).toContain('reason=Statuspage maintenance mt1sched0001: Payroll database upgrade');
    // The unmapped component (the widget) is named in the log, never guessed into a segment.
    expect(
      lines.some((l) => l.includes('names components with no segment mapping') && l.includes('cmp0widget01')),
    ).toBe(true);

    const done = await deliver(maintenance({ id, status: 'completed', ...times, updatedAt: iso(0) }));
    expect(done.status).toBe(202);
    await eventually(async () => ((await ruleOf(id)) ? undefined : true), 15_000, 'rule removed');
    expect(audits('zpa.bypass.delete-rule')).toContainEqual(
      expect.objectContaining({ result: 'success', trigger: expect.objectContaining({ id: done.json.commandId }) }),
    );
    expect((await declared()).find((d) => d.id === id)).toMatchObject({ status: 'completed' });
  }, 45_000);

  it('in_progress before its start bypasses at once; the same delivery twice acts once; an older update changes nothing; cancelled restores', async () => {
    const id = 'mt2early0001';
    const times = { scheduledFor: iso(1_800_000), scheduledUntil: iso(3_600_000) };
    const body = maintenance({ id, status: 'in_progress', ...times, updatedAt: iso(-1000) });
    const [a, b] = [await deliver(body), await deliver(body)];
    expect(a.status).toBe(202);
    expect(b.json.commandId).toBe(a.json.commandId);
    await eventually(async () => ((await ruleOf(id))?.ruleOrder === '1' ? true : undefined), 15_000, 'rule first');
    // A redelivery after SQS's 5-minute dedupe window: the recorded updated_at makes it a no-op.
    await stack.invoke('reconciler', {
      Records: [
        {
          messageId: 'redelivered',
          body: JSON.stringify({
            id: 'redelivered-later',
            type: 'maintenance.declare',
            maintenance: (await declared()).find((d) => d.id === id),
            requestedBy: { kind: 'window', id: `statuspage:${id}` },
          }),
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
          messageAttributes: {},
          eventSource: 'aws:sqs',
        },
      ],
    });
    await pause(2_500);
    expect(audits('maintenance.declare').filter((x) => x.target.windowId === `statuspage:${id}`)).toHaveLength(1);
    expect(audits('zpa.bypass.create-rule').filter((x) => JSON.stringify(x).includes(id))).toHaveLength(1);

    // A reordered delivery: the earlier "scheduled" state arrives after "in_progress".
    const older = await deliver(maintenance({ id, status: 'scheduled', ...times, updatedAt: iso(-600_000) }));
    expect(older.status).toBe(202);
    await stack.receiver.waitFor((r) => JSON.stringify(r.body).includes('an older update'), 15_000);
    await pause(2_500);
    expect(await ruleOf(id)).toMatchObject({ action: 'BYPASS', ruleOrder: '1' });
    expect((await declared()).find((d) => d.id === id)).toMatchObject({ status: 'in_progress' });

    await deliver(maintenance({ id, status: 'cancelled', ...times, updatedAt: iso(0) }));
    await eventually(async () => ((await ruleOf(id)) ? undefined : true), 15_000, 'rule removed');
    expect(declareReports(id).length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('the bypass ends when scheduled_until passes, with no delivery', async () => {
    const id = 'mt3until0001';
    await deliver(
      maintenance({
        id,
        status: 'in_progress',
        scheduledFor: iso(-1000),
        scheduledUntil: iso(5_000),
        updatedAt: iso(-500),
        components: ['cmp0hrportal'],
      }),
    );
    await eventually(async () => ((await ruleOf(id))?.ruleOrder === '1' ? true : undefined), 10_000, 'rule first');
    await eventually(async () => ((await ruleOf(id)) ? undefined : true), 20_000, 'rule removed at scheduled_until');
  }, 40_000);

  it('a maintenance naming no mapped component bypasses nothing and is reported as refused', async () => {
    const id = 'mt4unmap0001';
    await deliver(
      maintenance({
        id,
        status: 'in_progress',
        scheduledFor: iso(-1000),
        scheduledUntil: iso(3_600_000),
        updatedAt: iso(0),
        components: ['cmp0widget01'],
      }),
    );
    const report = await stack.receiver.waitFor(
      (r) => (r.body as { kind?: string }).kind === 'reconcile.problems' && JSON.stringify(r.body).includes(id),
      15_000,
    );
    expect((report.body as { text: string }).text).toContain(
      `window statuspage:${id} refused: none of its components (cmp0widget01) is mapped`,
    );
    expect(await ruleOf(id)).toBeUndefined();
  }, 30_000);

  it('a maintenance for another page is refused and not recorded', async () => {
    const body = JSON.parse(
      maintenance({
        id: 'mt5other0001',
        status: 'in_progress',
        scheduledFor: iso(-1000),
        scheduledUntil: iso(3_600_000),
        updatedAt: iso(0),
      }),
    ) as Record<string, any>;
    body.page.id = 'pg0another01';
    expect((await deliver(JSON.stringify(body))).status).toBe(202);
    const report = await stack.receiver.waitFor(
      (r) => (r.body as { kind?: string }).kind === 'maintenance.declare.failed',
      15_000,
    );
    expect((report.body as { text: string }).text).toContain('is for page pg0another01, not the configured page');
    expect((await declared()).some((d) => d.id === 'mt5other0001')).toBe(false);
  }, 30_000);

  it('the guardrails apply as to file windows: too long is refused, dry run changes nothing', async () => {
    const long = 'mt6toolong01';
    await deliver(
      maintenance({
        id: long,
        status: 'in_progress',
        scheduledFor: iso(-1000),
        scheduledUntil: iso(5 * 3_600_000),
        updatedAt: iso(0),
      }),
    );
    const refused = await stack.receiver.waitFor(
      (r) => (r.body as { kind?: string }).kind === 'reconcile.problems' && JSON.stringify(r.body).includes(long),
      15_000,
    );
    expect((refused.body as { text: string }).text).toMatch(/longer than maxWindowMinutes 240/);
    expect(await ruleOf(long)).toBeUndefined();

    writeFileSync(windowsFile, JSON.stringify(windowsConfig(true)));
    const dry = 'mt7dryrun001';
    await deliver(
      maintenance({
        id: dry,
        status: 'in_progress',
        scheduledFor: iso(-1000),
        scheduledUntil: iso(3_600_000),
        updatedAt: iso(0),
      }),
    );
    await eventually(
      () =>
        audits('zpa.bypass.create-rule').some((x) => x.result === 'dry-run' && JSON.stringify(x).includes(dry))
          ? true
          : undefined,
      15_000,
      'dry-run audit',
    );
    expect(await ruleOf(dry)).toBeUndefined();
    writeFileSync(windowsFile, JSON.stringify(windowsConfig()));
  }, 40_000);
});
