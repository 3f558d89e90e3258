/** Lambda entry: the same small dependency set as the slash-command function. */
import { chatIngressDeps } from '../../shared/chat/wiring.js';
import { makeHandler } from './app.js';

const { config: _config, ...deps } = chatIngressDeps('teams-webhook');

export const handler = makeHandler(deps);
