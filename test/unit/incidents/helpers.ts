/** Shared helpers for the webhook source tests. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { UnauthorizedError } from '../../../shared/errors.js';

/** A fixture's exact text: signatures are over bytes, so never round-trip it through JSON.parse/stringify. */
export const readFixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/webhooks/${name}`, import.meta.url), 'utf8');

/** The error `fn` throws (fails the test when it does not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

/** Asserts a 401 with the generic message, which must never hint at what was wrong. */
export function expectUnauthorized(fn: () => unknown): void {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(UnauthorizedError);
  expect((err as UnauthorizedError).message).toBe('invalid signature');
  expect((err as UnauthorizedError).statusCode).toBe(401);
}
