import { describe, expect, it } from 'vitest';
import { parseChatCommand } from '../../../shared/chat/grammar.js';
import {
  isAllowed,
  loadPermissions,
  missingPermission,
  parsePermissions,
  permissionsFor,
  type Caller,
} from '../../../shared/chat/permissions.js';
import { ConfigError } from '../../../shared/errors.js';

const perms = parsePermissions(
  {
    grants: [
      { slackUsers: ['UADMIN'], teamsUsers: ['aad-admin'], allow: ['*'] },
      { slackUsers: ['UVIEW'], slackChannels: ['COPS'], allow: ['trace:self', 'status', 'dry-run'] },
      { slackChannels: ['CNOC'], allow: ['trace'] },
      { teamsChannels: ['19:ops'], allow: ['status'] },
    ],
  },
  'test',
);

const slack = (userId: string, channelId?: string): Caller => ({ platform: 'slack', userId, channelId });
const allowed = (caller: Caller, text: string) => isAllowed(perms, caller, permissionsFor(parseChatCommand(text))!);

describe('chat permissions', () => {
  it('lets a "*" grant do everything on its platform only', () => {
    expect(allowed(slack('UADMIN', 'CANY'), 'bypass payroll-app 1h x')).toBe(true);
    expect(allowed({ platform: 'teams', userId: 'aad-admin' }, 'unbypass jira')).toBe(true);
    expect(allowed({ platform: 'teams', userId: 'UADMIN' }, 'status')).toBe(false);
  });

  it('needs both the user and the channel when a grant names both', () => {
    expect(allowed(slack('UVIEW', 'COPS'), 'trace me')).toBe(true);
    expect(allowed(slack('UVIEW', 'CRANDOM'), 'trace me')).toBe(false);
    expect(allowed(slack('UOTHER', 'COPS'), 'trace me')).toBe(false);
  });

  it('separates trace me from tracing someone else, and dry runs from the real change', () => {
    expect(allowed(slack('UVIEW', 'COPS'), 'trace bob@corp.example')).toBe(false);
    expect(allowed(slack('UVIEW', 'COPS'), 'dry-run bypass payroll-app 1h x')).toBe(true);
    expect(allowed(slack('UVIEW', 'COPS'), 'bypass payroll-app 1h x')).toBe(false);
    expect(allowed(slack('ANYONE', 'CNOC'), 'dry-run trace me')).toBe(true);
    expect(allowed(slack('ANYONE', 'CNOC'), 'trace me')).toBe(true); // `trace` implies `trace:self`
    expect(allowed(slack('ANYONE', 'CNOC'), 'trace bob@corp.example')).toBe(true);
  });

  it("never lets a dry run or status show someone else's devices without `trace`", () => {
    const viewer = slack('UVIEW', 'COPS'); // trace:self, status, dry-run
    expect(allowed(viewer, 'dry-run trace bob@corp.example')).toBe(false);
    expect(allowed(viewer, 'dry-run trace me')).toBe(true);
    expect(allowed(viewer, 'status')).toBe(true);
    expect(allowed(viewer, 'status me')).toBe(true);
    expect(allowed(viewer, 'status bob@corp.example')).toBe(false);
    expect(allowed(viewer, 'status me bob@corp.example')).toBe(false);
    expect(missingPermission(perms, viewer, permissionsFor(parseChatCommand('status bob@corp.example'))!)).toEqual([
      'trace',
    ]);
    expect(
      missingPermission(perms, viewer, permissionsFor(parseChatCommand('dry-run trace bob@corp.example'))!),
    ).toEqual(['trace']);
  });

  it('lets the real permission cover its dry run, and adds up the permissions of every grant that applies', () => {
    const noc = slack('ANYONE', 'CNOC'); // trace only
    expect(allowed(noc, 'dry-run trace bob@corp.example')).toBe(true);
    expect(allowed(noc, 'status bob@corp.example')).toBe(false); // has trace, lacks status
    const both = parsePermissions(
      {
        grants: [
          { slackChannels: ['CNOC'], allow: ['trace'] },
          { slackUsers: ['U1'], allow: ['status'] },
        ],
      },
      'test',
    );
    expect(isAllowed(both, slack('U1', 'CNOC'), permissionsFor(parseChatCommand('status bob@corp.example'))!)).toBe(
      true,
    );
    expect(isAllowed(both, slack('U1', 'CELSE'), permissionsFor(parseChatCommand('status bob@corp.example'))!)).toBe(
      false,
    );
    const dryOnly = parsePermissions({ grants: [{ slackUsers: ['U2'], allow: ['dry-run'] }] }, 'test');
    expect(isAllowed(dryOnly, slack('U2'), permissionsFor(parseChatCommand('dry-run unbypass payroll-app'))!)).toBe(
      true,
    );
    expect(isAllowed(dryOnly, slack('U2'), permissionsFor(parseChatCommand('dry-run trace me'))!)).toBe(false);
  });

  it('refuses everyone when there is no grant, and needs nothing for help', () => {
    const none = loadPermissions('{}', { grants: [{ slackUsers: ['UADMIN'], allow: ['*'] }] });
    expect(isAllowed(none, slack('UADMIN'), [['status']])).toBe(false);
    expect(permissionsFor(parseChatCommand('help'))).toBeUndefined();
    expect(permissionsFor(parseChatCommand('nonsense'))).toBeUndefined();
  });

  it('uses the bundled document when CHATOPS_PERMISSIONS is unset', () => {
    const bundled = loadPermissions(undefined, { grants: [{ teamsChannels: ['19:x'], allow: ['status'] }] });
    expect(isAllowed(bundled, { platform: 'teams', userId: 'u', channelId: '19:x' }, [['status']])).toBe(true);
  });

  it('fails the cold start on a bad document, naming where', () => {
    expect(() => loadPermissions('not json', {})).toThrow(ConfigError);
    expect(() => loadPermissions('{"grants":[{"slackUsers":["U1"],"allow":["rm -rf"]}]}', {})).toThrow(
      /CHATOPS_PERMISSIONS: grants.0.allow.0/,
    );
    expect(() => loadPermissions(undefined, { grants: [{ slackUsers: ['U1'], allow: [] }] })).toThrow(
      /config\/chatops-permissions.json/,
    );
  });
});
