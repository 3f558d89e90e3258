/**
 * Rootly scheduled incidents end to end in the local stack: a Rootly-shaped delivery (the fixture, its times set
 * around now), signed with `X-Rootly-Signature` as Rootly signs it, to `POST /webhooks/rootly` → the real
 * incident-webhook handler behind the local HTTP API, which routes `incident.scheduled.*` to the FIFO policy queue
 * in local SQS (not the trace queue) → the real reconciler, which records the declaration in dynalite (key
 * `declared-windows`) and reconciles → the simulator's ZPA. The every-minute schedule runs every 2 s here.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRETS } from '../../local/fakeSecrets.js';
import type { LocalStack } from '../../local/stack.js';
import { auditsIn, declaredIn, startWindowsStack, stopWindowsStack } from '../helpers/windowsStack.js';
import { signRootlyPayload } from '../../shared/incidents/rootly.js';
import { eventually } from '../helpers/webhooks.js';
import { readFixture } from '../unit/incidents/helpers.js';

let stack: LocalStack;
const windowsFile = join(mkdtempSync(join(tmpdir(), 'zea-rootly-')), 'windows.json');
const lines: string[] = [];
const SECRET = LOCAL_WEBHOOK_SECRETS.rootly[0]!;
const PAYROLL_SERVICE = 'c0ffee00-0000-4000-8000-000000000001';

const windowsConfig = (mode: 'rule' | 'bypassType' = 'rule') => ({
  guardrails: { allowedSegments: ['payroll-app', 'hr-portal'], maxWindowMinutes: 240 },
  windows: [],
  // The payroll service by its Rootly id, the HR functionality by its name.
  rootly: {
    services: { [PAYROLL_SERVICE]: ['payroll-app'] },
    functionalities: { 'hr self-service': ['hr-portal'] },
    mode,
  },
});

type Rule = { name: string; ruleOrder: string; action: string; description?: string };
type Segment = { name: string; bypassType: string };
const zpaState = async () =>
  (
    (await (await fetch(`${stack.simulator.url}/__sim/state`)).json()) as {
      products: { zpa: { rules: { CLIENT_FORWARDING_POLICY: Rule[] }; segments: Segment[] } };
    }
  ).products.zpa;
const ruleOf = async (id: string) =>
  (await zpaState()).rules.CLIENT_FORWARDING_POLICY.find((r) => r.name === `zea-bypass:win:rootly:${id}`);
const segment = async (name: string) => (await zpaState()).segments.find((s) => s.name === name)!;
const audits = (action: string) => auditsIn(lines, action);
const declared = () => declaredIn(stack);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const nowSec = () => Math.floor(Date.now() / 1000);

/** The fixture, as Rootly would send this scheduled incident's event. */
function scheduled(m: {
  id: string;
  type: string;
  issuedAt: string;
  scheduledFor: string;
  scheduledUntil: string;
  status?: string;
  eventId?: string;
  services?: boolean;
}): string {
  const body = JSON.parse(readFixture('rootly-scheduled-maintenance.json')) as Record<string, any>;
  Object.assign(body.event, {
    id: m.eventId ?? `ev-${m.id}-${m.type}-${m.issuedAt}`,
    type: m.type,
    issued_at: m.issuedAt,
  });
  Object.assign(body.data, {
    id: m.id,
    status: m.status ?? body.data.status,
    scheduled_for: m.scheduledFor,
    scheduled_until: m.scheduledUntil,
    updated_at: m.issuedAt,
  });
  if (m.services === false) body.data.services = [];
  return JSON.stringify(body);
}
/** `signature: null`: no header; otherwise signed with `secret` at `t`. */
const deliver = async (body: string, opts: { secret?: string; t?: number; signature?: null } = {}) => {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Rootly' };
  if (opts.signature !== null)
    headers['x-rootly-signature'] = signRootlyPayload(body, opts.secret ?? SECRET, opts.t ?? nowSec());
  const r = await fetch(`${stack.gatewayUrl}/webhooks/rootly`, { method: 'POST', headers, body });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  writeFileSync(windowsFile, JSON.stringify(windowsConfig()));
  stack = await startWindowsStack({ windowsFile, lines, logLevel: 'info' });
}, 30_000);
afterAll(() => stopWindowsStack(stack));

