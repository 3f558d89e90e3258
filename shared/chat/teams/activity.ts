/**
 * A Teams outgoing-webhook activity, parsed only after its HMAC checked out. Teams signs no timestamp
 * header, but the body's `timestamp` is covered by the HMAC, so a stale one is a replay.
 */
import * as z from 'zod/mini';
import { UnauthorizedError } from '../../errors.js';
import { DEFAULT_TIMESTAMP_TOLERANCE_SEC } from '../../webhooks/hmac.js';
import { normaliseEmail } from '../../validation/email.js';
import { parseJsonBody, parseWithSchema } from '../../validation/parse.js';

export const teamsActivitySchema = z.looseObject({
  type: z.string(),
  id: z.string().check(z.minLength(1)),
  timestamp: z.string(),
  text: z._default(z.string(), ''),
  from: z.looseObject({
    id: z.string(),
    name: z.optional(z.string()),
    aadObjectId: z.optional(z.string()),
    /** Not part of the documented outgoing-webhook payload, but used when a tenant includes it. */
    userPrincipalName: z.optional(z.string()),
  }),
  channelData: z.optional(z.looseObject({ channel: z.optional(z.looseObject({ id: z.string() })) })),
});
export type TeamsActivity = z.infer<typeof teamsActivitySchema>;

/** @throws ValidationError for a body that is not an activity; UnauthorizedError for a stale one. */
export function parseTeamsActivity(raw: string, nowMs: number = Date.now()): TeamsActivity {
  const activity = parseWithSchema(teamsActivitySchema, parseJsonBody(raw, 'Teams activity'), 'Teams activity');
  const at = Date.parse(activity.timestamp);
  if (Number.isNaN(at) || Math.abs(nowMs - at) > DEFAULT_TIMESTAMP_TOLERANCE_SEC * 1000) throw new UnauthorizedError();
  return activity;
}

const ENTITIES: Record<string, string> = {
  '&nbsp;': ' ',
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/** `<at>Zscaler</at> trace <a href="mailto:a@b">a@b</a>` → `trace a@b`: the mention and HTML removed. */
export function commandText(html: string): string {
  return html
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(?:nbsp|amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e)
    .replace(/\s+/g, ' ')
    .trim();
}

/** The sender's email when the activity carries one (UPN); Teams outgoing webhooks usually do not. */
export const senderEmail = (a: TeamsActivity): string | undefined => {
  const upn = a.from.userPrincipalName;
  return upn === undefined ? undefined : normaliseEmail(upn);
};
