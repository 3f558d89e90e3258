/**
 * The incident reports around real sinks and the vendor stand-ins over loopback: which outcomes are written
 * into the incident, exactly once per outcome and sink across retried steps, a transient failure retried within
 * its bound and then given up (logged, ReportsFailed), a refusal given up at once, the metrics by sink, and the
 * reporter's order (the incident first, so a retried step never posts the callback twice).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_INCIDENT_CHANNEL, LOCAL_REPORTS_SECRET as S } from '../../../local/vendors/credentials.js';
import { startReceiver } from '../../../local/receiver.js';
import { startVendorApis, type VendorApis } from '../../../local/vendors/server.js';
import {
  eventKeys,
  GIVE_UP_AFTER_MS,
  incidentReports,
  MAX_ATTEMPTS,
} from '../../../shared/reporting/incidentReports.js';
import { opsgenieNoteSink } from '../../../shared/reporting/opsgenieNote.js';
import { pagerDutyNoteSink } from '../../../shared/reporting/pagerdutyNote.js';
import { createReporter } from '../../../shared/reporting/reporter.js';
import { parseIncidentRoutes } from '../../../shared/reporting/routes.js';
import { slackChannelSink } from '../../../shared/reporting/slackChannel.js';
import { capturingLogger, completed, incident, memoryDeliveries, secretOf, started } from './helpers.js';

let v: VendorApis;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  v = await startVendorApis();
  receiver = await startReceiver();
});
afterAll(async () => {
  await v.close();
  await receiver.close();
});

let seq = 0;
let PD: ReturnType<typeof incident>;
beforeEach(() => {
  PD = incident('pagerduty', `QINC${++seq}`);
});
const notesOf = (id: string) => v.pagerduty.notes.filter((n) => n.incidentId === id);

function setup(
  routes = 'pagerduty=note+slack,opsgenie=note,*=none',
  opts: { now?: () => number; round?: number } = {},
) {
  const d = memoryDeliveries(opts.now);
  const log = capturingLogger();
  const secret = secretOf();
  const reports = incidentReports({
    routes: parseIncidentRoutes(routes),
    sinks: {
      'pagerduty-note': pagerDutyNoteSink({ baseUrl: v.urls.pagerduty, secret }),
      'opsgenie-note': opsgenieNoteSink({ baseUrl: v.urls.opsgenie, secret }),
      'slack-channel': slackChannelSink({
        baseUrl: v.urls.slack,
        channel: LOCAL_INCIDENT_CHANNEL,
        secret,
        threads: d.store,
      }),
    },
    deliveries: d.store,
    logger: log.logger,
    roundOf: async () => opts.round,
    now: opts.now,
  });
  return { reports, d, log };
}

describe('which outcomes reach the incident', () => {
  it('the outcomes a responder acts on go to the source’s sinks; dry runs and unrouted sources do not', async () => {
    const { reports, log } = setup('pagerduty=note,*=none');
    await reports.deliver(started(PD, ['1']));
    await reports.deliver({
      kind: 'trace.queued',
      ok: true,
      text: 'queued: 2 ahead',
      data: { incident: PD, ahead: 2 },
    });
    await reports.deliver({ kind: 'trace.dry-run', ok: true, text: 'Dry run: …', data: { incident: PD } });
    await reports.deliver(started(incident('datadog', '99'), ['2']));
    await reports.deliver({ kind: 'trace.started', ok: true, text: 'no incident in data' });
    expect(notesOf(PD.incidentId).map((n) => n.content.split('\n')[1])).toEqual([
      `Deep trace for ${PD.incidentId} — laptop: started (trace 1)`,
      'queued: 2 ahead',
    ]);
    expect(log.metrics('ReportsSent').filter((m) => m.sink === 'pagerduty-note')).toHaveLength(2);
  });
});

describe('exactly once per outcome and sink', () => {
  it('a retried step that reports the same outcome again writes no second note', async () => {
    const { reports } = setup('pagerduty=note');
    await reports.deliver(completed(PD, '7'));
    await reports.deliver(completed(PD, '7'));
    expect(notesOf(PD.incidentId)).toHaveLength(1);
  });

  it('"started" for two devices, retried one device at a time, is not written again', async () => {
    const { reports } = setup('pagerduty=note');
    await reports.deliver(started(PD, ['11', '12']));
    await reports.deliver(started(PD, ['11']));
    await reports.deliver(started(PD, ['12']));
    expect(notesOf(PD.incidentId)).toHaveLength(1);
    await reports.deliver(started(PD, ['13']));
    expect(notesOf(PD.incidentId)).toHaveLength(2);
  });

  it('outcomes without a trace are told once per round: a reopened incident is told again', async () => {
    const queued = { kind: 'trace.queued', ok: true, text: 'queued', data: { incident: PD, ahead: 0 } };
    await setup('pagerduty=note', { round: 1 }).reports.deliver(queued);
    const first = setup('pagerduty=note', { round: 1 });
    await first.reports.deliver(queued);
    await first.reports.deliver(queued);
    await first.reports.deliver({ ...queued, data: { incident: PD, ahead: 3 } });
    expect(notesOf(PD.incidentId)).toHaveLength(2); // two stores: the first setup's note, the second's
    const second = setup('pagerduty=note', { round: 2 });
    await second.reports.deliver(queued);
    expect(eventKeys(queued, 2)).toEqual(['trace.queued:r2:incident']);
    expect(notesOf(PD.incidentId)).toHaveLength(3);
  });

  it('one sink failing: the step is retried, the other sink is not written twice', async () => {
    const { reports, log } = setup('pagerduty=note+slack');
    v.failNext('slack', 1, 503);
    await expect(reports.deliver(started(PD, ['21']))).rejects.toMatchObject({
      code: 'report_failed',
      retryable: true,
    });
    expect(notesOf(PD.incidentId)).toHaveLength(1);
    const slackBefore = v.slack.messages.length;
    await reports.deliver(started(PD, ['21']));
    expect(notesOf(PD.incidentId)).toHaveLength(1);
    expect(v.slack.messages.slice(slackBefore)).toHaveLength(1);
    expect(log.at('warn').map((l) => l.msg)).toContain('incident report failed; the next run tries again');
    expect(log.metrics('ReportsFailed')).toEqual([]);
  });
});

describe('bounded retries', () => {
  it(`a tool down for ${MAX_ATTEMPTS} attempts: given up on the last, logged at error, ReportsFailed; never again`, async () => {
    const { reports, log, d } = setup('pagerduty=note');
    v.failNext('pagerduty', MAX_ATTEMPTS, 502);
    for (let i = 1; i < MAX_ATTEMPTS; i++)
      await expect(reports.deliver(completed(PD, '31'))).rejects.toThrow(/answered 502/);
    await reports.deliver(completed(PD, '31')); // the last attempt gives up: no throw, the incident goes on
    expect([...d.marks.values()]).toEqual([expect.objectContaining({ state: 'abandoned', attempts: MAX_ATTEMPTS })]);
    expect(log.metrics('ReportsFailed')).toEqual([{ value: 1, sink: 'pagerduty-note' }]);
    const error = log.at('error').find((l) => l.msg === 'incident report given up; it is not retried');
    expect(error).toMatchObject({ sink: 'pagerduty-note', kind: 'trace.completed', attempts: MAX_ATTEMPTS });
    const before = v.recorded.length;
    await reports.deliver(completed(PD, '31'));
    expect(v.recorded).toHaveLength(before);
    expect(notesOf(PD.incidentId)).toHaveLength(0);
  });

  it(`…or ${GIVE_UP_AFTER_MS / 60_000} minutes after its first failure, whichever comes first`, async () => {
    let now = 5_000_000;
    const { reports, d } = setup('pagerduty=note', { now: () => now });
    v.failNext('pagerduty', 2, 503);
    await expect(reports.deliver(completed(PD, '32'))).rejects.toThrow();
    now += GIVE_UP_AFTER_MS;
    await reports.deliver(completed(PD, '32'));
    expect([...d.marks.values()][0]).toMatchObject({ state: 'abandoned', attempts: 2 });
  });

  it('a refusal (4xx) is given up at once, logged at warn with the vendor’s error; a refused credential at error', async () => {
    const { reports, log } = setup('pagerduty=note');
    await reports.deliver(started(incident('pagerduty', 'bad-id'), ['41']));
    expect(log.at('warn').find((l) => l.msg === 'incident report given up; it is not retried')).toMatchObject({
      sink: 'pagerduty-note',
      error: { message: 'pagerduty-note: the tool refused the report (404): Not Found' },
    });
    const wrongKey = incidentReports({
      routes: parseIncidentRoutes('opsgenie=note'),
      sinks: {
        'opsgenie-note': opsgenieNoteSink({
          baseUrl: v.urls.opsgenie,
          secret: secretOf({ ...S, opsgenie: { apiKey: 'a-wrong-genie-key' } }),
        }),
      },
      deliveries: memoryDeliveries().store,
      logger: log.logger,
    });
    await wrongKey.deliver(started(incident('opsgenie', 'alert-1'), ['42']));
    const refused = log.at('error').find((l) => l.sink === 'opsgenie-note');
    expect(refused?.error.message).toContain('(401): Could not authenticate');
    expect(JSON.stringify(log.lines)).not.toContain('a-wrong-genie-key');
    expect(log.metrics('ReportsFailed').filter((m) => m.sink)).toHaveLength(2);
  });
});

describe('the reporter', () => {
  it('writes into the incident before the callback: a failing sink holds the callback back until its retry', async () => {
    const { reports } = setup('pagerduty=note');
    const log = capturingLogger();
    const reporter = createReporter({
      callbackUrl: `${receiver.url}/cb-${PD.incidentId}`,
      logger: log.logger,
      incident: reports,
    });
    const atCallback = () => receiver.received.filter((r) => r.path === `/cb-${PD.incidentId}`).length;
    v.failNext('pagerduty', 1, 500);
    await expect(reporter.report(completed(PD, '51'))).rejects.toMatchObject({ retryable: true });
    expect(atCallback()).toBe(0);
    await reporter.report(completed(PD, '51'));
    expect(atCallback()).toBe(1);
    expect(notesOf(PD.incidentId)).toHaveLength(1);
    expect(JSON.stringify(log.lines)).not.toContain(S.pagerduty.apiToken);
  });
});
