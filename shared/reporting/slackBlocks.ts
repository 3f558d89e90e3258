/**
 * An outcome as Slack Block Kit `blocks`, for both places Slack gets one: a chat command's `response_url` and the
 * incident's thread (chat.postMessage). The message's `text` stays as it was and becomes Slack's notification
 * fallback; the blocks are what people read.
 *
 * A finished deep trace (`trace.completed`, built by shared/traces/summary.ts) is laid out by its lines: the first
 * line — the diagnosis — in bold, the numbers behind it, the portal link as a context link, then the series list,
 * its group headings in bold. Every other outcome is its text in one section (more only when it is longer than a
 * section holds). The blocks are rendered from the same text as the fallback, so the two never disagree.
 *
 * Slack's limits (docs/sources.md § Slack incident channel lists them and where they come from): a section's text
 * at most 3,000 characters, at most 50 blocks in a message, and, measured, about 13,000 characters of blocks in all
 * (`msg_blocks_too_long` past it, though no documented limit is reached). What does not fit is cut at a line and
 * the last block says how many lines were left out; nothing is cut silently.
 */

/** Slack: a section block's `text` holds at most 3,000 characters. */
export const SLACK_SECTION_MAX_CHARS = 3_000;
/** Slack: a message holds at most 50 blocks. */
export const SLACK_MAX_BLOCKS = 50;
/**
 * All block text of one message, at most. Slack documents none; messages of about 13,000 characters of blocks are
 * refused with `msg_blocks_too_long` (slackapi/bolt-js#2509), so this stays well below.
 */
export const SLACK_BLOCKS_MAX_CHARS = 12_000;

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export type SlackBlock = { type: 'section'; text: MrkdwnText } | { type: 'context'; elements: MrkdwnText[] };

/** What a block needs of an outcome (structural, so this module imports nothing of the reporter's). */
export interface RenderableOutcome {
  kind: string;
  text: string;
  data?: Record<string, unknown>;
}

/** Slack's mrkdwn takes `&`, `<` and `>` as markup: outcome text is escaped before it goes into any block. */
export const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A link Slack's `<url|label>` can hold: http(s), no space, `|` or angle bracket (they would end the link). */
const LINKABLE = /^https?:\/\/[^\s|<>]+$/;
const PORTAL_LINE = /^ZDX portal: (\S+)$/;
/** A detail line's label ("Web probe:", "Worst hop:", "Also:"), shown in bold. */
const DETAIL_LABEL = /^([A-Z][A-Za-z -]{0,30}:)( |$)/;
const SERIES_HEADING = /^Series \(\d+\):$/;
const isBullet = (line: string) => line.startsWith('• ');
/** A series group heading ("health:", "cloud path Client→Egress:"): a line ending in ':' above a bullet. */
const isGroupHeading = (lines: readonly string[], i: number) =>
  lines[i]!.endsWith(':') && !isBullet(lines[i]!) && isBullet(lines[i + 1] ?? '');

/** One line of mrkdwn and how many lines of the outcome it stands for (0 for what the builder adds). */
interface Row {
  mrkdwn: string;
  lines: number;
}
/** A row of one outcome line; a blank line shows nothing, so it is not counted as shown or cut. */
const row = (mrkdwn: string, of = mrkdwn): Row => ({ mrkdwn, lines: of.trim() === '' ? 0 : 1 });

/** Rows that belong together (a part of the report): sections, or a context block for the portal link. */
interface Part {
  block: 'section' | 'context';
  rows: Row[];
}
const sectionOf = (rows: Row[]): Part => ({ block: 'section', rows });

/**
 * The blocks for `outcome`. `heading` is mrkdwn put first in a section of its own (the thread's opening line),
 * already escaped by the caller. Empty text gives no blocks: Slack refuses an empty section.
 */
export function outcomeBlocks(outcome: RenderableOutcome, opts: { heading?: string } = {}): SlackBlock[] {
  const parts: Part[] = [];
  if (opts.heading) parts.push(sectionOf([{ mrkdwn: opts.heading, lines: 0 }]));
  if (outcome.text.trim() === '') return opts.heading ? render(parts) : [];
  const lines = outcome.text.split('\n');
  if (outcome.kind === 'trace.completed') parts.push(...traceReportParts(lines, outcome.data));
  else parts.push(sectionOf(lines.map((l) => row(slackEscape(l)))));
  return render(parts);
}

