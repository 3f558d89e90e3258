/**
 * The worker's one domain entry: validate a queued command and run its action. Permanent failures (bad
 * input, unknown user, no device) are reported back and end the command; transient ones are thrown so
 * SQS redelivers the message, and after maxReceiveCount the redrive policy moves it to the DLQ. A message
 * that is not a valid command is thrown too: it can never succeed, and the DLQ is where it belongs.
 */
import { commandSchema, type Command } from '../commands.js';
import { AppError, isRetryable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Reporter } from '../report.js';
import { parseJsonBody, formatZodIssues } from '../sources/incident.js';
import { checkIncidentTrace } from './traces/check.js';
import type { TraceDeps } from './traces/deps.js';
import { startIncidentTraces } from './traces/start.js';
import { stopIncidentTraces } from './traces/stop.js';

export class PoisonMessageError extends AppError {
  constructor(message: string) {
    super('poison_message', message, 400, false);
  }
}

export function parseCommand(body: string): Command {
  let data: unknown;
  try {
    data = parseJsonBody(body, 'queue message');
  } catch (e) {
    throw new PoisonMessageError((e as Error).message);
  }
  const r = commandSchema.safeParse(data);
  if (!r.success) throw new PoisonMessageError(`not a valid command: ${formatZodIssues(r.error)}`);
  return r.data;
}

/** Runs one command's action; permanent failures are reported back and end the command. */
export async function runReported<T>(
  command: Command,
  deps: { reporter: Reporter; logger: Logger },
  action: (logger: Logger) => Promise<T>,
): Promise<T | { failed: string }> {
  const log = deps.logger.child({ commandId: command.id, commandType: command.type });
  try {
    return await action(log);
  } catch (e) {
    if (isRetryable(e)) throw e;
    // Permanent: retrying cannot help. Say so where the request came from, then finish the message.
    log.warn('command failed permanently', { error: e });
    const message = e instanceof AppError ? e.message : String(e);
    await deps.reporter.report({ kind: `${command.type}.failed`, ok: false, text: `Could not ${describe(command)}: ${message}`, data: { commandId: command.id } }, command.reply);
    return { failed: message };
  }
}

/** The deep-trace worker's commands. */
export async function runTraceCommand(command: Command, deps: TraceDeps): Promise<unknown> {
  return runReported(command, deps, async (logger) => {
    const scoped = { ...deps, logger };
    switch (command.type) {
      case 'trace.start': {
        const results = await startIncidentTraces(command, scoped);
        // A redelivery that found only its own traces already running has nothing new to say.
        if (results.every((r) => r.result === 'already-tracing')) return results;
        const text = results.map((r) => `${r.deviceName}: ${r.result}${r.result === 'started' ? ` (trace ${r.traceId})` : r.result === 'would-start' && r.appName ? ` (app ${r.appName})` : ''}`).join('; ');
        // A chat trace has no incident a person would recognise: name the user instead.
        const subject = command.requestedBy.kind === 'slack' || command.requestedBy.kind === 'teams' ? command.userEmails.join(', ') : command.incident.incidentId;
        await deps.reporter.report({ kind: command.dryRun ? 'trace.dry-run' : 'trace.started', ok: true, text: `${command.dryRun ? 'Dry run: would start a deep trace' : 'Deep trace'} for ${subject} — ${text}`, data: { incident: command.incident, results } }, command.reply);
        return results;
      }
      case 'trace.check':
        return checkIncidentTrace(command, scoped);
      case 'trace.stop':
        return stopIncidentTraces(command, scoped);
      default:
        throw new PoisonMessageError(`the trace worker does not handle ${command.type}; it belongs on the policy queue`);
    }
  });
}

function describe(c: Command): string {
  switch (c.type) {
    case 'trace.start': return `start a deep trace for ${c.userEmails.join(', ')}`;
    case 'trace.stop': return `stop the deep trace for ${c.incident.incidentId}`;
    case 'trace.check': return `check trace ${c.traceId}`;
    case 'bypass.apply': return `bypass ${c.segment}`;
    case 'bypass.remove': return `end the bypass of ${c.segment}`;
    case 'status': return 'show the status';
    case 'reconcile': return 'reconcile maintenance windows';
  }
}
