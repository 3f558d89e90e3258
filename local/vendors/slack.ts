/**
 * A stand-in of Slack's `chat.postMessage` as the incident threads use it: `POST /chat.postMessage` with
 * `Authorization: Bearer <bot token>` and `{ channel, text, blocks?, thread_ts? }`. Like Slack it answers HTTP 200
 * with `{ ok: true, channel, ts, message }` — each message gets a new `ts` — or `{ ok: false, error }`:
 * `invalid_auth`, `channel_not_found` (a channel other than the configured one), `no_text`, `thread_not_found`
 * (a `thread_ts` that is no top-level message of the channel), `invalid_blocks` (not a list of 1 to 50 section,
 * context, actions or divider blocks; a section's text empty or past 3,000 characters) and `msg_blocks_too_long`
 * (past 12,000 characters of block text in all: Slack's real threshold is undocumented, about 13,000).
 */
import { header, isRecord, type VendorApi } from './http.js';

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

/** What Slack checks of `blocks` that the reports could get wrong (docs/sources.md, Slack's limits). */
function blocksError(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks) || blocks.length < 1 || blocks.length > 50) return 'invalid_blocks';
  let chars = 0;
  const textOk = (t: unknown, max: number) => {
    if (!isRecord(t) || (t.type !== 'mrkdwn' && t.type !== 'plain_text') || typeof t.text !== 'string') return false;
    chars += t.text.length;
    return t.text.length >= 1 && t.text.length <= max;
  };
  for (const b of blocks) {
    if (!isRecord(b)) return 'invalid_blocks';
    if (b.type === 'section' && !textOk(b.text, 3_000)) return 'invalid_blocks';
    if (b.type === 'context') {
      const els = b.elements;
      if (!Array.isArray(els) || els.length < 1 || els.length > 10 || !els.every((e) => textOk(e, 3_000)))
        return 'invalid_blocks';
    }
    if (!['section', 'context', 'actions', 'divider'].includes(String(b.type))) return 'invalid_blocks';
  }
  return chars > 12_000 ? 'msg_blocks_too_long' : undefined;
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
    const blocksWrong = b.blocks === undefined ? undefined : blocksError(b.blocks);
    if (blocksWrong) return fail(blocksWrong);
    const threadTs = typeof b.thread_ts === 'string' ? b.thread_ts : undefined;
    if (threadTs && !messages.some((m) => m.channel === b.channel && m.ts === threadTs && !m.thread_ts))
      return fail('thread_not_found');
    const ts = `${base}.${String(++seq).padStart(6, '0')}`;
    const message: SlackMessage = {
      channel: b.channel,
      ts,
      text: b.text,
      ...(Array.isArray(b.blocks) ? { blocks: b.blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    messages.push(message);
    return { status: 200, body: { ok: true, channel: b.channel, ts, message: { type: 'message', ...message } } };
  };
  return { api, messages };
}
