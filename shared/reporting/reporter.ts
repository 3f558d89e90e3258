/**
 * Reporting outcomes back: always to the log, into the incident itself when the deployment routes its source
 * to a sink (incidentReports.ts: a PagerDuty or Opsgenie note, a ServiceNow work note, a Slack thread), to the
 * configured callback URL, and to the command's own reply target. A failed POST throws a retryable error so the
 * step is retried (at-least-once). The incident sinks go first: they remember what they delivered, so a step
 * retried because they failed does not post the callback twice, and a retry caused by a later target does not
 * write the same note twice.
 */
import { request } from '../http/undici.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ReplyTarget } from '../commands/contract.js';
import { slackMessage } from '../chat/slack/reply.js';
import { teamsMessage } from '../chat/teams/reply.js';
import { outcomeBlocks } from './slackBlocks.js';

export interface Outcome {
  kind: string;
  ok: boolean;
  text: string;
  data?: Record<string, unknown>;
}

export interface Reporter {
  report(outcome: Outcome, target?: ReplyTarget): Promise<void>;
}

export function createReporter(opts: {
  callbackUrl?: string;
  logger: Logger;
  timeoutMs?: number;
  /** Writes outcomes into the incident (the trace reconciler's reporter only). */
  incident?: { deliver(outcome: Outcome): Promise<void> };
}): Reporter {
  const post = async (url: string, body: unknown) => {
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
      await res.body.dump();
      if (res.statusCode >= 500 || res.statusCode === 429) throw new Error(`status ${res.statusCode}`);
      if (res.statusCode >= 400)
        opts.logger.warn('report target refused the outcome', { status: res.statusCode, host: new URL(url).host });
    } catch (e) {
      throw new AppError(
        'report_failed',
        `posting the outcome to ${new URL(url).host} failed: ${(e as Error).message}`,
        502,
        true,
        { cause: e },
      );
    }
  };
  return {
    async report(outcome, target) {
      opts.logger.info('outcome', { outcome });
      await opts.incident?.deliver(outcome);
      if (opts.callbackUrl) await post(opts.callbackUrl, outcome);
      if (target?.kind === 'callback') await post(target.url, outcome);
      // The command chose who sees it in Slack (status and dry runs: only the caller).
      if (target?.kind === 'slack')
        await post(target.responseUrl, slackMessage(outcome.text, target.responseType, outcomeBlocks(outcome)));
      if (target?.kind === 'teams') await post(target.url, teamsMessage(outcome.text));
    },
  };
}

/** For outcomes of changes already made: a failed report is logged, never thrown (a retry would redo the change). */
export async function reportBestEffort(
  deps: { reporter: Reporter; logger: Logger },
  outcome: Outcome,
  target?: ReplyTarget,
): Promise<void> {
  try {
    await deps.reporter.report(outcome, target);
  } catch (e) {
    deps.logger.warn('could not report the outcome; the change itself is done', { kind: outcome.kind, error: e });
  }
}
