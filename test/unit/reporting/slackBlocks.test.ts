/**
 * Slack Block Kit rendering of outcomes (shared/reporting/slackBlocks.ts): a finished trace's diagnosis as a bold
 * first section, its numbers, the portal link and the series; Slack's limits held for any report, the cut said so;
 * mrkdwn escaped; and `text`, the notification fallback, exactly what it was before blocks — checked where the
 * messages go, over loopback: the Slack chat.postMessage stand-in (which refuses blocks Slack would refuse) and the
 * response_url receiver.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../../../local/receiver.js';
import { LOCAL_INCIDENT_CHANNEL, LOCAL_REPORTS_SECRET as S } from '../../../local/vendors/credentials.js';
import { startVendorApis, type VendorApis } from '../../../local/vendors/server.js';
import { slackMessage } from '../../../shared/chat/slack/reply.js';
import { createReporter, type Outcome } from '../../../shared/reporting/reporter.js';
import {
  outcomeBlocks,
  SLACK_BLOCKS_MAX_CHARS,
  SLACK_MAX_BLOCKS,
  SLACK_SECTION_MAX_CHARS,
  type SlackBlock,
  slackEscape,
} from '../../../shared/reporting/slackBlocks.js';
import { SLACK_TEXT_MAX_CHARS, slackChannelSink, threadHeading } from '../../../shared/reporting/slackChannel.js';
import { fitText } from '../../../shared/reporting/vendorHttp.js';
import { diagnose } from '../../../shared/traces/diagnosis.js';
import { summariseSeries, summaryText, type SeriesSummary } from '../../../shared/traces/summary.js';
import type { TraceResults } from '../../../shared/zdx/deepTraces.js';
import { capturingLogger, incident, memoryDeliveries, secretOf } from './helpers.js';

const pts = (metric: string, unit: string, v: number) => ({
  metric,
  unit,
  datapoints: [
    { timestamp: 1, value: v },
    { timestamp: 2, value: v },
  ],
});
/** A trace whose server is slow (the diagnosis names it) on a device whose name needs escaping. */
const slowServer: TraceResults = {
  healthMetrics: [
    { category: 'cpu', instances: [{ metric: 'total', metrics: [pts('cpu_total', '%', 30)] }] },
    { category: 'network', instances: [{ metric: 'wifi', metrics: [pts('wifi_signal', 'dBm', -58)] }] },
  ],
  webProbeMetrics: [pts('pft', 'ms', 5_000), pts('dns_time', 'ms', 20), pts('server_response_time', 'ms', 4_100)],
  cloudPathMetrics: [
    { leg_src: 'Client', leg_dst: 'Egress', stats: [pts('latency_avg', 'ms', 5), pts('packet_loss', '%', 0)] },
  ],
  cloudPath: [],
};
const PORTAL = 'https://zdx.example/devices/132560501';

const traceOutcome = (text: string): Outcome => ({
  kind: 'trace.completed',
  ok: true,
  text,
  data: { deviceId: 132560501, deviceName: 'JUDY<MBP>&A26', traceId: '77' },
});
const report = (series: SeriesSummary[] = summariseSeries(slowServer), maxChars?: number) =>
  summaryText('JUDY<MBP>&A26', series, {
    diagnosis: diagnose(slowServer, { state: 'pending', waitedMs: 2_000 }),
    portalUrl: PORTAL,
    maxChars,
  });

const sections = (blocks: SlackBlock[]) => blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : []));
const blockTexts = (blocks: SlackBlock[]) =>
  blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : b.elements.map((e) => e.text)));

/** Every limit the builder promises (the ones Slack enforces, and our total). */
const expectWithinLimits = (blocks: SlackBlock[]) => {
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
  for (const t of blockTexts(blocks)) {
    expect(t.length).toBeGreaterThan(0);
    expect(t.length).toBeLessThanOrEqual(SLACK_SECTION_MAX_CHARS);
  }
  expect(blockTexts(blocks).join('').length).toBeLessThanOrEqual(SLACK_BLOCKS_MAX_CHARS);
};

