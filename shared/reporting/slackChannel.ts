/**
 * The incident's thread in a Slack channel: `POST {base}/chat.postMessage` with the bot token
 * (`Authorization: Bearer xoxb-…`, scope `chat:write`, the bot a member of the channel). The first outcome of an
 * incident opens the thread (a top-level message naming the incident); every later one replies in it with
 * `thread_ts`, so a channel holds one thread per incident: started, queued, then the finding, then stopped.
 *
 * The thread's `ts` is kept in the ledger table (deliveries.ts). Opening is claimed first with a conditional
 * put, so two runs never open two threads; a run that finds another's claim still fresh and no thread yet
 * fails retryably and replies in the thread on its retry. A run that died between posting and recording the
 * thread leaves a stale claim: the next opener takes it over after the lease (that incident then has a second
 * top-level message — nothing is lost). A post that fails gives its claim up at once, so its retry opens the thread.
 *
 * Slack answers HTTP 200 with `{ ok: false, error }` for most failures: `ratelimited` and Slack's own
 * internal errors are retried; anything else (`channel_not_found`, `not_in_channel`, `invalid_auth`, …) is a
 * setup problem, refused without retry. Text is escaped (`&`, `<`, `>`, as Slack requires) and cut at 3,900
 * characters: Slack advises at most 4,000 in `text`. Each message also carries the outcome as Block Kit `blocks`
 * (slackBlocks.ts: the opener's heading first): what people read, while `text` stays the notification fallback.
 */
import { randomUUID } from 'node:crypto';
import type { SecretSource } from '../aws/secrets.js';
import type { IncidentRef } from '../commands/contract.js';
import { AppError, ConfigError } from '../errors.js';
import { ledgerKey } from '../ledger/record.js';
import type { DeliveryStore, SlackThread } from './deliveries.js';
import { type ReportsSecret, reportSection } from './reportsSecret.js';
import { outcomeBlocks, type SlackBlock, slackEscape } from './slackBlocks.js';
import { HEADING, type IncidentSink } from './sink.js';
import { callVendor, fitText, ReportRefusedError } from './vendorHttp.js';

export const SLACK_TEXT_MAX_CHARS = 3_900;
/** A claim to open a thread older than this was left by a run that died. */
export const THREAD_CLAIM_LEASE_MS = 120_000;
/** Slack's `error` values that mean "try again later". */
const TRANSIENT = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** The top-level message that opens an incident's thread: which incident, linked when the source gave a link. */
export function threadHeading(incident: IncidentRef): string {
  const name = slackEscape(incident.title ?? `${incident.source} incident ${incident.incidentId}`);
  const link = incident.link && /^https?:\/\/[^\s|<>]+$/.test(incident.link) ? incident.link : undefined;
  return `*${HEADING}* — ${link ? `<${link}|${name}>` : name} (${slackEscape(incident.source)} ${slackEscape(incident.incidentId)})`;
}

export function slackChannelSink(opts: {
  baseUrl: string;
  channel: string | undefined;
  secret: SecretSource<ReportsSecret>;
  threads: DeliveryStore;
  timeoutMs?: number;
}): IncidentSink {
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/chat.postMessage`;
  const post = async (body: Record<string, unknown>): Promise<{ ts: string; channel: string }> => {
    const { botToken } = reportSection(await opts.secret.get(), 'slack');
    const answer = (await callVendor({
      sink: 'slack-channel',
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: { unfurl_links: false, unfurl_media: false, ...body },
      secrets: [botToken],
      timeoutMs: opts.timeoutMs,
    })) as { ok?: boolean; error?: unknown; ts?: unknown; channel?: unknown } | undefined;
    if (answer?.ok === true && typeof answer.ts === 'string')
      return { ts: answer.ts, channel: typeof answer.channel === 'string' ? answer.channel : String(body.channel) };
    const error = typeof answer?.error === 'string' ? answer.error.slice(0, 100) : 'no ok and ts in the answer';
    if (TRANSIENT.has(error))
      throw new AppError('report_failed', `slack-channel: Slack answered ${error}`, 502, true, {
        details: { sink: 'slack-channel' },
      });
    throw new ReportRefusedError('slack-channel', 200, error);
  };
  return {
    name: 'slack-channel',
    async deliver(incident, outcome) {
      if (!opts.channel)
        throw new ConfigError('slack-channel: INCIDENT_SLACK_CHANNEL is not set; nothing was posted to Slack');
      const key = ledgerKey(incident);
      const text = slackEscape(outcome.text);
      let thread = await opts.threads.getThread(key);
      if (!thread?.ts) {
        const claimId = randomUUID();
        if (await opts.threads.claimThread(key, claimId, THREAD_CLAIM_LEASE_MS)) {
          let opened: SlackThread;
          try {
            const heading = threadHeading(incident);
            opened = await post({
              channel: opts.channel,
              text: fitText(`${heading}\n${text}`, SLACK_TEXT_MAX_CHARS),
              ...withBlocks(outcomeBlocks(outcome, { heading })),
            });
          } catch (e) {
            // Slack said no or did not answer: the retry may open the thread at once rather than wait out the
            // lease (after a timeout Slack may have posted it after all: a second top-level message, not a loss).
            await opts.threads.releaseThread(key, claimId);
            throw e;
          }
          await opts.threads.saveThread(key, claimId, opened);
          return;
        }
        thread = await opts.threads.getThread(key);
        if (!thread?.ts)
          throw new AppError(
            'report_failed',
            'slack-channel: another run is opening the thread; replying later',
            503,
            true,
          );
      }
      await post({
        channel: thread.channel ?? opts.channel,
        thread_ts: thread.ts,
        text: fitText(text, SLACK_TEXT_MAX_CHARS),
        ...withBlocks(outcomeBlocks(outcome)),
      });
    },
  };
}

/** `blocks` only when there are some: Slack refuses an empty list. */
const withBlocks = (blocks: SlackBlock[]) => (blocks.length ? { blocks } : {});
