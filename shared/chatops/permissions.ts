/**
 * Who may do what from chat. A grant names callers (Slack user ids and/or channel ids, Teams AAD object
 * ids and/or channel ids) and the permissions they get. Within a grant, every selector kind that is
 * present must match (users AND channels: "these people, in this channel"); within a list, any entry
 * matches. A grant without selectors for the caller's platform does not apply to it. No grant, no access:
 * the shipped file grants nothing.
 *
 * Permissions: `trace` (anyone's devices; implies `trace:self`), `trace:self` (`trace me` only), `bypass`,
 * `unbypass`, `status`, `dry-run` (dry runs of any command), `*` (everything).
 */
import * as z from 'zod/mini';
import { ConfigError } from '../errors.js';
import type { ChatCommand } from './parse.js';

export const PERMISSIONS = ['trace', 'trace:self', 'bypass', 'unbypass', 'status', 'dry-run', '*'] as const;
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
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid chat permissions in ${where}: ${problems.join('; ')}`);
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
 * The permissions that allow a command, the most specific first (that one is named in a refusal); the real
 * action covers its dry run and `trace` covers `trace me`. Undefined for help and usage, which anyone gets.
 */
export function permissionsFor(cmd: ChatCommand): readonly Permission[] | undefined {
  switch (cmd.name) {
    case 'trace': {
      const real: Permission[] = 'me' in cmd.user ? ['trace:self', 'trace'] : ['trace'];
      return cmd.dryRun ? ['dry-run', ...real] : real;
    }
    case 'bypass':
    case 'unbypass': return cmd.dryRun ? ['dry-run', cmd.name] : [cmd.name];
    case 'status': return ['status'];
    default: return undefined;
  }
}

export function isAllowed(perms: Permissions, caller: Caller, accepted: readonly Permission[]): boolean {
  return perms.grants.some((g) => appliesTo(g, caller) && g.allow.some((p) => p === '*' || accepted.includes(p)));
}

function appliesTo(g: Grant, c: Caller): boolean {
  const [users, channels] = c.platform === 'slack' ? [g.slackUsers, g.slackChannels] : [g.teamsUsers, g.teamsChannels];
  if (!users && !channels) return false;
  if (users && !users.includes(c.userId)) return false;
  if (channels && (!c.channelId || !channels.includes(c.channelId))) return false;
  return true;
}
