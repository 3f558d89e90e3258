/**
 * Running one queued command with its report, the same way in both workers: permanent failures (bad input,
 * unknown user, no device) are reported back to where the command came from and end it; transient ones are
 * thrown so SQS redelivers the message (and after maxReceiveCount the redrive policy moves it to the DLQ).
 */
import { AppError, isRetryable } from '../errors.js';
import { isCredentialRefusal } from '../zscaler/errors.js';
import type { Logger } from '../logger.js';
import type { Reporter } from '../reporting/reporter.js';
import { needsReceipt } from './check.js';
import { type Command, describeCommand, PoisonMessageError, parseCommand } from './contract.js';
import type { CommandReceipts } from './receipts.js';

export interface RunDeps {
  reporter: Reporter;
  logger: Logger;
  /**
   * Receipts of chat commands (receipts.ts): each is recorded before it is acted on, and one already reported
   * lost is refused. Absent: no receipts are kept (the checks then find none and report every command lost, so
   * a deployment keeps both or neither).
   */
  receipts?: CommandReceipts;
}

/** Runs one command's action; permanent failures are reported back and end the command. */
export async function runReported<T>(
  command: Command,
  deps: RunDeps,
  action: (logger: Logger) => Promise<T>,
): Promise<T | { failed: string }> {
  const log = deps.logger.child({ commandId: command.id, commandType: command.type });
  try {
    return await action(log);
  } catch (e) {
    if (isRetryable(e)) throw e;
    // Our credentials, not the command: logged as an error (the zscaler-auth alarm already counts it), and the
    // requester is told it is the tool's fault and that asking again after the fix is safe. Kept in the queue it
    // would only fail again (and hold the policy queue's one message group) until someone fixes the secret.
    const credentials = isCredentialRefusal(e);
    if (credentials) log.error('Zscaler refused the credentials; the command was not run', { error: e });
    // Permanent: retrying cannot help. Say so where the request came from, then finish the message.
    else log.warn('command failed permanently', { error: e });
    const message = credentials
      ? "Zscaler refused this tool's credentials (the operators are alerted); ask again once they are fixed"
      : e instanceof AppError
        ? e.message
        : String(e);
    await deps.reporter.report(
      {
        kind: `${command.type}.failed`,
        ok: false,
        text: `Could not ${describeCommand(command)}: ${message}`,
        data: { commandId: command.id },
      },
      command.reply,
    );
    return { failed: message };
  }
}

/**
 * A queue message → its command. A message that is not a command can never succeed: the requester is told
 * (once, on its first delivery) when it named a reply target, and the error is thrown on so the work queue's
 * redrive policy dead-letters it. The FIFO policy queue's consumer passes `onPoison: 'drop'` instead, so one
 * bad message never holds the only message group for more than one delivery.
 */
export async function commandOfMessage(
  body: string,
  meta: { receiveCount: number; onPoison: 'throw' | 'drop' },
  deps: RunDeps,
): Promise<Command | undefined> {
  let command: Command;
  try {
    command = parseCommand(body);
  } catch (e) {
    if (!(e instanceof PoisonMessageError)) throw e;
    if (meta.receiveCount <= 1 && e.reply) {
      await deps.reporter
        .report(
          {
            kind: 'command.invalid',
            ok: false,
            text: `Could not do that: the request was not a valid command (${e.message}).`,
          },
          e.reply,
        )
        .catch((err: unknown) => deps.logger.warn('could not report an invalid command', { error: err }));
    }
    if (meta.onPoison === 'throw') throw e;
    // Given up on without a DLQ (it would hold the FIFO group): counted as one, for the dead-letters alarm.
    deps.logger.metric('DeadLetters');
    deps.logger.error('invalid command dropped', { error: e });
    return undefined;
  }
  const receipt =
    deps.receipts && needsReceipt(command) ? await receive(command, meta, deps.receipts, deps) : undefined;
  if (receipt === 'unrecorded') return undefined;
  if (receipt === 'lost') {
    // Its check came first and the requester heard that nothing was done: doing it now would contradict that.
    deps.logger.warn('a command arrived after it was reported lost; not carried out', {
      commandId: command.id,
      commandType: command.type,
    });
    await deps.reporter.report(
      {
        kind: `${command.type}.late`,
        ok: false,
        text: `Your request to ${describeCommand(command)} arrived after it was reported lost, so it was not carried out. Ask again if you still need it.`,
        data: { commandId: command.id },
      },
      command.reply,
    );
    return undefined;
  }
  return command;
}

/**
 * The command's receipt (receipts.ts), or `unrecorded` when it could not be recorded on a FIFO queue: there a
 * redelivery would hold the only message group (every reconcile behind it) for as long as DynamoDB is down, so the
 * requester is told nothing was done and the message ends; the work queue's consumer throws for a redelivery.
 */
async function receive(
  command: Command,
  meta: { onPoison: 'throw' | 'drop' },
  receipts: CommandReceipts,
  deps: RunDeps,
): Promise<'received' | 'lost' | 'unrecorded'> {
  try {
    return (await receipts.claim(command.id, 'received')).state;
  } catch (e) {
    if (meta.onPoison === 'throw') throw e;
    deps.logger.error('the receipt of a command could not be recorded; it was not carried out', {
      commandId: command.id,
      error: e,
    });
    await deps.reporter
      .report(
        {
          kind: `${command.type}.failed`,
          ok: false,
          text: `Could not ${describeCommand(command)}: the tool could not record the request (${(e as Error).message}); nothing was done, ask again in a minute.`,
          data: { commandId: command.id },
        },
        command.reply,
      )
      .catch((err: unknown) => deps.logger.warn('could not report an unrecorded command', { error: err }));
    return 'unrecorded';
  }
}
