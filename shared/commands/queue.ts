/**
 * Where commands go. Each Zscaler product has one serialised consumer, behind a FIFO queue with one message
 * group: ZPA policy writes must never run concurrently (ZPA answers 409), so bypass and reconcile commands go to
 * the policy queue (the reconciler); ZDX allows 5 requests/s per IP and a budget of active traces per tenant, so
 * every deep-trace command goes to the trace queue (the trace reconciler). The rest (status, wake-ups, which
 * need a per-message delay) go to the work queue. The SQS implementation is in `shared/aws/queue.ts`.
 */
import type { Command } from './contract.js';

export interface CommandQueue {
  /**
   * Puts one command on the queue; a delay (0–900 s, SQS's limit) schedules a later step without a Lambda
   * sleeping. Implementations check the command against the contract first (`serialiseCommand`).
   */
  send(command: Command, opts?: { delaySeconds?: number }): Promise<void>;
}

export const POLICY_COMMANDS: ReadonlySet<Command['type']> = new Set([
  'bypass.apply',
  'bypass.remove',
  'window.stop',
  'window.resume',
  'maintenance.declare',
  'reconcile',
]);
export const TRACE_COMMANDS: ReadonlySet<Command['type']> = new Set(['trace.start', 'trace.stop', 'traces.reconcile']);

export type QueueName = 'work' | 'policy' | 'trace';
export const queueOf = (type: Command['type']): QueueName =>
  POLICY_COMMANDS.has(type) ? 'policy' : TRACE_COMMANDS.has(type) ? 'trace' : 'work';

/** One queue that sends each command to the queue its type belongs on. */
export function routeCommands(queues: Record<QueueName, CommandQueue>): CommandQueue {
  return { send: (command, opts) => queues[queueOf(command.type)].send(command, opts) };
}
