/**
 * The one chat command grammar, shared by Slack (`/zscaler <text>`) and Teams (`@bot <text>`):
 *
 *   help
 *   trace <email>|me [5m|15m|30m|60m]          dry-run trace …
 *   bypass <segment> <duration> <reason…>       dry-run bypass …
 *   unbypass <segment>                          dry-run unbypass …
 *   status [me|<email>…]
 *   window stop <window-id> [until-resumed] [reason…]
 *   window resume <window-id>
 *
 * Parsing is pure and never throws: a mistake yields `{ name: 'usage' }` with a message saying what was
 * wrong and the line that would have been right, so the ingress can answer at once without queueing.
 */

import { MAX_STATUS_USERS } from '../commands/contract.js';
import { SESSION_MINUTES, type SessionMinutes } from '../zdx/sessionLengths.js';
import { normaliseEmail } from '../validation/email.js';

/** `me` is resolved by the ingress (Slack users.info, the Teams sender); everything else is an email. */
export type UserRef = { me: true } | { email: string };

export type ChatCommand =
  | { name: 'help' }
  | { name: 'usage'; message: string }
  | { name: 'trace'; user: UserRef; sessionMinutes?: SessionMinutes; dryRun: boolean }
  | { name: 'bypass'; segment: string; durationMinutes: number; reason: string; dryRun: boolean }
  | { name: 'unbypass'; segment: string; dryRun: boolean }
  | { name: 'status'; users: UserRef[] }
  /** Emergency stop of a maintenance window (shared/windows/stops.ts) and lifting it. */
  | { name: 'window'; action: 'stop'; windowId: string; untilResumed: boolean; reason: string }
  | { name: 'window'; action: 'resume'; windowId: string };

const SESSION: Record<string, SessionMinutes> = {
  ...Object.fromEntries(SESSION_MINUTES.map((m) => [`${m}m`, m])),
  '1h': 60,
};
const LENGTHS = SESSION_MINUTES.map((m) => `${m}m`);

export const USAGE: Record<'trace' | 'bypass' | 'unbypass' | 'status' | 'window', string> = {
  trace: `trace <email>|me [${LENGTHS.join('|')}]`,
  bypass: 'bypass <segment> <duration, e.g. 90m or 2h> <reason>',
  unbypass: 'unbypass <segment>',
  status: `status [me|<email> …] (up to ${MAX_STATUS_USERS} users)`,
  window: 'window stop <window-id|all> [until-resumed] [reason] | window resume <window-id|all>',
};

/**
 * A window id as the windows file allows it (shared/bypass/windows.ts), or a declared maintenance's
 * (`statuspage:<id>`, `rootly:<id>`, shared/windows/declared.ts); matched case-insensitively.
 */
const WINDOW_ID = /^(?:(?:statuspage|rootly):)?[a-z0-9][a-z0-9-]{0,47}$/i;
/** The longest reason a stop records (it goes into the audit trail and status). */
export const MAX_STOP_REASON = 300;

/** The text `help` answers with; `prefix` is how the caller invokes us (`/zscaler`, `@Zscaler`). */
export function helpText(prefix: string): string {
  return [
    `Usage: ${prefix} <command>`,
    `• ${USAGE.trace} — deep trace on the user's ZDX devices (default length 5m); the summary follows here`,
    `• ${USAGE.bypass} — bypass a ZPA application segment until the duration ends`,
    `• ${USAGE.unbypass} — end an ad-hoc bypass now`,
    `• ${USAGE.status} — active bypasses (expiry, who asked) and the deep traces running or waiting (all, or the users named)`,
    `• ${USAGE.window} — emergency stop of a running maintenance window: its bypass is removed now and stays removed for the rest of that occurrence (or every occurrence, until-resumed); resume puts it back; "all" stops every window and ad-hoc bypass until "window resume all"`,
    '• dry-run trace … / dry-run bypass … / dry-run unbypass … — show what would change, change nothing',
    '• help — this list',
  ].join('\n');
}

export function parseChatCommand(text: string): ChatCommand {
  const tokens = tokenize(text);
  if (tokens === undefined) return usage('an opening quote has no closing quote');
  let [verb = 'help', ...args] = tokens;
  verb = verb.toLowerCase();
  let dryRun = false;
  if (verb === 'dry-run' || verb === 'dryrun') {
    dryRun = true;
    verb = (args.shift() ?? '').toLowerCase();
    if (verb !== 'trace' && verb !== 'bypass' && verb !== 'unbypass')
      return usage('dry-run applies to trace, bypass and unbypass, e.g. `dry-run bypass payroll-app 2h patching`');
  }
  switch (verb) {
    case 'help':
      return { name: 'help' };
    case 'trace':
      return parseTrace(args, dryRun);
    case 'bypass':
      return parseBypass(args, dryRun);
    case 'unbypass':
      if (args.length !== 1 || !args[0]!.trim()) return usage(`expected one segment`, USAGE.unbypass);
      return { name: 'unbypass', segment: args[0]!, dryRun };
    case 'status': {
      if (args.length > MAX_STATUS_USERS)
        return usage(
          `status looks at ${MAX_STATUS_USERS} users at most (each is a ZDX device search), not ${args.length}`,
          USAGE.status,
        );
      const users = args.map(userRef);
      const bad = args.find((_, i) => users[i] === undefined);
      if (bad !== undefined) return usage(`"${bad}" is not an email address or "me"`, USAGE.status);
      return { name: 'status', users: users as UserRef[] };
    }
    case 'window':
      return dryRun ? usage('dry-run does not apply to window') : parseWindow(args);
    default:
      return usage(`unknown command "${verb}"`);
  }
}

