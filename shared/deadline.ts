/**
 * The current invocation's deadline, carried by AsyncLocalStorage so the HTTP core can bound timeouts and
 * retries by the Lambda's remaining time without every resource function passing it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const store = new AsyncLocalStorage<{ deadlineMs: number }>();

/** Runs `fn` with a deadline (epoch ms). */
export const runWithDeadline = <T>(deadlineMs: number, fn: () => Promise<T>): Promise<T> =>
  store.run({ deadlineMs }, fn);

/** The deadline of the surrounding invocation, or `fallbackMs` from now outside one (scripts, tests). */
export function currentDeadline(fallbackMs = 60_000): number {
  return store.getStore()?.deadlineMs ?? Date.now() + fallbackMs;
}

export const remainingMs = (): number => currentDeadline() - Date.now();