/** A finished trace's report: the verdict, the numbers, the portal link, the series (summary.ts's layout). */
function traceReportParts(lines: string[], data: Record<string, unknown> | undefined): Part[] {
  const [first = '', ...rest] = lines;
  // Where the series list starts: its "Series (N):" heading, else (no diagnosis) its first group or bullet.
  let split = rest.findIndex((l, i) => SERIES_HEADING.test(l) || isBullet(l) || isGroupHeading(rest, i));
  if (split < 0) split = rest.length;
  const details: Row[] = [];
  let portal = typeof data?.portalUrl === 'string' && LINKABLE.test(data.portalUrl) ? data.portalUrl : undefined;
  let portalLines = 0;
  for (const line of rest.slice(0, split)) {
    const url = PORTAL_LINE.exec(line)?.[1];
    if (url && LINKABLE.test(url)) {
      portal ??= url;
      portalLines++;
      continue;
    }
    const label = DETAIL_LABEL.exec(line);
    details.push(
      row(label ? `*${slackEscape(label[1]!)}*${slackEscape(line.slice(label[1]!.length))}` : slackEscape(line), line),
    );
  }
  const series: Row[] = rest
    .slice(split)
    .map((line, i, all) =>
      row(SERIES_HEADING.test(line) || isGroupHeading(all, i) ? `*${slackEscape(line)}*` : slackEscape(line), line),
    );
  const parts: Part[] = [sectionOf([row(first.trim() === '' ? '' : bold(first), first)])];
  if (details.length) parts.push(sectionOf(details));
  // A context link rather than a button: a button posts an interaction to the app's request URL, which this
  // app does not serve; a link just opens the portal.
  if (portal)
    parts.push({
      block: 'context',
      rows: [{ mrkdwn: `<${portal}|Open this device in the ZDX portal>`, lines: portalLines }],
    });
  if (series.length) parts.push(sectionOf(series));
  return parts;
}

/** Bold mrkdwn of one line: `*` inside would end the bold, so it is shown as the look-alike `∗`. */
const bold = (line: string) => `*${slackEscape(line).replace(/\*/g, '∗')}*`;

/**
 * The parts as sections (the portal link as a context block), each section as many whole rows as fit in
 * {@link SLACK_SECTION_MAX_CHARS}, within {@link SLACK_MAX_BLOCKS} and {@link SLACK_BLOCKS_MAX_CHARS}. When they
 * do not all fit, the last block is a context block saying how many lines were left out.
 */
function render(parts: Part[]): SlackBlock[] {
  const total = parts.reduce((n, p) => n + p.rows.reduce((m, r) => m + r.lines, 0), 0);
  const blocks: SlackBlock[] = [];
  let chars = 0;
  let shown = 0;
  const room = () => ({
    blocks: SLACK_MAX_BLOCKS - blocks.length - 1,
    chars: SLACK_BLOCKS_MAX_CHARS - chars - CUT_NOTE_MAX,
  });
  const add = (block: SlackBlock, text: string, lines: number) => {
    blocks.push(block);
    chars += text.length;
    shown += lines;
  };
  outer: for (const part of parts) {
    let text = '';
    let lines = 0;
    const flush = () => {
      // Slack refuses a section with no text; blank lines alone show nothing and count for nothing.
      if (text.trim() === '') {
        text = '';
        lines = 0;
        return true;
      }
      if (room().blocks < 1 || text.length > room().chars) return false;
      add(
        part.block === 'context'
          ? { type: 'context', elements: [mrkdwn(text)] }
          : { type: 'section', text: mrkdwn(text) },
        text,
        lines,
      );
      text = '';
      lines = 0;
      return true;
    };
    for (const row of part.rows) {
      const line = clip(row.mrkdwn, SLACK_SECTION_MAX_CHARS);
      const joined = text === '' ? line : `${text}\n${line}`;
      if (joined.length <= SLACK_SECTION_MAX_CHARS && joined.length <= room().chars) {
        text = joined;
        lines += row.lines;
        continue;
      }
      if (!flush()) break outer;
      if (line.length > room().chars) break outer;
      text = line;
      lines = row.lines;
    }
    if (!flush()) break;
  }
  // The heading and the builder's own rows count for nothing; what is left out is the outcome's own lines.
  const left = total - shown;
  if (left > 0) blocks.push({ type: 'context', elements: [mrkdwn(cutNote(left))] });
  return blocks;
}

const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text });
const cutNote = (n: number) => `… and ${n} more line${n === 1 ? '' : 's'} (the full outcome is in the log)`;
/** Room kept for the cut note (the longest it can be). */
const CUT_NOTE_MAX = cutNote(Number.MAX_SAFE_INTEGER).length;

/**
 * One mrkdwn line cut to `max` characters with '…': never inside an escape (`&amp;`), a bold pair or a character
 * of two UTF-16 units, so what Slack shows is still well-formed.
 */
function clip(line: string, max: number): string {
  if (line.length <= max) return line;
  let cut = line.slice(0, max - 2);
  cut = cut.replace(/&[a-z]{0,3}$/, '');
  const code = cut.charCodeAt(cut.length - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut = cut.slice(0, -1);
  // An odd number of '*' leaves a bold open: close it.
  const stars = (cut.match(/\*/g) ?? []).length;
  return stars % 2 ? `${cut}…*` : `${cut}…`;
}
