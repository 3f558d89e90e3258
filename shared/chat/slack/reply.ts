/**
 * What Slack's `response_url` takes: `text`, `response_type` (`ephemeral`: only the person who asked sees it;
 * `in_channel`: everyone) and, optionally, Block Kit `blocks` (shared/reporting/slackBlocks.ts): with blocks, Slack
 * shows them and uses `text` as the notification fallback. The full outcome stays in the log.
 */
import type { SlackBlock } from '../../reporting/slackBlocks.js';

export const slackMessage = (
  text: string,
  responseType: 'in_channel' | 'ephemeral' = 'in_channel',
  blocks: readonly SlackBlock[] = [],
) => ({
  response_type: responseType,
  text,
  // Slack refuses an empty list: no blocks, no field.
  ...(blocks.length ? { blocks } : {}),
});
