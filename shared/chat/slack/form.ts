/**
 * A Slack slash-command body (application/x-www-form-urlencoded), parsed only after its signature checked
 * out. Slack sends no email: `trace me` asks users.info with `user_id`.
 */
import * as z from 'zod/mini';
import { parseWithSchema } from '../../validation/parse.js';

const nonEmpty = () => z.string().check(z.minLength(1));

export const slackCommandSchema = z.object({
  command: nonEmpty(),
  text: z._default(z.string(), ''),
  user_id: nonEmpty(),
  user_name: z.optional(z.string()),
  channel_id: z.optional(z.string()),
  team_id: z.optional(z.string()),
  response_url: z.url({ protocol: /^https?$/ }),
  trigger_id: nonEmpty(),
});
export type SlackCommand = z.infer<typeof slackCommandSchema>;

/** @throws ValidationError naming the missing or bad fields. */
export function parseSlackCommand(raw: string): SlackCommand {
  return parseWithSchema(slackCommandSchema, Object.fromEntries(new URLSearchParams(raw)), 'Slack slash command');
}
