/**
 * What both chat ingress functions do once a request is verified: parse the text, check who may do it
 * (a refusal is an audit record), resolve "me", put one command on the queue, and word the immediate
 * acknowledgement. The outcome itself arrives later through the command's reply target.
 */
import { createHash } from 'node:crypto';
import { checkOf, needsReceipt } from '../commands/check.js';
import type { CommandQueue } from '../commands/queue.js';
import { commandProblem, type Command, type ReplyTarget } from '../commands/contract.js';
import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { helpText, parseChatCommand, type ChatCommand, type UserRef } from './grammar.js';
import { missingPermission, permissionsFor, type Caller, type Permissions } from './permissions.js';
import { cleanText, refusedCharacter } from '../validation/sqsText.js';

export interface IntakeDeps {
  queue: CommandQueue;
  logger: Logger;
  permissions: Permissions;
  /** The caller's own email, for `me` (platform-specific: Slack users.info, the Teams sender). */
  resolveMe: (caller: Caller) => Promise<string>;
  /** COMMAND_CHECK_DELAY_SECONDS: each acknowledged command's check follows this much later (0 or absent: none). */
  checkDelaySeconds?: number;
}

export interface ChatRequest {
  caller: Caller;
  text: string;
  /** The platform's id of this request (Slack trigger_id, Teams activity id): same request, same command id. */
  requestId: string;
  reply?: ReplyTarget;
  /** How users invoke us, for help texts: `/zscaler`, `@Zscaler`. */
  prefix: string;
}

export type IntakeAnswer =
  | { status: 'accepted'; text: string; commandId: string; command: Command['type'] }
  | { status: 'answered' | 'refused' | 'failed'; text: string };

export const chatCommandId = (platform: string, requestId: string) =>
  `chat_${createHash('sha256').update(`${platform}:${requestId}`).digest('hex').slice(0, 24)}`;

export async function handleChatRequest(raw: ChatRequest, deps: IntakeDeps): Promise<IntakeAnswer> {
  const parsed = parseChatCommand(raw.text);
  if (parsed.name === 'help') return { status: 'answered', text: helpText(raw.prefix) };
  if (parsed.name === 'usage') return { status: 'answered', text: `${parsed.message}\n\n${helpText(raw.prefix)}` };
  const safe = queueSafe(parsed, raw);
  if ('problem' in safe)
    return {
      status: 'answered',
      text: `That cannot be done as typed: ${safe.problem}. Type it again without that character.`,
    };
  const { cmd, req } = safe;

  const id = chatCommandId(req.caller.platform, req.requestId);
  const by = `${req.caller.platform}:${req.caller.userId}`;
  const missing = missingPermission(deps.permissions, req.caller, permissionsFor(cmd)!);
  if (missing) {
    const needs = `needs the "${missing[0]}" permission`;
    deps.logger.audit({
      action: `chatops.${cmd.name}`,
      trigger: { kind: req.caller.platform, id, by },
      target: { text: req.text.slice(0, 200), channel: req.caller.channelId },
      result: 'refused',
      reason: needs,
    });
    const what = `${'dryRun' in cmd && cmd.dryRun ? 'dry-run ' : ''}${cmd.name}${cmd.name === 'trace' && 'me' in cmd.user ? ' me' : ''}${cmd.name === 'window' ? ` ${cmd.action}` : ''}`;
    // Someone allowed to look at their own devices only is told how to do that.
    const hint =
      missing[0] === 'trace' && (cmd.name === 'status' || cmd.name === 'trace')
        ? ' for other users; for yourself, say "me"'
        : '';
    return {
      status: 'refused',
      text: `Sorry, you may not run "${what}" here (it ${needs}${hint}). This refusal is logged; ask the Zscaler automation owners if you need it.`,
    };
  }

  let command: Command;
  try {
    command = await toCommand(cmd, req, id, (u) => ('me' in u ? deps.resolveMe(req.caller) : Promise.resolve(u.email)));
  } catch (e) {
    // Only our own, exposable errors (no email in the profile, Slack slow): say so and enqueue nothing.
    if (!isAppError(e) || !e.expose) throw e;
    deps.logger.warn('chat command not enqueued', { commandId: id, by, error: e });
    return { status: 'failed', text: `Could not do that: ${e.message}.` };
  }
  // The consumer accepts exactly what the contract accepts: anything else is answered now, never acknowledged.
  const problem = commandProblem(command);
  if (problem)
    return { status: 'answered', text: `That cannot be done as asked (${problem}).\n\n${helpText(req.prefix)}` };
  await deps.queue.send(command);
  deps.logger.info('chat command enqueued', { commandId: id, type: command.type, by, channel: req.caller.channelId });
  await sendCheck(command, deps);
  const later = req.reply
    ? 'the result follows here'
    : 'no reply channel is configured, so the result goes to the log and the report callback only';
  return { status: 'accepted', commandId: id, command: command.type, text: `${ackText(command)} (${later}).` };
}

