/**
 * What Slack's `response_url` takes: `text` and `response_type` (`ephemeral`: only the person who asked sees
 * it; `in_channel`: everyone). The full outcome stays in the log.
 */
export const slackMessage = (text: string, responseType: 'in_channel' | 'ephemeral' = 'in_channel') => ({
  response_type: responseType,
  text,
});
