/**
 * The four simulated policy types: path names, aliases and numeric codes (docs/zscaler-api.md §2.8 table), the actions
 * each accepts, and their default rule. Only TIMEOUT, CLIENT_FORWARDING and ISOLATION have a default rule;
 * ACCESS_POLICY lists show none [rec].
 */
export type PolicyTypeName = 'ACCESS_POLICY' | 'TIMEOUT_POLICY' | 'CLIENT_FORWARDING_POLICY' | 'ISOLATION_POLICY';

export interface PolicyTypeInfo {
  code: string;
  setName: string;
  description: string;
  aliases: string[];
  actions: string[];
  defaultAction: string;
  defaultRule?: { action: string; description: string; extras?: Record<string, string> };
}

export const POLICY_TYPES: Record<PolicyTypeName, PolicyTypeInfo> = {
  ACCESS_POLICY: {
    code: '1',
    setName: 'Global_Policy',
    description: 'The rules in this policy set are executed first.',
    aliases: ['GLOBAL_POLICY'],
    actions: ['ALLOW', 'DENY', 'REQUIRE_APPROVAL'],
    defaultAction: 'ALLOW',
  },
  TIMEOUT_POLICY: {
    code: '2',
    setName: 'ReAuth_Policy',
    description: 'Reauthentication policies.',
    aliases: ['REAUTH_POLICY'],
    actions: ['RE_AUTH'],
    defaultAction: 'RE_AUTH',
    defaultRule: {
      action: 'RE_AUTH',
      description: 'This is the default Timeout Policy rule',
      extras: { reauthTimeout: '172800', reauthIdleTimeout: '600' },
    },
  },
  CLIENT_FORWARDING_POLICY: {
    code: '4',
    setName: 'Bypass_Policy',
    description: 'Bypass policies.',
    aliases: ['BYPASS_POLICY'],
    // The doc seed misspells INTERCEPT_ACCESIBLE; the API and the Terraform provider use the correct spelling.
    actions: ['INTERCEPT', 'INTERCEPT_ACCESSIBLE', 'BYPASS'],
    defaultAction: 'INTERCEPT',
    defaultRule: { action: 'INTERCEPT', description: 'This is the default Client Forwarding Policy rule' },
  },
  ISOLATION_POLICY: {
    code: '5',
    setName: 'Isolation_Policy',
    description: 'Isolation policies.',
    aliases: [],
    actions: ['ISOLATE', 'BYPASS_ISOLATE'],
    defaultAction: 'ISOLATE',
    defaultRule: { action: 'BYPASS_ISOLATE', description: 'This is the default Isolation Policy rule' },
  },
};

export const DEFAULT_RULE_NAME = 'Default_Rule';

/** Accepts the path name, its alias (BYPASS_POLICY = CLIENT_FORWARDING_POLICY) or the numeric code ("4"). */
export function resolvePolicyType(value: string): PolicyTypeName | undefined {
  const v = value.toUpperCase();
  for (const [name, info] of Object.entries(POLICY_TYPES) as [PolicyTypeName, PolicyTypeInfo][]) {
    if (name === v || info.code === v || info.aliases.includes(v)) return name;
  }
  return undefined;
}