/**
 * The command is queued: its check follows, so that losing it on the queue is heard by the requester. A check
 * that cannot be sent leaves the command as every command was before checks: logged at error, not refused (it
 * is queued; refusing now would say it failed when it may well be done).
 */
async function sendCheck(command: Command, deps: IntakeDeps): Promise<void> {
  if (!deps.checkDelaySeconds || !needsReceipt(command) || !('requestedBy' in command)) return;
  try {
    await deps.queue.send(checkOf(command), { delaySeconds: deps.checkDelaySeconds });
  } catch (e) {
    deps.logger.error('the check of a queued chat command could not be sent', { commandId: command.id, error: e });
  }
}

/** What a free-text reason may hold once cleaned (a ZPA description takes less: the marker cuts it further). */
const MAX_REASON_CHARS = 1000;
/** The caller's display name as it travels with the command (who asked). */
const MAX_NAME_CHARS = 100;

type Actionable = Exclude<ChatCommand, { name: 'help' | 'usage' }>;

/**
 * The request with nothing a queue message cannot carry (shared/validation/sqsText.ts), handled as incidents
 * handle it: free text (the reason, the caller's display name) loses such characters; an identifier holding one
 * (a segment name, the caller's or the channel's id, the reply URL) is refused with what was wrong, because a
 * repaired name would name something else. SQS would otherwise refuse the send, the function would answer 500
 * and the platform would retry the same request.
 */
function queueSafe(cmd: Actionable, req: ChatRequest): { cmd: Actionable; req: ChatRequest } | { problem: string } {
  const ids: [string, string | undefined][] = [
    ['your user id', req.caller.userId],
    ['the channel id', req.caller.channelId],
    ['the reply address', req.reply && ('responseUrl' in req.reply ? req.reply.responseUrl : req.reply.url)],
  ];
  if (cmd.name === 'bypass' || cmd.name === 'unbypass')
    ids.unshift([`the segment name "${cleanText(cmd.segment, 60)}"`, cmd.segment]);
  for (const [what, value] of ids) {
    const bad = value === undefined ? undefined : refusedCharacter(value);
    if (bad) return { problem: `${what} holds ${bad}, a character that cannot be sent on` };
  }
  const userName =
    req.caller.userName === undefined ? undefined : cleanText(req.caller.userName, MAX_NAME_CHARS) || undefined;
  const cleanReq = { ...req, caller: { ...req.caller, userName } };
  if (cmd.name === 'window' && cmd.action === 'stop')
    return { cmd: { ...cmd, reason: cleanText(cmd.reason, MAX_REASON_CHARS) }, req: cleanReq };
  if (cmd.name !== 'bypass') return { cmd, req: cleanReq };
  const reason = cleanText(cmd.reason, MAX_REASON_CHARS);
  if (reason === '') return { problem: 'the reason holds nothing but characters that cannot be sent on' };
  return { cmd: { ...cmd, reason }, req: cleanReq };
}

