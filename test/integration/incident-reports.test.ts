/**
 * Reports back where the incident lives, end to end over loopback: a vendor-shaped, authenticated delivery →
 * the real incident-webhook handler behind the local HTTP API → local SQS → the real trace-reconciler handler
 * (dynalite ledger, the ZDX simulator over HTTP) → the vendor's own API stand-in (local/vendors), reached with the
 * local reports secret from the local Secrets Manager:
 *
 * - PagerDuty: an incident note when the trace starts, and the summary when it completes; a user with no device
 *   gets the failure as a note;
 * - ServiceNow: a work note on the incident (by sys_id) when it starts, and when the resolve stops it;
 * - Opsgenie: alert notes for the start (both users' devices in one note) and each stop;
 * - Slack (Datadog is routed to the incident channel): one thread, opened once across the open delivered twice,
 *   a redelivered queue message and several reconciler runs; the stop replies in it, once, after Slack failed once;
 *   a finished trace's report replies with Block Kit blocks whose first section, in bold, is the diagnosis.
 *
 * Every note is asserted exactly: nothing is written twice, whatever was delivered or retried twice.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRETS } from '../../local/fakeSecrets.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { LOCAL_INCIDENT_CHANNEL, LOCAL_REPORTS_SECRET } from '../../local/vendors/credentials.js';
import { signServiceNowPayload } from '../../shared/incidents/servicenow.js';
import { eventually, pagerDutyDelivery } from '../helpers/webhooks.js';
import { readFixture } from '../unit/incidents/helpers.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    handlerSource: 'src',
    // A 5-minute trace lasts 15 s here: long enough to be stopped by a resolve, short enough to see one complete.
    simulator: { timeScale: 20 },
    env: { TRACE_CHECK_DELAY_SECONDS: '1', LOG_LEVEL: 'warn' },
    retryDelaySeconds: 1,
  });
}, 30_000);
afterAll(() => stack?.stop());

const HEADING = 'ZDX deep trace (Zscaler automation)';
const S = LOCAL_WEBHOOK_SECRETS;
const json = (name: string) => JSON.parse(readFixture(name)) as Record<string, any>;
const post = async (source: string, body: string, headers: Record<string, string>) => {
  const r = await fetch(`${stack.gatewayUrl}/webhooks/${source}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};
const body = (n: { content: string } | { text: string } | { note: string }) =>
  ('content' in n ? n.content : 'text' in n ? n.text : n.note).replace(`${HEADING}\n`, '');
const waitFor = <T>(what: string, check: () => T | undefined, ms = 30_000) => eventually(check, ms, what);

describe('reports back into the incident', () => {
  it('PagerDuty: a note when the trace starts and the summary when it completes, each once', async () => {
    const id = 'QREPORT1';
    const open = pagerDutyDelivery({ kind: 'triggered', incidentId: id, email: 'bob@corp.example' });
    expect((await post('pagerduty', open.body, open.headers)).status).toBe(202);
    expect((await post('pagerduty', open.body, open.headers)).status).toBe(202); // redelivered by PagerDuty
    const notes = () => stack.vendors.pagerduty.notes.filter((n) => n.incidentId === id);
    await waitFor('the completed note', () => (notes().length >= 2 ? true : undefined), 40_000);
    const [startedNote, completedNote, ...more] = notes();
    expect(more).toEqual([]);
    expect(startedNote!.from).toBe(LOCAL_REPORTS_SECRET.pagerduty.fromEmail);
    expect(body(startedNote!)).toMatch(/^Deep trace for QREPORT1 — .+: started \(trace \d+\)$/);
    expect(startedNote!.content.startsWith(`${HEADING}\n`)).toBe(true);
    // The summary (its wording is the trace side's): about Bob's laptop, and not the start again.
    expect(body(completedNote!)).toContain('BOB-MBP-14');
    expect(body(completedNote!)).not.toMatch(/started \(trace/);
    // What the stand-in was sent: PagerDuty's headers, once per note.
    const sent = stack.vendors.recorded.filter((r) => r.vendor === 'pagerduty' && r.path === `/incidents/${id}/notes`);
    expect(sent.map((r) => r.answer.status)).toEqual([201, 201]);
    expect(sent[0]!.headers).toMatchObject({
      accept: 'application/vnd.pagerduty+json;version=2',
      authorization: `Token token=${LOCAL_REPORTS_SECRET.pagerduty.apiToken}`,
    });
  }, 60_000);

  it('PagerDuty: a user with no ZDX device gets the failure as a note, once', async () => {
    const id = 'QREPORT2';
    const open = pagerDutyDelivery({ kind: 'triggered', incidentId: id, email: 'dave@corp.example' });
    await post('pagerduty', open.body, open.headers);
    const notes = () => stack.vendors.pagerduty.notes.filter((n) => n.incidentId === id);
    await waitFor('the failure note', () => (notes().length ? true : undefined));
    await new Promise((r) => setTimeout(r, 2_000)); // more runs: still one note
    expect(notes().map(body)).toEqual([
      'Could not start a deep trace for dave@corp.example: no ZDX device active in the last 24 h for dave@corp.example',
    ]);
  }, 30_000);

  it('ServiceNow: a work note by sys_id when the trace starts, and one when the resolve stops it', async () => {
    const sign = (b: string) => {
      const ts = Math.floor(Date.now() / 1000);
      return {
        'x-servicenow-signature': signServiceNowPayload(b, S.servicenow.hmacSecrets[0]!, ts),
        'x-servicenow-timestamp': String(ts),
      };
    };
    const at = () => new Date().toISOString().slice(0, 19).replace('T', ' ');
    const insert = JSON.stringify({ ...json('servicenow-insert.json'), sys_updated_on: at() });
    const sysId = '9d385017c611228701d22104cc95c371';
    expect((await post('servicenow', insert, sign(insert))).status).toBe(202);
    const notes = () => stack.vendors.servicenow.workNotes.filter((n) => n.sysId === sysId);
    await waitFor('the started work note', () => (notes().length ? true : undefined));
    const resolved = JSON.stringify({ ...json('servicenow-resolved.json'), sys_updated_on: at() });
    expect((await post('servicenow', resolved, sign(resolved))).status).toBe(202);
    await waitFor('the stopped work note', () => (notes().length >= 2 ? true : undefined));
    expect(notes().map(body)).toEqual([
      expect.stringMatching(/^Deep trace for 9d385017c611228701d22104cc95c371 — ALICE-LT-7420: started \(trace \d+\)$/),
      expect.stringMatching(
        /^Deep trace on ALICE-LT-7420 stopped: the incident 9d385017c611228701d22104cc95c371 was resolved\.$/,
      ),
    ]);
  }, 60_000);

  it('Opsgenie: an alert note for the start (every device of both users) and one per stop', async () => {
    const withTimes = (name: string) => {
      const b = json(name);
      b.alert.createdAt = Date.now();
      b.alert.updatedAt = Date.now() * 1e6;
      return JSON.stringify(b);
    };
    const token = { 'x-webhook-token': S.opsgenie[0]! };
    const alertId = '70413a06-38d6-4c85-92b8-5ebc900d42e2-1764777546138';
    expect((await post('opsgenie', withTimes('opsgenie-create.json'), token)).status).toBe(202);
    const notes = () => stack.vendors.opsgenie.notes.filter((n) => n.alertId === alertId);
    await waitFor('the started note', () => (notes().length ? true : undefined));
    expect((await post('opsgenie', withTimes('opsgenie-close.json'), token)).status).toBe(202);
    // Alice has one device and Carol two: one "started" naming all three, then three stops.
    await waitFor('three stopped notes', () => (notes().length >= 4 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_500));
    const texts = notes().map(body);
    expect(texts).toHaveLength(4);
    expect(texts[0]).toMatch(/^Deep trace for 70413a06-.+ — (.+: started \(trace \d+\)(; )?){3}$/);
    expect(texts.slice(1).every((t) => /^Deep trace on .+ stopped: the incident 70413a06-/.test(t))).toBe(true);
    expect(new Set(texts).size).toBe(4);
    expect(notes().every((n) => n.user === 'Zscaler automation' && n.source === 'zscaler-automation')).toBe(true);
  }, 60_000);

  it('Slack: one thread per incident, opened once across a twice-delivered open, a redelivered queue message and several runs; the stop replies once after Slack failed once', async () => {
    const token = { 'x-webhook-token': S.datadog[0]! };
    const incidentId = '7832917645312098001';
    const open = JSON.stringify({ ...json('datadog-triggered.json'), date: String(Date.now()) });
    const first = await post('datadog', open, token);
    expect((await post('datadog', open, token)).json.commandId).toBe(first.json.commandId);
    const mine = () => stack.vendors.slack.messages.filter((m) => m.text.includes(incidentId));
    await waitFor('the thread', () => (mine().length ? true : undefined));
    const [parent] = mine();
    expect(parent).toMatchObject({ channel: LOCAL_INCIDENT_CHANNEL });
    expect(parent!.thread_ts).toBeUndefined();
    expect(parent!.text).toMatch(
      /^\*ZDX deep trace \(Zscaler automation\)\* — <https:\/\/app\.datadoghq\.com\/event\/event\?id=7832917645312098765\|.+> \(datadog 7832917645312098001\)\nDeep trace for 7832917645312098001 — ALICE-LT-7420: started \(trace \d+\)$/,
    );

    // SQS delivers the open again (a lost acknowledgement): the trace reconciler runs on it and changes nothing.
    const redelivered = await stack.invoke('trace-reconciler', {
      Records: [
        {
          messageId: randomUUID(),
          body: JSON.stringify({
            id: first.json.commandId,
            type: 'trace.start',
            incident: { source: 'datadog', incidentId },
            userEmails: ['alice@corp.example'],
            requestedBy: { kind: 'incident', id: `datadog:${incidentId}` },
          }),
          attributes: { ApproximateReceiveCount: '2' },
        },
      ],
    });
    expect(redelivered).toEqual({ batchItemFailures: [] });

    // Slack is down for the stop's first attempt: the step is retried on a later run and replies once.
    const failedBefore = stack.vendors.recorded.filter((r) => r.vendor === 'slack' && r.answer.status === 503).length;
    stack.vendors.failNext('slack', 1, 503);
    const recovered = JSON.stringify({ ...json('datadog-recovered.json'), date: String(Date.now()) });
    expect((await post('datadog', recovered, token)).json).toMatchObject({ command: 'trace.stop' });
    const replies = () => stack.vendors.slack.messages.filter((m) => m.thread_ts === parent!.ts);
    await waitFor('the stop in the thread', () =>
      replies().some((m) => m.text.includes('stopped')) ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 2_000)); // further runs add nothing
    expect(stack.vendors.recorded.filter((r) => r.vendor === 'slack' && r.answer.status === 503)).toHaveLength(
      failedBefore + 1,
    );
    expect(mine().filter((m) => !m.thread_ts)).toHaveLength(1);
    expect(replies().map((m) => m.text)).toEqual([
      expect.stringMatching(/^Deep trace on ALICE-LT-7420 stopped: the incident 7832917645312098001 was resolved\.$/),
    ]);
  }, 60_000);

  it('Slack: a finished trace replies in the thread with blocks, the diagnosis first and in bold', async () => {
    const token = { 'x-webhook-token': S.datadog[0]! };
    const incidentId = '7832917645312098002';
    // Judy's laptop has a slow server phase planted in the simulator's seed: the diagnosis names it.
    const open = JSON.stringify({
      ...json('datadog-triggered.json'),
      id: '7832917645312098766',
      cycle_key: incidentId,
      tags: 'env:prod,service:payroll-portal,user:judy@corp.example',
      date: String(Date.now()),
    });
    expect((await post('datadog', open, token)).status).toBe(202);
    const parent = await waitFor('the thread', () =>
      stack.vendors.slack.messages.find((m) => !m.thread_ts && m.text.includes(incidentId)),
    );
    const report = await waitFor(
      'the finished trace in the thread',
      () =>
        stack.vendors.slack.messages.find(
          (m) => m.thread_ts === parent.ts && m.text.startsWith('Deep trace on JUDY-MBP-A26 finished: '),
        ),
      40_000,
    );
    const firstLine = report.text.split('\n')[0]!;
    expect(firstLine).toContain('web probe slowest phase: server time');
    // The stand-in accepted the blocks (it refuses what Slack would); the first one is the diagnosis, in bold.
    expect(report.blocks?.[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `*${firstLine}*` } });
    expect(report.blocks!.length).toBeGreaterThan(2);
  }, 60_000);
});
