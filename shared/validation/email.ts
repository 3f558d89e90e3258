/**
 * The one email rule of the project. The chat grammar, the Teams sender's UPN, every incident source and the
 * queue contract all accept exactly the addresses this schema accepts, so nothing an ingress acknowledges can
 * be refused by the consumer as a bad address. It is zod's email rule (no quoted local parts, no IP literals,
 * a dot-separated domain ending in a label of two or more letters): the addresses ZDX users have.
 * Addresses are compared lower-cased; {@link normaliseEmail} is where that happens.
 */
import * as z from 'zod/mini';

export const emailSchema = z.email();

/** True when `candidate` is an address by the project's rule (case-insensitive). */
export const isEmail = (candidate: string): boolean => emailSchema.safeParse(candidate).success;

/** The address lower-cased when it is one by the project's rule, otherwise undefined. */
export function normaliseEmail(candidate: string): string | undefined {
  const lower = candidate.trim().toLowerCase();
  return isEmail(lower) ? lower : undefined;
}