function parseTrace(args: string[], dryRun: boolean): ChatCommand {
  if (args.length < 1 || args.length > 2) return usage('expected a user and an optional length', USAGE.trace);
  const user = userRef(args[0]!);
  if (!user) return usage(`"${args[0]}" is not an email address or "me"`, USAGE.trace);
  if (args[1] === undefined) return { name: 'trace', user, dryRun };
  const sessionMinutes = SESSION[args[1].toLowerCase()];
  if (!sessionMinutes)
    return usage(
      `a trace lasts ${LENGTHS.slice(0, -1).join(', ')} or ${LENGTHS.at(-1)}, not "${args[1]}"`,
      USAGE.trace,
    );
  return { name: 'trace', user, sessionMinutes, dryRun };
}

function parseBypass(args: string[], dryRun: boolean): ChatCommand {
  const [segment, duration, ...reason] = args;
  if (!segment?.trim() || !duration || !reason.join(' ').trim())
    return usage('expected a segment, a duration and a reason', USAGE.bypass);
  const durationMinutes = parseDuration(duration);
  if (durationMinutes === undefined)
    return usage(`"${duration}" is not a duration; use minutes or hours such as 90m, 2h or 1h30m`, USAGE.bypass);
  return { name: 'bypass', segment, durationMinutes, reason: reason.join(' ').trim(), dryRun };
}

function parseWindow(args: string[]): ChatCommand {
  const [action = '', id = '', ...rest] = args;
  const act = action.toLowerCase();
  if (act !== 'stop' && act !== 'resume') return usage('expected "window stop" or "window resume"', USAGE.window);
  // `all`: every window and ad-hoc bypass, always until resumed (shared/windows/stops.ts ALL_WINDOWS).
  if (!WINDOW_ID.test(id))
    return usage(
      id
        ? `"${id}" is not a window id (lowercase letters, digits and dashes, or statuspage:<id> / rootly:<id>)`
        : 'expected a window id',
      USAGE.window,
    );
  const windowId = id.toLowerCase();
  if (act === 'resume') {
    if (rest.length) return usage('window resume takes only the window id', USAGE.window);
    return { name: 'window', action: 'resume', windowId };
  }
  const first = rest[0]?.toLowerCase();
  const saysUntilResumed = first === 'until-resumed' || (first === 'until' && rest[1]?.toLowerCase() === 'resumed');
  const untilResumed = saysUntilResumed || windowId === 'all';
  const reason = rest
    .slice(saysUntilResumed ? (first === 'until' ? 2 : 1) : 0)
    .join(' ')
    .trim();
  if (reason.length > MAX_STOP_REASON)
    return usage(`the reason is ${reason.length} characters; at most ${MAX_STOP_REASON}`, USAGE.window);
  return { name: 'window', action: 'stop', windowId, untilResumed, reason };
}

/** `90m`, `2h`, `1h30m` → minutes; a bare number is refused (minutes or hours would be a guess). */
export function parseDuration(s: string): number | undefined {
  const m = /^(?:(\d{1,3})h)?(?:(\d{1,4})m)?$/i.exec(s);
  if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
  const minutes = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  return minutes > 0 ? minutes : undefined;
}

/**
 * Slack sends `<mailto:a@b|a@b>` when the app escapes links; Teams may wrap emails in HTML (stripped
 * before parsing). Both are reduced to the address.
 */
function userRef(token: string): UserRef | undefined {
  if (token.toLowerCase() === 'me') return { me: true };
  const email = normaliseEmail(/^<mailto:([^|>]+)(?:\|[^>]*)?>$/.exec(token)?.[1] ?? token);
  return email ? { email } : undefined;
}

/** Splits on whitespace; "double" or “smart” quotes group a segment name that contains spaces. */
function tokenize(text: string): string[] | undefined {
  const out: string[] = [];
  const re = /["“”]([^"“”]*)["“”]|(\S+)/g;
  const s = text.trim();
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2]!);
  const quotes = (s.match(/["“”]/g) ?? []).length;
  return quotes % 2 === 0 ? out : undefined;
}

const usage = (message: string, line?: string): ChatCommand => ({
  name: 'usage',
  message: line ? `${message}. Usage: ${line}` : `${message}. Try "help" for the list of commands.`,
});
