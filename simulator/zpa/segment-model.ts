/**
 * Application segments: body parsing (shared by POST and the full-replacement PUT) and the three response
 * shapes the recordings show (TestApplicationSegment.yaml): the create echo, the list/GET form, and the
 * slimmer form embedded in segment-group lists (TestSegmentGroup.yaml).
 */
import { errors, fail } from './errors.js';
import { asObject, bool, compact, enumOf, idRefs, list, str, stringList, type Json } from './json.js';
import type { PortRange, Segment, ServerGroup, Store } from './store.js';

/**
 * Every settable flag with the value an omitted field gets. Because PUT is a full replacement (docs/zscaler-api.md §2.6,
 * §5.6), an omitted field on PUT falls back to exactly these defaults: `enabled` false,
 * `isCnameEnabled`/`passiveHealthEnabled` true, `bypassType` NEVER, `healthReporting` ON_ACCESS [rec].
 */
export const SEGMENT_DEFAULTS: Record<string, string | boolean> = {
  enabled: false,
  passiveHealthEnabled: true,
  doubleEncrypt: false,
  configSpace: 'DEFAULT',
  bypassType: 'NEVER',
  healthCheckType: 'DEFAULT',
  icmpAccessType: 'NONE',
  isCnameEnabled: true,
  ipAnchored: false,
  bypassOnReauth: false,
  inspectTrafficWithZia: false,
  healthReporting: 'ON_ACCESS',
  useInDrMode: false,
  tcpKeepAlive: '0',
  selectConnectorCloseToApp: false,
  matchStyle: 'EXCLUSIVE',
  isIncompleteDRConfig: false,
  adpEnabled: false,
  autoAppProtectEnabled: false,
  apiProtectionEnabled: false,
  fqdnDnsCheck: false,
  weightedLoadBalancing: false,
  extranetEnabled: false,
  policyStyle: 'NONE',
};

const ENUMS: Record<string, readonly string[]> = {
  bypassType: ['NEVER', 'ALWAYS', 'ON_NET'],
  healthCheckType: ['DEFAULT', 'NONE'],
  icmpAccessType: ['NONE', 'PING', 'PING_TRACEROUTING'],
  healthReporting: ['NONE', 'ON_ACCESS', 'CONTINUOUS'],
  matchStyle: ['EXCLUSIVE', 'INCLUSIVE'],
  configSpace: ['DEFAULT', 'SIEM'],
  tcpKeepAlive: ['0', '1'],
};

/** Not echoed by the create response unless the request set them [rec]. */
const CREATE_ECHO_ONLY_IF_GIVEN = ['healthReporting', 'useInDrMode', 'selectConnectorCloseToApp', 'policyStyle'];
/** Not part of the segment form embedded in segment-group lists [rec]. */
const NOT_EMBEDDED = ['isCnameEnabled', 'healthReporting', 'isIncompleteDRConfig'];

export type SegmentInput = Omit<Segment, 'id' | 'creationTime' | 'modifiedTime' | 'modifiedBy' | 'microtenantId'>;

function ranges(b: Json, legacyKey: string, newKey: string): PortRange[] {
  // Legacy flat pairs ["443","443","8080","8090"]; objects here are the documented read.message.failed.
  const flat = stringList(b, legacyKey) ?? [];
  if (flat.length % 2 !== 0) fail(errors.invalidField(legacyKey));
  const legacy: PortRange[] = [];
  for (let i = 0; i < flat.length; i += 2) legacy.push({ from: flat[i]!, to: flat[i + 1]! });
  const modern = (list(b, newKey) ?? []).map((v) => {
    const o = asObject(v);
    return { from: str(o, 'from') ?? '', to: str(o, 'to') ?? str(o, 'from') ?? '' };
  });
  // The recorded PUT sends tcpPortRanges ["9002","9002"] with tcpPortRange [] and gets 9002: the non-empty form wins.
  const chosen = modern.length > 0 ? modern : legacy;
  for (const r of chosen) {
    const from = Number(r.from);
    const to = Number(r.to);
    if (!/^\d+$/.test(r.from) || !/^\d+$/.test(r.to) || from < 1 || to > 65535 || from > to)
      fail(errors.invalidField(newKey));
  }
  return chosen;
}

