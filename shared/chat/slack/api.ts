/**
 * The one Slack Web API call we make: `users.info` for `trace me`, since slash commands carry no email.
 * Needs the bot scopes `users:read` and `users:read.email`. Uses the runtime's fetch rather than undici so
 * the slash-command bundle stays small; the base URL is configuration so the local stack can fake Slack.
 */
import * as z from 'zod/mini';
import { AppError, ValidationError } from '../../errors.js';

const usersInfoReply = z.object({
  ok: z.boolean(),
  error: z.optional(z.string()),
  user: z.optional(z.object({ profile: z.optional(z.object({ email: z.optional(z.string()) })) })),
});

export type EmailLookup = (userId: string) => Promise<string>;

/**
 * Slack slow, down or answering nonsense: transient (retryable), and meant for the caller's eyes (`expose`), so
 * the intake answers 200 asking for the email instead of a 5xx that Slack shows as "failed with the error …".
 */
const slackUnavailable = (message: string, cause?: unknown) =>
  new AppError('slack_unavailable', message, 503, true, { expose: true, cause });

/**
 * @param token the bot token (`xoxb-…`), read from Secrets Manager by the caller; never logged.
 * @throws ValidationError when Slack has no email for the user (hidden, or a missing scope: said so),
 *   AppError('slack_unavailable') when Slack did not answer in time.
 */
export function slackEmailLookup(opts: {
  baseUrl: string;
  token: () => Promise<string | undefined>;
  timeoutMs: number;
}): EmailLookup {
  return async (userId) => {
    const token = await opts.token();
    if (!token)
      throw new ValidationError(
        '"me" needs the Slack bot token, which is not configured; name the user\'s email instead',
      );
    let body: unknown;
    try {
      const res = await fetch(`${opts.baseUrl.replace(/\/+$/, '')}/users.info?user=${encodeURIComponent(userId)}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      body = await res.json();
    } catch (e) {
      throw slackUnavailable(`Slack did not tell us your email in time (${(e as Error).name}); name it instead`, e);
    }
    const r = usersInfoReply.safeParse(body);
    if (!r.success)
      throw slackUnavailable('Slack answered users.info with something unexpected; name your email instead');
    const email = r.data.user?.profile?.email;
    if (r.data.ok && email) return email.toLowerCase();
    const why =
      r.data.error === 'missing_scope'
        ? 'the app lacks the users:read.email scope'
        : (r.data.error ?? 'your profile shows no email');
    throw new ValidationError(`could not find your email in Slack (${why}); name it instead`);
  };
}
