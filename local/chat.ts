/**
 * `npm run slack -- "trace alice@corp.example 15m"` / `npm run teams -- "trace me"`: sends a correctly
 * signed chat command to the local stack (npm start) and prints the immediate answer and how long it took.
 * The later outcome lands at the receiver: `curl -s localhost:9090/ | jq '.[] | select(.path != "/callback")'`.
 *   --as oncall|viewer|stranger   who asks (viewer: Slack only; see local/fakeChat.ts for what each may do)
 *   --bad-signature               sign with a wrong secret (expect 401)    --stale   a 10-minute-old request (401)
 *   --url http://127.0.0.1:3000   --receiver http://127.0.0.1:9090
 */
import { parseArgs } from 'node:util';
import { slackDelivery, teamsDelivery } from './chatSamples.js';
import { LOCAL_CHAT } from './fakeChat.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    as: { type: 'string', default: 'oncall' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.LOCAL_HTTP_PORT ?? 3000}` },
    receiver: { type: 'string', default: `http://127.0.0.1:${process.env.LOCAL_RECEIVER_PORT ?? 9090}` },
    'bad-signature': { type: 'boolean', default: false },
    stale: { type: 'boolean', default: false },
  },
});
const [platform, ...words] = positionals;
if (platform !== 'slack' && platform !== 'teams')
  throw new Error('usage: tsx local/chat.ts slack|teams "<command text>"');
const text = words.join(' ').replace(/^\/zscaler\s*/, '');
const common = {
  text,
  secret: values['bad-signature']
    ? platform === 'slack'
      ? 'not-the-right-secret-at-all'
      : Buffer.from('not-the-right-token-at-all').toString('base64')
    : undefined,
  at: values.stale ? Math.floor(Date.now() / 1000) - 600 : undefined,
};
const who = values.as as 'oncall' | 'stranger' | 'viewer';
const delivery =
  platform === 'slack'
    ? slackDelivery({ ...common, user: LOCAL_CHAT.slack[who], responseUrl: `${values.receiver}/slack-response` })
    : teamsDelivery({
        ...common,
        user:
          who === 'viewer'
            ? fail('Teams has no local viewer: use --as oncall or --as stranger')
            : LOCAL_CHAT.teams[who],
      });

const started = performance.now();
const res = await fetch(`${values.url}/chat/${platform}`, {
  method: 'POST',
  headers: delivery.headers,
  body: delivery.body,
});
const answer = await res.text();
console.log(`${res.status} in ${Math.round(performance.now() - started)} ms: ${answer}`);
console.log(
  `the outcome arrives at ${values.receiver}/ (path ${platform === 'slack' ? '/slack-response' : '/teams-reply'})`,
);

function fail(message: string): never {
  throw new Error(message);
}