export function parseSegment(b: Json, store: Store): SegmentInput {
  const name = str(b, 'name');
  if (!name) fail(errors.invalidField('name'));
  const domainNames = stringList(b, 'domainNames') ?? [];
  if (domainNames.length === 0) fail(errors.invalidField('domainNames'));
  const segmentGroupId = str(b, 'segmentGroupId');
  if (!segmentGroupId || !store.segmentGroups.has(segmentGroupId)) fail(errors.invalidField('segmentGroupId'));
  const serverGroupIds = idRefs(b, 'serverGroups') ?? [];
  if (serverGroupIds.length === 0 || serverGroupIds.some((id) => !store.serverGroups.has(id)))
    fail(errors.invalidField('serverGroups'));
  const tcp = ranges(b, 'tcpPortRanges', 'tcpPortRange');
  const udp = ranges(b, 'udpPortRanges', 'udpPortRange');
  if (tcp.length + udp.length === 0) fail(errors.invalidField('tcpPortRanges'));

  const settings: Record<string, string | boolean> = {};
  for (const [key, dflt] of Object.entries(SEGMENT_DEFAULTS)) {
    const allowed = ENUMS[key];
    settings[key] =
      (typeof dflt === 'boolean' ? bool(b, key) : allowed ? enumOf(b, key, allowed) : str(b, key)) ?? dflt;
  }
  // Documented constraints (docs/zscaler-api.md §2.6).
  const inclusive = settings.matchStyle === 'INCLUSIVE';
  if (inclusive && (settings.ipAnchored || settings.doubleEncrypt)) fail(errors.invalidField('matchStyle'));
  if (inclusive && settings.healthReporting === 'CONTINUOUS') fail(errors.invalidField('healthReporting'));
  if (!inclusive && domainNames.some((d) => /[*?]/.test(d))) fail(errors.invalidField('domainNames'));
  return { name, description: str(b, 'description'), domainNames, segmentGroupId, serverGroupIds, tcp, udp, settings };
}

const flatPairs = (r: PortRange[]) => r.flatMap((p) => [p.from, p.to]);
const metaOf = (o: { modifiedTime: string; creationTime: string; modifiedBy: string }) => ({
  modifiedTime: o.modifiedTime,
  creationTime: o.creationTime,
  modifiedBy: o.modifiedBy,
});

export function microtenantFields(store: Store, microtenantId: string): Json {
  return microtenantId === '0'
    ? { microtenantName: 'Default' }
    : { microtenantId, microtenantName: store.microtenantName(microtenantId) };
}

function serverGroupRef(sg: ServerGroup | undefined, id: string, withWeight: boolean): Json {
  if (!sg) return { id };
  return compact({
    id,
    ...metaOf(sg),
    name: sg.name,
    enabled: sg.enabled,
    description: sg.description,
    configSpace: sg.configSpace,
    ...(withWeight ? { weight: '0', passive: false } : {}),
    extranetEnabled: sg.extranetEnabled,
    dynamicDiscovery: sg.dynamicDiscovery,
  });
}

/** The 201 body: the request echoed with defaults; server groups appear as freshly defaulted `{id}` objects [rec]. */
export function segmentCreateView(seg: Segment, request: Json): Json {
  const settings = { ...seg.settings };
  for (const k of CREATE_ECHO_ONLY_IF_GIVEN) if (!(k in request)) delete settings[k];
  return compact({
    id: seg.id,
    domainNames: seg.domainNames,
    name: seg.name,
    description: seg.description,
    serverGroups: seg.serverGroupIds.map((id) => ({
      id,
      enabled: false,
      configSpace: 'DEFAULT',
      extranetEnabled: false,
      dynamicDiscovery: false,
    })),
    ...settings,
    tcpPortRanges: Array.isArray(request.tcpPortRanges) ? flatPairs(seg.tcp) : undefined,
    tcpPortRange: Array.isArray(request.tcpPortRange) && request.tcpPortRange.length > 0 ? seg.tcp : undefined,
    udpPortRanges: Array.isArray(request.udpPortRanges) ? flatPairs(seg.udp) : undefined,
    udpPortRange: Array.isArray(request.udpPortRange) && request.udpPortRange.length > 0 ? seg.udp : undefined,
    segmentGroupId: seg.segmentGroupId,
  });
}

/** GET /application/{id} (`withWeight`) and list items: both port forms, expanded server groups, group name. */
export function segmentView(seg: Segment, store: Store, withWeight: boolean): Json {
  return compact({
    ...metaOf(seg),
    id: seg.id,
    domainNames: seg.domainNames,
    name: seg.name,
    description: seg.description,
    serverGroups: seg.serverGroupIds.map((id) => serverGroupRef(store.serverGroups.get(id), id, withWeight)),
    ...seg.settings,
    tcpPortRanges: flatPairs(seg.tcp),
    tcpPortRange: seg.tcp,
    udpPortRanges: flatPairs(seg.udp),
    udpPortRange: seg.udp,
    readOnly: false,
    zscalerManaged: false,
    ...microtenantFields(store, seg.microtenantId),
    segmentGroupId: seg.segmentGroupId,
    segmentGroupName: store.segmentGroups.get(seg.segmentGroupId)?.name,
  });
}

/** The application form inside segment-group lists: adds the legacy single `domainName` [rec]. */
export function segmentEmbeddedView(seg: Segment): Json {
  const settings = { ...seg.settings };
  for (const k of NOT_EMBEDDED) delete settings[k];
  return compact({
    id: seg.id,
    ...metaOf(seg),
    name: seg.name,
    domainName: seg.domainNames[0],
    domainNames: seg.domainNames,
    description: seg.description,
    ...settings,
    tcpPortRanges: flatPairs(seg.tcp),
    udpPortRanges: flatPairs(seg.udp),
    tcpPortRange: seg.tcp,
    udpPortRange: seg.udp,
  });
}
