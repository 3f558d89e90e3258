/**
 * Who may do what from chat. A grant names callers (Slack user ids and/or channel ids, Teams AAD object
 * ids and/or channel ids) and the permissions they get. Within a grant, every selector kind that is
 * present must match (users AND channels: "these people, in this channel"); within a list, any entry
 * matches. A grant without selectors for the caller's platform does not apply to it. No grant, no access:
 * the shipped file grants nothing.
 *
 * Permissions: `trace` (anyone's devices; implies `trace:self`), `trace:self` (`trace me` only), `bypass`,
 * `unbypass`, `status`, `dry-run` (previews of ZPA changes), `window:stop` (stop and resume maintenance windows),
 * `*` (everything). The permissions of every grant
 * that applies to a caller add up.
 *
 * A command needs the right to what it *shows* as well as to what it *does*: looking at a user's devices and
 * traces needs `trace` (or `trace:self` for `me`) whether the command is a trace, its dry run or `status`
 * naming that user. So `dry-run` previews bypass/unbypass (a ZPA plan) but never widens whose devices a caller
 * sees, and the real permission always covers its own dry run.
 */
import * as z from 'zod/mini';
import { ConfigError } from '../errors.js';
import type { ChatCommand } from './grammar.js';
import { formatZodIssues } from '../validation/parse.js';

export const PERMISSIONS = [
  'trace',
  'trace:self',
  'bypass',
  'unbypass',
  'status',
  'dry-run',
  'window:stop',
  '*',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ids = z.optional(z.array(z.string().check(z.minLength(1))));
const grantSchema = z.object({
  description: z.optional(z.string()),
  slackUsers: ids,
  slackChannels: ids,
  teamsUsers: ids,
  teamsChannels: ids,
  allow: z.array(z.enum(PERMISSIONS)).check(z.minLength(1)),
});
export const permissionsSchema = z.object({ grants: z._default(z.array(grantSchema), []) });
export type Permissions = z.infer<typeof permissionsSchema>;
export type Grant = z.infer<typeof grantSchema>;

/** The caller as the chat platform identified it (from a verified request). */
export interface Caller {
  platform: 'slack' | 'teams';
  userId: string;
  userName?: string;
  channelId?: string;
}

/** Parses a permissions document; a bad one fails the cold start with the offending paths. */
export function parsePermissions(data: unknown, where: string): Permissions {
  const r = permissionsSchema.safeParse(data);
  if (!r.success) {
    throw new ConfigError(`invalid chat permissions in ${where}: ${formatZodIssues(r.error, { dotted: true })}`);
  }
  return r.data;
}

/** `CHATOPS_PERMISSIONS` (JSON) when set, else the bundled config/chatops-permissions.json. */
export function loadPermissions(envJson: string | undefined, bundled: unknown): Permissions {
  if (envJson === undefined) return parsePermissions(bundled, 'config/chatops-permissions.json');
  let data: unknown;
  try {
    data = JSON.parse(envJson);
  } catch {
    throw new ConfigError('invalid configuration: CHATOPS_PERMISSIONS: must be a JSON document');
  }
  return parsePermissions(data, 'CHATOPS_PERMISSIONS');
}

/**
 * What a command needs: every clause must be met, and a clause is met by any one of its permissions. The most
 * specific permission of a clause comes first (it is the one a refusal names).
 */
export type Requirement = readonly (readonly Permission[])[];

/**
 * The requirement of a command, or undefined for help and usage, which anyone gets.
 * - `trace <email>` and `dry-run trace <email>`: `trace` (a dry run lists the same devices);
 *   `trace me`, `dry-run trace me`: `trace:self` or `trace`.
 * - `bypass`/`unbypass`: the permission of that name; their dry runs: `dry-run` or the real one.
 * - `status` / `status me`: `status`; naming anyone else by email also needs `trace`, since it shows that
 *   user's devices and traces. (An email is "someone else" even when it is the caller's own: say `me`.)
 * - `window stop` / `window resume`: `window:stop`, a permission of its own: ending a scheduled window early
 *   overrides the reviewed windows file, which an ad-hoc `unbypass` never does.
 */
export function permissionsFor(cmd: ChatCommand): Requirement | undefined {
  switch (cmd.name) {
    case 'trace':
      return ['me' in cmd.user ? ['trace:self', 'trace'] : ['trace']];
    case 'bypass':
    case 'unbypass':
      return [cmd.dryRun ? ['dry-run', cmd.name] : [cmd.name]];
    case 'status':
      return cmd.users.some((u) => !('me' in u)) ? [['status'], ['trace']] : [['status']];
    case 'window':
      return [['window:stop']];
    default:
      return undefined;
  }
}

/** The first clause of `required` that the caller's grants do not meet; undefined when allowed. */
export function missingPermission(
  perms: Permissions,
  caller: Caller,
  required: Requirement,
): readonly Permission[] | undefined {
  const held = new Set(perms.grants.filter((g) => appliesTo(g, caller)).flatMap((g) => g.allow));
  if (held.has('*')) return undefined;
  return required.find((clause) => !clause.some((p) => held.has(p)));
}

export function isAllowed(perms: Permissions, caller: Caller, required: Requirement): boolean {
  return missingPermission(perms, caller, required) === undefined;
}

function appliesTo(g: Grant, c: Caller): boolean {
  const [users, channels] = c.platform === 'slack' ? [g.slackUsers, g.slackChannels] : [g.teamsUsers, g.teamsChannels];
  if (!users && !channels) return false;
  if (users && !users.includes(c.userId)) return false;
  if (channels && (!c.channelId || !channels.includes(c.channelId))) return false;
  return true;
}
