/** Lambda entry (README "ChatOps" has its cold-start figures). */
import { chatIngressDeps } from '../../shared/chat/wiring.js';
import { loadConfig, slackFields } from '../../shared/config.js';
import { makeHandler } from './app.js';

const { config: _config, ...deps } = chatIngressDeps('slack-command');
// The Slack API base is this function's own key: the shared chat wiring (and so Teams) never parses it.
const slack = loadConfig(slackFields);

export const handler = makeHandler({ ...deps, slackApiBaseUrl: slack.SLACK_API_BASE_URL });
