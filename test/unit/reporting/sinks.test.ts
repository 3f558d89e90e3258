/**
 * Each incident sink against its vendor's stand-in over loopback HTTP (local/vendors): the request shape and
 * authentication the real API takes, truncation at the vendor's limit, a 4xx refused without retry (typed,
 * not retryable, the vendor's error kept), a 5xx/429 or a dead port retryable, and no credential in any error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_INCIDENT_CHANNEL, LOCAL_REPORTS_SECRET as S } from '../../../local/vendors/credentials.js';
import { startVendorApis, type VendorApis } from '../../../local/vendors/server.js';
import { AppError, ConfigError } from '../../../shared/errors.js';
import { opsgenieNoteSink, OPSGENIE_NOTE_MAX_CHARS } from '../../../shared/reporting/opsgenieNote.js';
import { pagerDutyNoteSink, PAGERDUTY_NOTE_MAX_CHARS } from '../../../shared/reporting/pagerdutyNote.js';
import {
  serviceNowWorkNoteSink,
  SERVICENOW_WORK_NOTE_MAX_CHARS,
} from '../../../shared/reporting/servicenowWorkNote.js';
import { slackChannelSink, SLACK_TEXT_MAX_CHARS } from '../../../shared/reporting/slackChannel.js';
import { ReportRefusedError } from '../../../shared/reporting/vendorHttp.js';
import { completed, incident, memoryDeliveries, secretOf, started } from './helpers.js';

let v: VendorApis;
beforeAll(async () => {
  v = await startVendorApis();
});
afterAll(() => v.close());

const PD = incident('pagerduty', 'Q1ABC2DEF3');
const SN = incident('servicenow', '9d385017c611228701d22104cc95c371');
const OG = incident('opsgenie', '70413a06-38d6-4c85-92b8-5ebc900d42e2-1764777546138');
const DD = incident('datadog', '7832917645312098001', {
  title: 'CPU high on <payroll> & co',
  link: 'https://app.datadoghq.com/monitors/1',
});

/** The error `p` rejects with (fails the test when it resolves). */
const failure = async (p: Promise<unknown>): Promise<AppError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
};
const secretValues = [S.pagerduty.apiToken, S.servicenow.password, S.opsgenie.apiKey, S.slack.botToken];
const expectNoSecret = (e: unknown) => {
  const text = `${(e as Error).message} ${JSON.stringify((e as AppError).details ?? {})}`;
  for (const s of secretValues) expect(text).not.toContain(s);
};

