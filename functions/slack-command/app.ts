/**
 * POST /chat/slack: a Slack slash command. Verify the signature over the raw form body (and its 5-minute
 * timestamp) before parsing anything, hand the work to a queue, and answer with an ephemeral
 * acknowledgement well inside Slack's 3 seconds; the outcome is posted to `response_url` later.
 *
 * `trace me` resolves the caller's email here, not in the worker: the queued command then looks exactly
 * like an incident's (emails, no chat credentials needed downstream), and a caller whose profile hides the
 * email learns it at once instead of minutes later. The lookup is one bounded users.info call.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handleChatRequest } from '../../shared/chat/intake.js';
import { replayGuard } from '../../shared/chat/replay.js';
import { slackEmailLookup } from '../../shared/chat/slack/api.js';
import { parseSlackCommand } from '../../shared/chat/slack/form.js';
import { UnauthorizedError } from '../../shared/errors.js';
import { jsonResponse } from '../../shared/middleware/errorResponse.js';
import { httpHandler } from '../../shared/middleware/presets.js';
import { decodeBody, headerValue } from '../../shared/webhooks/hmac.js';
import {
  SLACK_SIGNATURE_HEADER,
  SLACK_TIMESTAMP_HEADER,
  verifySlackSignature,
} from '../../shared/chat/slack/signature.js';
import { verifierWithRotation, webhookSection, type WebhookSecrets } from '../../shared/webhooks/secrets.js';
import type { ChatIngressDeps } from '../../shared/chat/wiring.js';

export interface SlackCommandDeps extends ChatIngressDeps {
  slackApiBaseUrl: string;
  /** Budget for users.info; Slack's 3 s include our cold start and the queue write. */
  lookupTimeoutMs?: number;
}

const slackSecrets = (s: WebhookSecrets) => webhookSection(s, 'slack');

export function makeHandler(deps: SlackCommandDeps) {
  const verify = verifierWithRotation(deps.secrets);
  const firstTime = replayGuard();
  const emailOf = slackEmailLookup({
    baseUrl: deps.slackApiBaseUrl,
    token: async () => slackSecrets(await deps.secrets.get()).botToken,
    timeoutMs: deps.lookupTimeoutMs ?? 1_500,
  });
  return httpHandler(deps.logger, async (event: APIGatewayProxyEventV2) => {
    const raw = decodeBody(event.body, event.isBase64Encoded, deps.maxBodyBytes);
    const headers = {
      signature: headerValue(event.headers, SLACK_SIGNATURE_HEADER),
      timestamp: headerValue(event.headers, SLACK_TIMESTAMP_HEADER),
    };
    const verified = await verify((s) => verifySlackSignature(raw, headers, slackSecrets(s).signingSecret));
    // Keyed on what was verified (timestamp, digest bytes), never on the header text: re-spelling the same
    // signature (hex case, spaces) must not make a replay look new.
    if (!firstTime(verified.replayKey)) throw new UnauthorizedError();
    const form = parseSlackCommand(raw);
    const answer = await handleChatRequest(
      {
        caller: { platform: 'slack', userId: form.user_id, userName: form.user_name, channelId: form.channel_id },
        text: form.text,
        requestId: form.trigger_id,
        reply: { kind: 'slack', responseUrl: form.response_url },
        prefix: form.command,
      },
      {
        queue: deps.queue,
        logger: deps.logger,
        permissions: deps.permissions,
        resolveMe: (c) => emailOf(c.userId),
        checkDelaySeconds: deps.checkDelaySeconds,
      },
    );
    // Slack shows only 200 answers to the user, so refusals and usage errors are 200s with their text.
    return jsonResponse(200, { response_type: 'ephemeral', text: answer.text });
  });
}
