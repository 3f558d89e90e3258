/**
 * The seeded tenant. IDs come from the store's counter in a fixed order, so they are identical after every
 * reset(): microtenant …300001, policy sets …300002-5 (ACCESS, TIMEOUT, CLIENT_FORWARDING, ISOLATION),
 * default rules …300006-8, "Existing intercept rule" …300009, connector groups …300010-11, server groups
 * …300012-13, segment groups …300014-17, segments …300018-77 (prefix 216196257331).
 */
import { POLICY_TYPES, DEFAULT_RULE_NAME, type PolicyTypeName } from './policy-types.js';
import { SEGMENT_DEFAULTS } from './segment-model.js';
import type { PortRange, Rule, Store } from './store.js';

const DAY = 86_400;
const port = (from: number, to = from): PortRange => ({ from: String(from), to: String(to) });

interface SegmentSeed {
  name: string;
  group: number;
  domain: string;
  tcp: PortRange[];
  description?: string;
}

const NAMED: SegmentSeed[] = [
  {
    name: 'payroll-app',
    group: 0,
    domain: 'payroll.corp.example.com',
    tcp: [port(443)],
    description: 'Payroll (ADP bridge)',
  },
  {
    name: 'hr-portal',
    group: 2,
    domain: 'hr.corp.example.com',
    tcp: [port(443), port(8443)],
    description: 'HR self-service portal',
  },
  { name: 'jira', group: 1, domain: 'jira.eng.example.com', tcp: [port(443)], description: 'Issue tracker' },
  {
    name: 'gitlab',
    group: 1,
    domain: 'gitlab.eng.example.com',
    tcp: [port(22), port(443)],
    description: 'Source control',
  },
  {
    name: 'erp-finance',
    group: 0,
    domain: 'erp.fin.example.com',
    tcp: [port(443), port(8000, 8010)],
    description: 'ERP finance module',
  },
];

/** `bulkSegments`: how many app-NNN segments to seed (default 55; benchmarks ask for more). */
export function seed(store: Store, opts: { bulkSegments?: number } = {}): void {
  const at = String(store.nowSec() - 30 * DAY);
  const subsidiary = store.newId();
  store.microtenants.set(subsidiary, { id: subsidiary, name: 'Subsidiary-EU' });

  const sets = {} as Record<PolicyTypeName, string>;
  for (const [typeName, info] of Object.entries(POLICY_TYPES) as [
    PolicyTypeName,
    (typeof POLICY_TYPES)[PolicyTypeName],
  ][]) {
    const ps = {
      ...store.meta('0', at),
      name: info.setName,
      description: info.description,
      typeName,
      policyType: info.code,
      ruleIds: [],
    };
    store.policySets.set(ps.id, ps);
    sets[typeName] = ps.id;
  }
  const addRule = (typeName: PolicyTypeName, fields: Partial<Rule> & Pick<Rule, 'name' | 'action'>): Rule => {
    const ps = store.policySets.get(sets[typeName])!;
    const rule: Rule = {
      ...store.meta('0', at),
      policySetId: ps.id,
      disabled: '0',
      defaultRule: false,
      conditions: [],
      appServerGroupIds: [],
      appConnectorGroupIds: [],
      extras: {},
      extranetEnabled: false,
      ...fields,
    };
    store.rules.set(rule.id, rule);
    // User rules go before a default rule that is already there.
    const last = ps.ruleIds.at(-1);
    const beforeDefault = last !== undefined && store.rules.get(last)?.defaultRule;
    ps.ruleIds.splice(beforeDefault ? ps.ruleIds.length - 1 : ps.ruleIds.length, 0, rule.id);
    return rule;
  };
  for (const typeName of ['TIMEOUT_POLICY', 'CLIENT_FORWARDING_POLICY', 'ISOLATION_POLICY'] as const) {
    const d = POLICY_TYPES[typeName].defaultRule!;
    addRule(typeName, {
      name: DEFAULT_RULE_NAME,
      action: d.action,
      description: d.description,
      defaultRule: true,
      extras: { ...d.extras },
    });
  }
  const existing = addRule('CLIENT_FORWARDING_POLICY', {
    name: 'Existing intercept rule',
    action: 'INTERCEPT',
    description: 'Send Client Connector traffic to ZPA',
  });
  existing.conditions = [
    {
      id: store.newConditionId(),
      creationTime: at,
      modifiedTime: at,
      modifiedBy: existing.modifiedBy,
      operator: 'OR',
      negated: false,
      operands: [
        {
          id: store.newConditionId(),
          creationTime: at,
          modifiedTime: at,
          modifiedBy: existing.modifiedBy,
          objectType: 'CLIENT_TYPE',
          lhs: 'id',
          rhs: 'zpn_client_type_zapp',
        },
      ],
    },
  ];

  const acgs = ['DC1-Connectors', 'AWS-USE1-Connectors'].map((name, i) => {
    const location = i === 0 ? 'San Jose, CA, USA' : 'Ashburn, VA, USA';
    const g = {
      ...store.meta('0', at),
      fields: {
        name,
        enabled: true,
        description: `${name} group`,
        versionProfileId: '0',
        overrideVersionProfile: false,
        location,
        dnsQueryType: 'IPV4_IPV6',
        tcpQuickAckApp: false,
        tcpQuickAckAssistant: false,
        tcpQuickAckReadAssistant: false,
        praEnabled: false,
      },
    };
    store.connectorGroups.set(g.id, g);
    return g.id;
  });
  const serverGroups = ['DC1 Servers', 'AWS us-east-1 Servers'].map((name, i) => {
    const sg = {
      ...store.meta('0', at),
      name,
      description: `Servers reached through ${i === 0 ? 'DC1' : 'AWS us-east-1'}`,
      enabled: true,
      ipAnchored: false,
      configSpace: 'DEFAULT',
      extranetEnabled: false,
      dynamicDiscovery: true,
      connectorGroupIds: [acgs[i]!],
    };
    store.serverGroups.set(sg.id, sg);
    return sg.id;
  });
  const groups = ['Finance Apps', 'Engineering', 'Corporate', 'Subsidiary EU Apps'].map((name, i) => {
    const g = {
      ...store.meta(i === 3 ? subsidiary : '0', at),
      name,
      description: `${name} segment group`,
      enabled: true,
      configSpace: 'DEFAULT',
      tcpKeepAliveEnabled: '0',
    };
    store.segmentGroups.set(g.id, g);
    return g.id;
  });

  // app-001…app-053 spread over the three Default groups for paging/bulk tests; app-054/055 live in the
  // Subsidiary-EU microtenant so the microtenantId filter has something to separate; any more (benchmarks) go
  // back to the Default groups.
  const bulk: SegmentSeed[] = Array.from({ length: opts.bulkSegments ?? 55 }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    const group = i === 53 || i === 54 ? 3 : i % 3;
    return { name: `app-${n}`, group, domain: `app-${n}.apps.example.internal`, tcp: [port(443)] };
  });
  [...NAMED, ...bulk].forEach((s, i) => {
    const seg = {
      ...store.meta(s.group === 3 ? subsidiary : '0', at),
      name: s.name,
      description: s.description,
      domainNames: [s.domain],
      segmentGroupId: groups[s.group]!,
      serverGroupIds: [serverGroups[i % 2]!],
      tcp: s.tcp,
      udp: [],
      settings: { ...SEGMENT_DEFAULTS, enabled: true, healthReporting: 'ON_ACCESS' },
    };
    store.segments.set(seg.id, seg);
  });
}