/** How many of the outcome's lines the blocks show, and how many they say were left out. */
const accounting = (blocks: SlackBlock[]) => {
  const last = blocks.at(-1)!;
  const cut = last.type === 'context' ? /^… and (\d+) more lines? \(/.exec(last.elements[0]!.text) : null;
  const shown =
    sections(blocks).reduce((n, t) => n + t.split('\n').filter((l) => l.trim() !== '').length, 0) +
    blocks.filter((b) => b.type === 'context' && b.elements[0]!.text.startsWith('<http')).length;
  return { shown, left: cut ? Number(cut[1]) : 0 };
};

describe('a finished trace report as blocks', () => {
  it('puts the diagnosis in bold first, then the numbers, the portal link and the series', () => {
    const text = report();
    const blocks = outcomeBlocks(traceOutcome(text));
    const [first, numbers, link, series] = blocks;
    const firstLine = text.split('\n')[0]!;
    expect(firstLine).toMatch(/^Deep trace on JUDY<MBP>&A26 finished: web probe slowest phase: server time/);
    expect(first).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(firstLine)}*` } });
    expect(numbers).toMatchObject({ type: 'section' });
    expect(sections([numbers!])[0]).toMatch(/^\*Web probe:\* page fetch time \(PFT\) 5,000 ms avg/m);
    expect(sections([numbers!])[0]).toMatch(/^\*Cloud-path legs:\* /m);
    expect(link).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `<${PORTAL}|Open this device in the ZDX portal>` }],
    });
    expect(series).toMatchObject({ type: 'section' });
    const seriesText = sections([series!])[0]!;
    expect(seriesText.split('\n')[0]).toMatch(/^\*Series \(\d+\):\*$/);
    expect(seriesText).toContain('\n*health cpu:*\n• cpu_total avg 30 %, max 30');
    expect(seriesText).toContain('• server_response_time avg 4100 ms, max 4100');
    // The portal line is the link now, not text; nothing of the report is missing or said twice.
    expect(blockTexts(blocks).join('\n')).not.toContain('ZDX portal:');
    expect(blocks).toHaveLength(4);
    expect(accounting(blocks)).toEqual({ shown: text.split('\n').length, left: 0 });
  });

  it('a report without a diagnosis: the first line bold, the series below it', () => {
    const text = summaryText('dev-1', summariseSeries(slowServer));
    const blocks = outcomeBlocks(traceOutcome(text));
    expect(sections(blocks)[0]).toBe(`*${text.split('\n')[0]}*`);
    expect(sections(blocks)[1]!.startsWith('*health cpu:*\n• cpu_total')).toBe(true);
    expect(blocks).toHaveLength(2);
  });

  it('a huge report with a planted long series list stays within every limit and says what it cut', () => {
    // 4,000 series with long names, the report rendered without summary.ts's own bound: far past one message.
    const planted = Array.from(
      { length: 4_000 },
      (_, i): SeriesSummary => ({
        group: `cloud path leg ${i % 7}<a>&<b>`,
        metric: `series_${i}_${'x'.repeat(i % 5 === 0 ? 3_500 : 120)}`,
        unit: 'ms',
        avg: i,
        max: i * 2,
        samples: 3,
      }),
    );
    const text = report(planted, 2_000_000);
    expect(text.length).toBeGreaterThan(500_000);
    const blocks = outcomeBlocks(traceOutcome(text));
    expectWithinLimits(blocks);
    // The verdict survives the cut, first and bold; the last block says how many lines were left out.
    expect(sections(blocks)[0]).toMatch(/^\*Deep trace on JUDY&lt;MBP&gt;&amp;A26 finished: /);
    const { shown, left } = accounting(blocks);
    expect(left).toBeGreaterThan(3_000);
    expect(shown + left).toBe(text.split('\n').length);
    expect(blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `… and ${left} more lines (the full outcome is in the log)` }],
    });
    // A series line longer than a section is clipped, never split mid-escape.
    for (const t of sections(blocks)) expect(t).not.toMatch(/&[a-z]{0,3}…/);
  });

  it('stays within the limits and accounts for every line, for any text (property)', () => {
    const line = fc.string({ unit: fc.constantFrom('a', '&', '<', '>', '*', ' ', '•', '😀'), maxLength: 4_000 });
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 200 }),
        fc.constantFrom('trace.completed', 'status', 'bypass.applied'),
        (lines, kind) => {
          const text = lines.join('\n');
          fc.pre(text.trim() !== '');
          const blocks = outcomeBlocks({ kind, text });
          expectWithinLimits(blocks);
          const { shown, left } = accounting(blocks);
          expect(shown + left).toBe(lines.filter((l) => l.trim() !== '').length);
          for (const t of blockTexts(blocks)) expect(t).not.toMatch(/<(?!http)/);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('other outcomes and escaping', () => {
  it('a non-trace outcome is one section with its text, escaped', () => {
    const text = 'Bypass applied to <payroll> & "hr"\nuntil 14:00 UTC (window m-1)';
    expect(outcomeBlocks({ kind: 'bypass.applied', text })).toEqual([
      {
        type: 'section',
        text: { type: 'mrkdwn', text: 'Bypass applied to &lt;payroll&gt; &amp; "hr"\nuntil 14:00 UTC (window m-1)' },
      },
    ]);
  });

  it('escapes <, > and & everywhere, so no text of an outcome becomes a link or a mention', () => {
    const blocks = outcomeBlocks(
      traceOutcome('Deep trace on <@U123>&<!channel> finished: hop 2 (<10.0.0.1>)\nWorst hop: a&b <c>'),
    );
    expect(sections(blocks)).toEqual([
      '*Deep trace on &lt;@U123&gt;&amp;&lt;!channel&gt; finished: hop 2 (&lt;10.0.0.1&gt;)*',
      '*Worst hop:* a&amp;b &lt;c&gt;',
    ]);
  });

  it('a portal "link" that is not a plain http(s) URL stays text, escaped', () => {
    const blocks = outcomeBlocks(traceOutcome('Deep trace on d finished: ok.\nZDX portal: https://x.example/a|<b>'));
    expect(blocks.some((b) => b.type === 'context')).toBe(false);
    expect(sections(blocks)[1]).toBe('*ZDX portal:* https://x.example/a|&lt;b&gt;');
  });

  it('an asterisk in the first line cannot end its bold', () => {
    expect(sections(outcomeBlocks(traceOutcome('Deep trace on a*b finished: ok.')))[0]).toBe(
      '*Deep trace on a∗b finished: ok.*',
    );
  });

  it('empty text gives no blocks, and slackMessage then sends none', () => {
    expect(outcomeBlocks({ kind: 'status', text: '' })).toEqual([]);
    expect(slackMessage('', 'ephemeral', [])).toEqual({ response_type: 'ephemeral', text: '' });
  });
});

describe('where the blocks go: text stays the fallback it was', () => {
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

  it('the incident thread: the opener heads its blocks with the incident; text is the escaped, cut text as before', async () => {
    const d = memoryDeliveries();
    const sink = slackChannelSink({
      baseUrl: v.urls.slack,
      channel: LOCAL_INCIDENT_CHANNEL,
      secret: secretOf(),
      threads: d.store,
    });
    const inc = incident('datadog', 'blocks1', { title: 'Latency <payroll> & co', link: 'https://dd.example/i/1' });
    const before = v.slack.messages.length;
    const started: Outcome = { kind: 'trace.started', ok: true, text: 'Deep trace for blocks1 — laptop: started' };
    const huge = report(
      Array.from({ length: 900 }, (_, i) => ({ group: 'health', metric: `m${i}`, avg: i, max: i, samples: 2 })),
      50_000,
    );
    await sink.deliver(inc, started);
    await sink.deliver(inc, traceOutcome(huge));
    const [opener, reply] = v.slack.messages.slice(before);
    // Today's text exactly: the heading and the escaped text, cut at 3,900.
    expect(opener!.text).toBe(fitText(`${threadHeading(inc)}\n${slackEscape(started.text)}`, SLACK_TEXT_MAX_CHARS));
    expect(reply!.text).toBe(fitText(slackEscape(huge), SLACK_TEXT_MAX_CHARS));
    expect(opener!.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: threadHeading(inc) } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(started.text) } },
    ]);
    // The stand-in refuses blocks Slack would refuse: accepted means within Slack's limits.
    const blocks = reply!.blocks as SlackBlock[];
    expectWithinLimits(blocks);
    expect(sections(blocks)[0]).toBe(`*${slackEscape(huge.split('\n')[0]!)}*`);
    expect(reply!.thread_ts).toBe(opener!.ts);
  });

  it('the stand-in refuses what Slack would: too many blocks, an over-long section', async () => {
    const post = (blocks: unknown[]) =>
      fetch(`${v.urls.slack}/chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${S.slack.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: LOCAL_INCIDENT_CHANNEL, text: 'x', blocks }),
      }).then((r) => r.json());
    const section = (n: number) => ({ type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(n) } });
    expect(await post(Array.from({ length: 51 }, () => section(1)))).toEqual({ ok: false, error: 'invalid_blocks' });
    expect(await post([section(3_001)])).toEqual({ ok: false, error: 'invalid_blocks' });
    expect(await post(Array.from({ length: 5 }, () => section(3_000)))).toEqual({
      ok: false,
      error: 'msg_blocks_too_long',
    });
    expect(await post([section(3_000)])).toMatchObject({ ok: true });
  });

  it("a command's response_url gets the blocks beside today's text and response_type", async () => {
    const reporter = createReporter({ logger: capturingLogger().logger });
    const outcome = traceOutcome(report());
    await reporter.report(outcome, {
      kind: 'slack',
      responseUrl: `${receiver.url}/slack-response/blocks-1`,
      responseType: 'ephemeral',
    });
    const got = await receiver.waitFor((r) => r.path === '/slack-response/blocks-1');
    expect(got.body).toEqual({
      response_type: 'ephemeral',
      text: outcome.text,
      blocks: outcomeBlocks(outcome),
    });
    expect(slackMessage(outcome.text, 'ephemeral', outcomeBlocks(outcome)).text).toBe(outcome.text);
  });
});
