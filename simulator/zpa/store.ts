/**
 * In-memory ZPA tenant. Objects are kept in a normalised internal form; the `*-model.ts` files render them
 * into the exact response shapes the recordings show. IDs are 18-digit strings from a BigInt counter (ZPA
 * ids exceed 2^53, docs/zscaler-api.md §5.2, so they are never JS numbers); timestamps are epoch-second strings.
 */
import type { SimClock } from '../clock.js';
import { errors, fail } from './errors.js';
import { DEFAULT_MICROTENANT_ID } from './query.js';
import type { PolicyTypeName } from './policy-types.js';

/** Every simulated change is made by this admin (`modifiedBy` is an id string). */
export const SIM_ADMIN_ID = '216196257331281921';
const FIRST_ID = 216196257331300001n;
/** Condition and operand ids are shorter (recorded: "46277375"). */
const FIRST_CONDITION_ID = 46300001;

export interface Meta {
  id: string;
  creationTime: string;
  modifiedTime: string;
  modifiedBy: string;
  microtenantId: string;
}

export interface PortRange {
  from: string;
  to: string;
}

export interface Segment extends Meta {
  name: string;
  description?: string;
  domainNames: string[];
  segmentGroupId: string;
  serverGroupIds: string[];
  tcp: PortRange[];
  udp: PortRange[];
  /** The flat flags/enums with defaults (see SEGMENT_DEFAULTS in segment-model.ts). */
  settings: Record<string, string | boolean>;
}

export interface SegmentGroup extends Meta {
  name: string;
  description?: string;
  enabled: boolean;
  configSpace: string;
  tcpKeepAliveEnabled: string;
}

export interface ServerGroup extends Meta {
  name: string;
  description?: string;
  enabled: boolean;
  ipAnchored: boolean;
  configSpace: string;
  extranetEnabled: boolean;
  dynamicDiscovery: boolean;
  connectorGroupIds: string[];
}

export interface ConnectorGroup extends Meta {
  /** name, enabled, description, location, ... exactly as accepted; rendered back with derived fields. */
  fields: Record<string, unknown>;
}

export interface Microtenant {
  id: string;
  name: string;
}

export interface PolicySet extends Meta {
  name: string;
  description: string;
  typeName: PolicyTypeName;
  policyType: string;
  /** Rule ids in ruleOrder; the default rule (when the type has one) is always last. */
  ruleIds: string[];
}

export interface Operand {
  id: string;
  objectType: string;
  lhs: string;
  rhs: string;
  idpId?: string;
  creationTime: string;
  modifiedTime: string;
  modifiedBy: string;
}

export interface Condition {
  id: string;
  operator: string;
  negated: boolean;
  operands: Operand[];
  creationTime: string;
  modifiedTime: string;
  modifiedBy: string;
}

export interface Rule extends Meta {
  policySetId: string;
  name: string;
  description?: string;
  action: string;
  customMsg?: string;
  disabled: string;
  defaultRule: boolean;
  conditions: Condition[];
  appServerGroupIds: string[];
  appConnectorGroupIds: string[];
  /** Type-specific string fields: reauthTimeout, reauthIdleTimeout, zpnIsolationProfileId, ... */
  extras: Record<string, string>;
  extranetEnabled: boolean;
}

export class Store {
  readonly microtenants = new Map<string, Microtenant>();
  readonly segments = new Map<string, Segment>();
  readonly segmentGroups = new Map<string, SegmentGroup>();
  readonly serverGroups = new Map<string, ServerGroup>();
  readonly connectorGroups = new Map<string, ConnectorGroup>();
  readonly policySets = new Map<string, PolicySet>();
  readonly rules = new Map<string, Rule>();
  private nextId = FIRST_ID;
  private nextConditionId = FIRST_CONDITION_ID;

  constructor(private readonly clock: SimClock) {
    this.microtenants.set(DEFAULT_MICROTENANT_ID, { id: DEFAULT_MICROTENANT_ID, name: 'Default' });
  }

  newId(): string {
    const id = this.nextId;
    this.nextId += 1n;
    return id.toString();
  }

  newConditionId(): string {
    return String(this.nextConditionId++);
  }

  nowSec(): number {
    return this.clock.nowSec();
  }

  now(): string {
    return String(this.clock.nowSec());
  }

  meta(microtenantId = DEFAULT_MICROTENANT_ID, at = this.now()): Meta {
    return { id: this.newId(), creationTime: at, modifiedTime: at, modifiedBy: SIM_ADMIN_ID, microtenantId };
  }

  touch(obj: Meta): void {
    obj.modifiedTime = this.now();
    obj.modifiedBy = SIM_ADMIN_ID;
  }

  /** Looks an object up by id, honouring `?microtenantId=`; a miss is the documented 400 resource.not.found. */
  find<T extends Meta>(map: Map<string, T>, id: string, microtenantId?: string | null): T {
    const found = map.get(id);
    if (!found || (microtenantId != null && microtenantId !== '' && found.microtenantId !== microtenantId)) {
      fail(errors.notFound(id));
    }
    return found;
  }

  /** The microtenant a create lands in: query param, else body field, else Default (docs/zscaler-api.md §2.4). */
  microtenantFor(query: URLSearchParams, body: Record<string, unknown>): string {
    const raw = query.get('microtenantId') ?? body.microtenantId;
    if (raw === undefined || raw === null || raw === '') return DEFAULT_MICROTENANT_ID;
    const id = String(raw);
    if (!this.microtenants.has(id)) fail(errors.invalidField('microtenantId'));
    return id;
  }

  microtenantName(id: string): string {
    return this.microtenants.get(id)?.name ?? 'Default';
  }

  policySetByType(typeName: PolicyTypeName): PolicySet {
    for (const ps of this.policySets.values()) if (ps.typeName === typeName) return ps;
    fail(errors.notFound(typeName));
  }

  rulesOf(ps: PolicySet): Rule[] {
    return ps.ruleIds.map((id) => this.rules.get(id)).filter((r): r is Rule => r !== undefined);
  }

  segmentsInGroup(groupId: string): Segment[] {
    return [...this.segments.values()].filter((s) => s.segmentGroupId === groupId);
  }
}