describe('PagerDuty incident note', () => {
  const sink = (over: Partial<Parameters<typeof pagerDutyNoteSink>[0]> = {}) =>
    pagerDutyNoteSink({ baseUrl: v.urls.pagerduty, secret: secretOf(), ...over });

  it('posts { note: { content } } with the token, the v2 Accept header and From', async () => {
    await sink().deliver(PD, started(PD, ['9001']));
    const req = v.recorded.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', path: `/incidents/${PD.incidentId}/notes`, answer: { status: 201 } });
    expect(req.headers).toMatchObject({
      authorization: `Token token=${S.pagerduty.apiToken}`,
      accept: 'application/vnd.pagerduty+json;version=2',
      from: S.pagerduty.fromEmail,
      'content-type': 'application/json',
    });
    expect(v.pagerduty.notes.at(-1)).toEqual({
      incidentId: PD.incidentId,
      from: S.pagerduty.fromEmail,
      content: `ZDX deep trace (Zscaler automation)\nDeep trace for ${PD.incidentId} — laptop: started (trace 9001)`,
    });
  });

  it('cuts a note at 25,000 characters and says so (the stand-in refuses more, as PagerDuty does)', async () => {
    await sink().deliver(PD, completed(PD, '9002', 'x'.repeat(40_000)));
    const content = v.pagerduty.notes.at(-1)!.content;
    expect(content).toHaveLength(PAGERDUTY_NOTE_MAX_CHARS);
    expect(content).toMatch(/… \(cut: \d+ more characters; the full outcome is in the trace reconciler's log\)$/);
  });

  it('a wrong token is refused (401): not retryable, the vendor error kept, the token never in the error', async () => {
    const e = await failure(
      sink({ secret: secretOf({ ...S, pagerduty: { ...S.pagerduty, apiToken: 'a-wrong-pagerduty-token' } }) }).deliver(
        PD,
        started(PD, ['9003']),
      ),
    );
    expect(e).toBeInstanceOf(ReportRefusedError);
    expect(e).toMatchObject({ retryable: false, status: 401, vendorError: 'Unauthorized' });
    expect(e.message).not.toContain('a-wrong-pagerduty-token');
  });

  it('an incident id PagerDuty does not know is refused (404), not retried', async () => {
    const e = await failure(sink().deliver(incident('pagerduty', 'not-an-id'), started(PD, ['9004'])));
    expect(e).toMatchObject({ retryable: false, status: 404 });
  });

  it.each([503, 429])('a %i is retryable', async (status) => {
    v.failNext('pagerduty', 1, status);
    const e = await failure(sink().deliver(PD, started(PD, ['9005'])));
    expect(e).toMatchObject({ code: 'report_failed', retryable: true });
    expect(e.message).toContain(`answered ${status}`);
    expectNoSecret(e);
  });

  it('an API that does not answer is retryable after the bounded timeout', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {}); // accepts and never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const t0 = Date.now();
    const e = await failure(
      sink({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 }).deliver(PD, started(PD, ['9006'])),
    );
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(e).toMatchObject({ retryable: true });
    expect(e.message).toContain('no answer within 300 ms');
    silent.close();
  });

  it('a secret without a pagerduty section fails as configuration (not retried), naming the section', async () => {
    const { pagerduty: _, ...rest } = S;
    const e = await failure(sink({ secret: secretOf(rest) }).deliver(PD, started(PD, ['9007'])));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe('reports secret: no "pagerduty" section configured');
  });
});

describe('ServiceNow work note', () => {
  const sink = (over: Partial<Parameters<typeof serviceNowWorkNoteSink>[0]> = {}) =>
    serviceNowWorkNoteSink({ instanceUrl: v.urls.servicenow, secret: secretOf(), ...over });

  it('PATCHes the incident by sys_id with { work_notes } and basic auth', async () => {
    await sink().deliver(SN, completed(SN, '77', 'Summary: the Wi-Fi leg loses 12 %'));
    const req = v.recorded.at(-1)!;
    expect(req).toMatchObject({
      method: 'PATCH',
      path: `/api/now/table/incident/${SN.incidentId}`,
      answer: { status: 200 },
    });
    expect(req.query.get('sysparm_fields')).toBe('sys_id');
    expect(req.headers.authorization).toBe(
      `Basic ${Buffer.from(`${S.servicenow.username}:${S.servicenow.password}`).toString('base64')}`,
    );
    expect(v.servicenow.workNotes.at(-1)).toEqual({
      sysId: SN.incidentId,
      text: 'ZDX deep trace (Zscaler automation)\nSummary: the Wi-Fi leg loses 12 %',
    });
  });

  it('cuts a journal entry at 4,000 characters', async () => {
    await sink().deliver(SN, completed(SN, '78', 'é'.repeat(9_000)));
    expect(v.servicenow.workNotes.at(-1)!.text).toHaveLength(SERVICENOW_WORK_NOTE_MAX_CHARS);
  });

  it('sends an OAuth bearer token when the section holds one (the stand-in takes only basic: refused, 401)', async () => {
    const e = await failure(
      sink({ secret: secretOf({ ...S, servicenow: { bearerToken: 'local-fake-servicenow-oauth-token' } }) }).deliver(
        SN,
        completed(SN, '79'),
      ),
    );
    expect(v.recorded.at(-1)!.headers.authorization).toBe('Bearer local-fake-servicenow-oauth-token');
    expect(e).toMatchObject({
      retryable: false,
      status: 401,
      vendorError: 'User Not Authenticated: Required to provide Auth information',
    });
    expect(e.message).not.toContain('local-fake-servicenow-oauth-token');
  });

  it('no instance configured: a ConfigError, nothing sent', async () => {
    const before = v.recorded.length;
    const e = await failure(sink({ instanceUrl: undefined }).deliver(SN, completed(SN, '80')));
    expect(e).toBeInstanceOf(ConfigError);
    expect(v.recorded).toHaveLength(before);
  });

  it('a 500 from the instance is retryable', async () => {
    v.failNext('servicenow', 1, 500);
    expect(await failure(sink().deliver(SN, completed(SN, '81')))).toMatchObject({ retryable: true });
  });
});