describe('Rootly scheduled incidents → ZPA bypass', () => {
  it('a wrong, missing or stale signature is answered 401 and nothing is enqueued', async () => {
    const id = 'ffffffff-0000-4000-8000-0000000000aa';
    const body = scheduled({
      id,
      type: 'incident.scheduled.in_progress',
      issuedAt: iso(0),
      scheduledFor: iso(-1000),
      scheduledUntil: iso(3_600_000),
    });
    expect((await deliver(body, { secret: 'an-attacker-guess-at-the-secret' })).status).toBe(401);
    expect((await deliver(body, { signature: null })).status).toBe(401);
    expect((await deliver(body, { t: nowSec() - 600 })).status).toBe(401);
    await pause(3_000); // a scheduled reconcile or two
    expect(lines.some((l) => l.includes('maintenance enqueued'))).toBe(false);
    expect(await declared()).toEqual([]);
    expect(await ruleOf(id)).toBeUndefined();
    expect(lines.some((l) => l.includes(SECRET))).toBe(false);
  }, 20_000);

  it('bypasses the mapped segments while the scheduled incident is in progress and restores them when it completes', async () => {
    const id = '11111111-0000-4000-8000-000000000001';
    const times = { scheduledFor: iso(1_800_000), scheduledUntil: iso(3_600_000) };
    const created = await deliver(
      scheduled({ id, type: 'incident.scheduled.created', issuedAt: iso(-60_000), ...times }),
    );
    expect(created).toMatchObject({ status: 202, json: { status: 'accepted', command: 'maintenance.declare' } });
    expect(
      lines.some(
        (l) =>
          l.includes('maintenance enqueued') &&
          l.includes(String(created.json.commandId)) &&
          l.includes('"source":"rootly"'),
      ),
    ).toBe(true);
    await eventually(async () => ((await declared()).some((d) => d.id === id) ? true : undefined), 10_000, 'recorded');
    await pause(2_500);
    expect(await ruleOf(id)).toBeUndefined(); // scheduled for in 30 min: nothing yet

    // Rootly puts it in progress early: the bypass starts now, first in order.
    await deliver(scheduled({ id, type: 'incident.scheduled.in_progress', issuedAt: iso(0), ...times }));
    const rule = await eventually(async () => ((await ruleOf(id))?.ruleOrder === '1' ? ruleOf(id) : undefined), 15_000);
    expect(rule).toMatchObject({ action: 'BYPASS' });
    expect(rule!.description).toContain(`by=window:rootly:${id}`);
    expect(rule!.description).toContain(`reason=Rootly scheduled incident ${id}: Payroll database patching`);
    // The unmapped service (the widget) is named in the log, never guessed into a segment.
    expect(
      lines.some((l) => l.includes('names components with no segment mapping') && l.includes('Status Widget')),
    ).toBe(true);
    // Never an incident: no ledger record, so no deep trace.
    const incident = await stack.dynamo.client.send(
      new GetItemCommand({ TableName: stack.dynamo.tableNames.IncidentLedger, Key: { key: { S: `rootly#${id}` } } }),
    );
    expect(incident.Item).toBeUndefined();

    const done = await deliver(scheduled({ id, type: 'incident.scheduled.completed', issuedAt: iso(1000), ...times }));
    expect(done.status).toBe(202);
    await eventually(async () => ((await ruleOf(id)) ? undefined : true), 15_000, 'rule removed');
    expect(audits('zpa.bypass.delete-rule')).toContainEqual(
      expect.objectContaining({ result: 'success', trigger: expect.objectContaining({ id: done.json.commandId }) }),
    );
    expect((await declared()).find((d) => d.id === id)).toMatchObject({ status: 'completed' });
  }, 45_000);

  it('the same event twice acts once; a reordered older update changes nothing; deleted restores', async () => {
    const id = '22222222-0000-4000-8000-000000000002';
    const times = { scheduledFor: iso(-1000), scheduledUntil: iso(3_600_000) };
    const body = scheduled({ id, type: 'incident.scheduled.in_progress', issuedAt: iso(-500), ...times });
    // Rootly retries a delivery with the same body and a fresh signature.
    const a = await deliver(body);
    const b = await deliver(body, { t: nowSec() + 1 });
    expect(a.status).toBe(202);
    expect(b.json.commandId).toBe(a.json.commandId);
    await eventually(async () => ((await ruleOf(id))?.ruleOrder === '1' ? true : undefined), 15_000, 'rule first');
    // A redelivery after SQS's 5-minute dedupe window: the recorded event time makes it a no-op.
    await stack.invoke('reconciler', {
      Records: [
        {
          messageId: 'redelivered-rootly',
          body: JSON.stringify({
            id: 'redelivered-rootly-later',
            type: 'maintenance.declare',
            maintenance: (({ commandId: _c, recordedAt: _r, startedAt: _s, ...m }) => m)(
              (await declared()).find((d) => d.id === id)!,
            ),
            requestedBy: { kind: 'window', id: `rootly:${id}` },
          }),
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
          messageAttributes: {},
          eventSource: 'aws:sqs',
        },
      ],
    });
    await pause(2_500);
    expect(audits('maintenance.declare').filter((x) => x.target.windowId === `rootly:${id}`)).toHaveLength(1);
    expect(audits('zpa.bypass.create-rule').filter((x) => JSON.stringify(x).includes(id))).toHaveLength(1);

    // A reordered delivery: an update issued before the in_progress arrives after it.
    const older = await deliver(
      scheduled({ id, type: 'incident.scheduled.updated', status: 'scheduled', issuedAt: iso(-600_000), ...times }),
    );
    expect(older.status).toBe(202);
    await stack.receiver.waitFor(
      (r) => JSON.stringify(r.body).includes('an older update') && JSON.stringify(r.body).includes(id),
      15_000,
    );
    await pause(2_500);
    expect(await ruleOf(id)).toMatchObject({ action: 'BYPASS', ruleOrder: '1' });
    expect((await declared()).find((d) => d.id === id)).toMatchObject({ status: 'in_progress' });

    // Deleted in Rootly: the maintenance is over.
    await deliver(scheduled({ id, type: 'incident.scheduled.deleted', issuedAt: iso(0), ...times }));
    await eventually(async () => ((await ruleOf(id)) ? undefined : true), 15_000, 'rule removed');
    expect((await declared()).find((d) => d.id === id)).toMatchObject({ status: 'cancelled' });
  }, 60_000);

  it('bypassType mode: the segments of a service and a functionality (by name) are bypassed and restored exactly', async () => {
    writeFileSync(windowsFile, JSON.stringify(windowsConfig('bypassType')));
    const before = { payroll: await segment('payroll-app'), hr: await segment('hr-portal') };
    const id = '33333333-0000-4000-8000-000000000003';
    const times = { scheduledFor: iso(-1000), scheduledUntil: iso(3_600_000) };
    await deliver(scheduled({ id, type: 'incident.scheduled.in_progress', issuedAt: iso(-500), ...times }));
    await eventually(
      async () =>
        (await segment('payroll-app')).bypassType === 'ALWAYS' && (await segment('hr-portal')).bypassType === 'ALWAYS'
          ? true
          : undefined,
      15_000,
      'both segments bypassed',
    );
    // The marker ZPA keeps in the segment's description names the source (seen in the write's audit record).
    expect(lines.some((l) => l.includes('"type":"audit"') && l.includes(`[zea-bypass window=rootly:${id} `))).toBe(
      true,
    );
    await deliver(scheduled({ id, type: 'incident.scheduled.completed', issuedAt: iso(0), ...times }));
    await eventually(
      async () =>
        (await segment('payroll-app')).bypassType === before.payroll.bypassType &&
        (await segment('hr-portal')).bypassType === before.hr.bypassType
          ? true
          : undefined,
      15_000,
      'both segments restored',
    );
    expect(await segment('payroll-app')).toEqual(before.payroll);
    expect(await segment('hr-portal')).toEqual(before.hr);
    writeFileSync(windowsFile, JSON.stringify(windowsConfig()));
  }, 45_000);

  it('a scheduled incident naming nothing mapped bypasses nothing and is reported as refused', async () => {
    const id = '44444444-0000-4000-8000-000000000004';
    const body = JSON.parse(
      scheduled({
        id,
        type: 'incident.scheduled.in_progress',
        issuedAt: iso(0),
        scheduledFor: iso(-1000),
        scheduledUntil: iso(3_600_000),
        services: false,
      }),
    ) as Record<string, any>;
    body.data.functionalities = [];
    await deliver(JSON.stringify(body));
    const report = await stack.receiver.waitFor(
      (r) => (r.body as { kind?: string }).kind === 'reconcile.problems' && JSON.stringify(r.body).includes(id),
      15_000,
    );
    expect((report.body as { text: string }).text).toContain(
      `window rootly:${id} refused: none of its services or functionalities (none) is mapped`,
    );
    expect(await ruleOf(id)).toBeUndefined();
  }, 30_000);

  it('an ordinary Rootly incident still takes the incident path', async () => {
    const b = JSON.parse(readFixture('rootly-created.json')) as Record<string, any>;
    b.event.issued_at = iso(0);
    b.data.id = '55555555-0000-4000-8000-000000000005';
    const r = await deliver(JSON.stringify(b));
    expect(r).toMatchObject({ status: 202, json: { status: 'accepted', command: 'trace.start' } });
    expect(lines.some((l) => l.includes('maintenance enqueued') && l.includes(b.data.id))).toBe(false);
  }, 15_000);
});
