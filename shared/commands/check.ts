/**
 * The ingress half of the receipts protocol (receipts.ts), kept free of the DynamoDB client so the chat
 * functions stay small: which commands get a check, and the check itself.
 */
import { type Command, type CommandCheck, describeCommand } from './contract.js';

/** A command a person is waiting for: sent from chat, with a reply target or not. */
export const needsReceipt = (c: Command): boolean =>
  c.type !== 'command.check' &&
  'requestedBy' in c &&
  (c.requestedBy.kind === 'slack' || c.requestedBy.kind === 'teams');

/** The check the ingress sends beside `command`, on the work queue, delayed. */
export function checkOf(command: Command & { requestedBy: CommandCheck['requestedBy'] }): CommandCheck {
  return {
    id: `check-${command.id}`,
    type: 'command.check',
    commandId: command.id,
    about: describeCommand(command).slice(0, 300),
    requestedBy: command.requestedBy,
    reply: command.reply,
    correlationId: command.correlationId ?? command.id,
  };
}
