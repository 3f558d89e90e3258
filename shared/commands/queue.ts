/**
 * Where commands go. ZPA policy writes must never run concurrently (ZPA answers 409), so bypass and reconcile
 * commands go to the policy queue — FIFO, one message group, consumed by the reconciler one message at a time;
 * everything else goes to the work queue. The SQS implementation is in `shared/aws/queue.ts`.
 */
import type { Command } from './contract.js';

export interface CommandQueue {
  /**
   * Puts one command on the queue; a delay (0–900 s, SQS's limit) schedules a later step without a Lambda
   * sleeping. Implementations check the command against the contract first (`serialiseCommand`).
   */
  send(command: Command, opts?: { delaySeconds?: number }): Promise<void>;
}

export const POLICY_COMMANDS: ReadonlySet<Command['type']> = new Set(['bypass.apply', 'bypass.remove', 'reconcile']);

/** One queue that sends each command to the queue its type belongs on. */
export function routeCommands(queues: { work: CommandQueue; policy: CommandQueue }): CommandQueue {
  return { send: (command, opts) => (POLICY_COMMANDS.has(command.type) ? queues.policy : queues.work).send(command, opts) };
}