describe('Opsgenie alert note', () => {
  const sink = (over: Partial<Parameters<typeof opsgenieNoteSink>[0]> = {}) =>
    opsgenieNoteSink({ baseUrl: v.urls.opsgenie, secret: secretOf(), ...over });

  it('posts { note, user, source } with GenieKey to the alert by id; 202 is success', async () => {
    await sink().deliver(OG, started(OG, ['55']));
    const req = v.recorded.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', path: `/v2/alerts/${OG.incidentId}/notes`, answer: { status: 202 } });
    expect(req.query.get('identifierType')).toBe('id');
    expect(req.headers.authorization).toBe(`GenieKey ${S.opsgenie.apiKey}`);
    expect(v.opsgenie.notes.at(-1)).toEqual({
      alertId: OG.incidentId,
      note: `ZDX deep trace (Zscaler automation)\nDeep trace for ${OG.incidentId} — laptop: started (trace 55)`,
      user: 'Zscaler automation',
      source: 'zscaler-automation',
    });
  });

  it('cuts a note at 25,000 characters', async () => {
    await sink().deliver(OG, completed(OG, '56', '🙂'.repeat(20_000)));
    const note = v.opsgenie.notes.at(-1)!.note;
    expect(note.length).toBeLessThanOrEqual(OPSGENIE_NOTE_MAX_CHARS);
    expect(note).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // never half a character
  });

  it('a wrong key is refused (401) and the key is not in the error', async () => {
    const e = await failure(
      sink({ secret: secretOf({ ...S, opsgenie: { apiKey: 'a-wrong-genie-key' } }) }).deliver(OG, started(OG, ['57'])),
    );
    expect(e).toMatchObject({ retryable: false, status: 401, vendorError: 'Could not authenticate' });
    expect(e.message).not.toContain('a-wrong-genie-key');
  });
});

