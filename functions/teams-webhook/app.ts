/**
 * POST /chat/teams: a Teams outgoing webhook (an @mention of the bot in a channel). Verify the HMAC over the
 * raw body before parsing, refuse stale or repeated activities, enqueue, and answer synchronously within
 * Teams' 5 seconds. An outgoing webhook cannot post later, so the outcome goes to the Teams Workflows /
 * incoming-webhook URL stored with the security token (the `{kind:'teams'}` reply target).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handleChatRequest } from '../../shared/chat/intake.js';
import { replayGuard } from '../../shared/chat/replay.js';
import { commandText, parseTeamsActivity, senderEmail } from '../../shared/chat/teams/activity.js';
import { UnauthorizedError, ValidationError } from '../../shared/errors.js';
import { jsonResponse } from '../../shared/middleware/errorResponse.js';
import { httpHandler } from '../../shared/middleware/presets.js';
import { decodeBody, headerValue } from '../../shared/webhooks/hmac.js';
import { TEAMS_SIGNATURE_HEADER, verifyTeamsSignature } from '../../shared/chat/teams/signature.js';
import { verifierWithRotation, webhookSection, type WebhookSecrets } from '../../shared/webhooks/secrets.js';
import type { ChatIngressDeps } from '../../shared/chat/wiring.js';

export interface TeamsWebhookDeps extends ChatIngressDeps {
  /** Name users type to mention the bot, for help texts. */
  botName?: string;
}

const teamsSecrets = (s: WebhookSecrets) => webhookSection(s, 'teams');

export function makeHandler(deps: TeamsWebhookDeps) {
  const verify = verifierWithRotation(deps.secrets);
  const firstTime = replayGuard();
  return httpHandler(deps.logger, async (event: APIGatewayProxyEventV2) => {
    const raw = decodeBody(event.body, event.isBase64Encoded, deps.maxBodyBytes);
    await verify((s) =>
      verifyTeamsSignature(raw, headerValue(event.headers, TEAMS_SIGNATURE_HEADER), teamsSecrets(s).securityToken),
    );
    const activity = parseTeamsActivity(raw);
    if (!firstTime(activity.id)) throw new UnauthorizedError();
    const replyUrl = teamsSecrets(await deps.secrets.get()).replyUrl;
    const answer = await handleChatRequest(
      {
        // The AAD object id is the stable identity permissions name; `from.id` is per-bot and opaque.
        caller: {
          platform: 'teams',
          userId: activity.from.aadObjectId ?? activity.from.id,
          userName: activity.from.name,
          channelId: activity.channelData?.channel?.id,
        },
        text: commandText(activity.text),
        requestId: activity.id,
        reply: replyUrl ? { kind: 'teams', url: replyUrl } : undefined,
        prefix: `@${deps.botName ?? 'Zscaler'}`,
      },
      {
        queue: deps.queue,
        logger: deps.logger,
        permissions: deps.permissions,
        checkDelaySeconds: deps.checkDelaySeconds,
        resolveMe: async () => {
          const email = senderEmail(activity);
          if (!email)
            throw new ValidationError(
              'Teams did not send your email with this message; name it instead, e.g. "trace you@example.com"',
            );
          return email;
        },
      },
    );
    // Teams renders the reply as markdown, where one newline is not a line break.
    return jsonResponse(200, { type: 'message', text: answer.text.replace(/\n/g, '\n\n') });
  });
}
