/** Lambda entry (README "ChatOps" has its cold-start figures). */
import { chatIngressDeps } from '../../shared/chat/wiring.js';
import { makeHandler } from './app.js';

const { config, ...deps } = chatIngressDeps('slack-command');

export const handler = makeHandler({ ...deps, slackApiBaseUrl: config.SLACK_API_BASE_URL });