describe('Slack incident channel', () => {
  const make = (over: Partial<Parameters<typeof slackChannelSink>[0]> = {}) => {
    const d = memoryDeliveries();
    return {
      d,
      sink: slackChannelSink({
        baseUrl: v.urls.slack,
        channel: LOCAL_INCIDENT_CHANNEL,
        secret: secretOf(),
        threads: d.store,
        ...over,
      }),
    };
  };

  it('the first outcome opens the thread (the incident, linked and escaped); later ones reply in it', async () => {
    const { sink } = make();
    const before = v.slack.messages.length;
    await sink.deliver(DD, started(DD, ['1']));
    await sink.deliver(DD, completed(DD, '1', 'Summary: loss 3 % > 1 %'));
    await sink.deliver(DD, { kind: 'trace.stopped', ok: true, text: 'stopped', data: { incident: DD, traceId: '1' } });
    const [parent, ...replies] = v.slack.messages.slice(before);
    expect(parent).toMatchObject({ channel: LOCAL_INCIDENT_CHANNEL });
    expect(parent!.thread_ts).toBeUndefined();
    expect(parent!.text).toBe(
      `*ZDX deep trace (Zscaler automation)* — <https://app.datadoghq.com/monitors/1|CPU high on &lt;payroll&gt; &amp; co> (datadog ${DD.incidentId})\nDeep trace for ${DD.incidentId} — laptop: started (trace 1)`,
    );
    expect(replies.map((m) => [m.thread_ts, m.text])).toEqual([
      [parent!.ts, 'Summary: loss 3 % &gt; 1 %'],
      [parent!.ts, 'stopped'],
    ]);
    const req = v.recorded.at(-1)!;
    expect(req.headers.authorization).toBe(`Bearer ${S.slack.botToken}`);
    expect(req.body).toMatchObject({ unfurl_links: false });
  });

  it('another run holding a fresh claim: retryable, nothing posted; a claim left by a dead run is taken over', async () => {
    let now = 1_000_000;
    const d = memoryDeliveries(() => now);
    const sink = slackChannelSink({
      baseUrl: v.urls.slack,
      channel: LOCAL_INCIDENT_CHANNEL,
      secret: secretOf(),
      threads: d.store,
    });
    const inc = incident('datadog', 'claimed1');
    expect(await d.store.claimThread('datadog#claimed1', 'the-other-run', 120_000)).toBe(true);
    const before = v.slack.messages.length;
    expect(await failure(sink.deliver(inc, started(inc, ['2'])))).toMatchObject({ retryable: true });
    expect(v.slack.messages).toHaveLength(before);
    now += 120_001;
    await sink.deliver(inc, started(inc, ['2']));
    expect(v.slack.messages.slice(before)).toHaveLength(1);
    expect(d.threads.get('datadog#claimed1')?.ts).toBe(v.slack.messages.at(-1)!.ts);
  });

  it('opening failed (Slack 503): the claim is given up, so the retry opens the thread at once', async () => {
    const { sink, d } = make();
    const inc = incident('datadog', 'reopen1');
    v.failNext('slack', 1, 503);
    expect(await failure(sink.deliver(inc, started(inc, ['7'])))).toMatchObject({ retryable: true });
    expect(d.threads.get('datadog#reopen1')).toMatchObject({ claimedAt: 0 });
    await sink.deliver(inc, started(inc, ['7']));
    expect(d.threads.get('datadog#reopen1')?.ts).toBe(v.slack.messages.at(-1)!.ts);
    expect(v.slack.messages.at(-1)!.thread_ts).toBeUndefined();
  });

  it('cuts text at 3,900 characters', async () => {
    const { sink } = make();
    await sink.deliver(incident('datadog', 'long1'), completed(incident('datadog', 'long1'), '3', 'y'.repeat(10_000)));
    expect(v.slack.messages.at(-1)!.text).toHaveLength(SLACK_TEXT_MAX_CHARS);
  });

  it.each([
    ['a channel the bot is not in', { channel: 'C0NOTOURS' }, 'channel_not_found'],
    ['a wrong token', { secret: secretOf({ ...S, slack: { botToken: 'xoxb-a-wrong-bot-token' } }) }, 'invalid_auth'],
  ])('%s is refused without retry (Slack answers 200 ok:false)', async (_, over, error) => {
    const { sink } = make(over);
    const e = await failure(sink.deliver(incident('datadog', `refused-${error}`), started(DD, ['4'])));
    expect(e).toMatchObject({ retryable: false, vendorError: error });
    expectNoSecret(e);
    expect(e.message).not.toContain('xoxb-a-wrong-bot-token');
  });

  it('HTTP 429 from Slack is retryable', async () => {
    const { sink } = make();
    v.failNext('slack', 1, 429);
    expect(await failure(sink.deliver(incident('datadog', 'rl1'), started(DD, ['5'])))).toMatchObject({
      retryable: true,
    });
  });

  it('no channel configured: a ConfigError', async () => {
    const { sink } = make({ channel: undefined });
    expect(await failure(sink.deliver(DD, started(DD, ['6'])))).toBeInstanceOf(ConfigError);
  });
});