async function toCommand(
  cmd: Actionable,
  req: ChatRequest,
  id: string,
  email: (u: UserRef) => Promise<string>,
): Promise<Command> {
  const requestedBy = { kind: req.caller.platform, id: req.caller.userId, name: req.caller.userName };
  const common = { id, requestedBy, reply: replyFor(cmd, req.reply) };
  switch (cmd.name) {
    case 'trace':
      return {
        ...common,
        type: 'trace.start',
        // The session name carries this ref (zea:slack:chat-…), which is how checks find the trace again.
        incident: {
          source: req.caller.platform,
          incidentId: `chat-${id.slice(5, 17)}`,
          title: `trace requested by ${req.caller.userName ?? req.caller.userId}`,
        },
        userEmails: [await email(cmd.user)],
        sessionMinutes: cmd.sessionMinutes,
        dryRun: cmd.dryRun || undefined,
      };
    case 'bypass':
      return {
        ...common,
        type: 'bypass.apply',
        segment: cmd.segment,
        durationMinutes: cmd.durationMinutes,
        reason: cmd.reason,
        dryRun: cmd.dryRun,
        requestedAt: new Date().toISOString(),
      };
    case 'unbypass':
      return {
        ...common,
        type: 'bypass.remove',
        segment: cmd.segment,
        dryRun: cmd.dryRun,
        requestedAt: new Date().toISOString(),
      };
    case 'status': {
      const emails = [...new Set(await Promise.all(cmd.users.map(email)))];
      return { ...common, type: 'status', userEmails: emails.length ? emails : undefined };
    }
    case 'window':
      return cmd.action === 'stop'
        ? {
            ...common,
            type: 'window.stop',
            windowId: cmd.windowId,
            reason: cmd.reason,
            untilResumed: cmd.untilResumed || undefined,
            requestedAt: new Date().toISOString(),
          }
        : { ...common, type: 'window.resume', windowId: cmd.windowId, requestedAt: new Date().toISOString() };
  }
}

/**
 * Status and dry-run results name devices, trace ids and what would change: in Slack they go to the caller
 * only (ephemeral), not to the channel. Real traces and changes stay visible to the channel. Teams has no
 * per-user reply through a Workflows URL, so there the permissions alone decide who can see what.
 */
function replyFor(
  cmd: Exclude<ChatCommand, { name: 'help' | 'usage' }>,
  reply: ReplyTarget | undefined,
): ReplyTarget | undefined {
  const isPrivate = cmd.name === 'status' || ('dryRun' in cmd && cmd.dryRun);
  return reply?.kind === 'slack' && isPrivate ? { ...reply, responseType: 'ephemeral' } : reply;
}

function ackText(c: Command): string {
  switch (c.type) {
    case 'trace.start':
      return `${c.dryRun ? 'Dry run: checking what a' : 'Starting a'} ${c.sessionMinutes ?? 'default-length'}${c.sessionMinutes ? '-minute' : ''} deep trace for ${c.userEmails.join(', ')}${c.dryRun ? ' would do' : ''}`;
    case 'bypass.apply':
      return `${c.dryRun ? 'Dry run: checking what bypassing' : 'Bypassing'} ${c.segment} for ${c.durationMinutes} minutes${c.dryRun ? ' would change' : ''}`;
    case 'bypass.remove':
      return `${c.dryRun ? 'Dry run: checking what ending' : 'Ending'} the bypass of ${c.segment}${c.dryRun ? ' would change' : ''}`;
    case 'window.stop':
      return `Stopping maintenance window ${c.windowId}${c.untilResumed ? ' until resumed' : ''}`;
    case 'window.resume':
      return `Resuming maintenance window ${c.windowId}`;
    case 'status':
      return `Collecting the status${c.userEmails ? ` (traces of ${c.userEmails.join(', ')})` : ''}`;
    default:
      return `Working on ${c.type}`;
  }
}
