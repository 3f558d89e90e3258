/**
 * A stand-in of Slack's `chat.postMessage` as the incident threads use it: `POST /chat.postMessage` with
 * `Authorization: Bearer <bot token>` and `{ channel, text, thread_ts? }`. Like Slack it answers HTTP 200 with
 * `{ ok: true, channel, ts, message }` — each message gets a new `ts` — or `{ ok: false, error }`:
 * `invalid_auth`, `channel_not_found` (a channel other than the configured one), `no_text`, `thread_not_found`
 * (a `thread_ts` that is no top-level message of the channel).
 */
import { header, isRecord, type VendorApi } from './http.js';

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  thread_ts?: string;
}

export function slackApi(botToken: string, channels: readonly string[]) {
  const messages: SlackMessage[] = [];
  let seq = 0;
  const base = Math.floor(Date.now() / 1000);
  const api: VendorApi = (req) => {
    if (req.path !== '/chat.postMessage') return undefined;
    const fail = (error: string) => ({ status: 200, body: { ok: false, error } });
    if (req.method !== 'POST') return fail('invalid_request');
    if (header(req, 'authorization') !== `Bearer ${botToken}`) return fail('invalid_auth');
    const b = isRecord(req.body) ? req.body : {};
    if (typeof b.channel !== 'string' || !channels.includes(b.channel)) return fail('channel_not_found');
    if (typeof b.text !== 'string' || b.text === '') return fail('no_text');
    const threadTs = typeof b.thread_ts === 'string' ? b.thread_ts : undefined;
    if (threadTs && !messages.some((m) => m.channel === b.channel && m.ts === threadTs && !m.thread_ts))
      return fail('thread_not_found');
    const ts = `${base}.${String(++seq).padStart(6, '0')}`;
    const message: SlackMessage = {
      channel: b.channel,
      ts,
      text: b.text,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    messages.push(message);
    return { status: 200, body: { ok: true, channel: b.channel, ts, message: { type: 'message', ...message } } };
  };
  return { api, messages };
}
