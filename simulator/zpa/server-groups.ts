/**
 * `/serverGroup` and a minimal `/appConnectorGroup` (just enough for the application-segment and
 * server-group recordings, which create a connector group first). Shapes from TestServerGroup.yaml and
 * TestApplicationSegment.yaml.
 */
import type { Router, SimRequest } from '../router.js';
import { created, noContent, ok, V1, type ZpaContext } from './context.js';
import { errors, fail } from './errors.js';
import { bool, compact, enumOf, idRefs, objectBody, str, type Json } from './json.js';
import { matches, microtenantMatcher, paginate, parseSearch } from './query.js';
import { microtenantFields } from './segment-model.js';
import type { ConnectorGroup, ServerGroup, Store } from './store.js';

const ACG_STRINGS = [
  'description',
  'versionProfileId',
  'versionProfileName',
  'upgradeTimeInSecs',
  'upgradeDay',
  'location',
  'latitude',
  'longitude',
  'dnsQueryType',
];
const ACG_BOOLEANS = [
  'enabled',
  'overrideVersionProfile',
  'tcpQuickAckApp',
  'tcpQuickAckAssistant',
  'tcpQuickAckReadAssistant',
  'praEnabled',
];
/** Left out when a connector group is embedded in a server group [rec]. */
const ACG_NOT_EMBEDDED = ['versionProfileName', 'upgradeTimeInSecs', 'upgradeDay', 'latitude', 'longitude'];
const ACG_FIXED = { useInDrMode: false, connectorGroupType: 'APP', wafDisabled: false };

/** "San Jose, CA, USA" → cityCountry "San Jose, US", countryCode "US" (derived by ZPA from the location) [rec]. */
function geo(location: unknown): Json {
  if (typeof location !== 'string' || location === '') return {};
  const parts = location.split(',').map((p) => p.trim());
  const country = (parts.at(-1) ?? '').toUpperCase();
  const code = country === 'USA' ? 'US' : country.slice(0, 2);
  return { cityCountry: `${parts[0]}, ${code}`, countryCode: code };
}

function acgView(g: ConnectorGroup, embedded: boolean): Json {
  const fields = { ...g.fields };
  if (embedded) for (const k of ACG_NOT_EMBEDDED) delete fields[k];
  return compact({
    id: g.id,
    modifiedTime: g.modifiedTime,
    creationTime: g.creationTime,
    modifiedBy: g.modifiedBy,
    ...fields,
    ...geo(g.fields.location),
    ...ACG_FIXED,
    ...(embedded ? {} : { readOnly: false, zscalerManaged: false }),
    lssAppConnectorGroup: false,
  });
}

export function serverGroupView(sg: ServerGroup, store: Store, createEcho?: Json): Json {
  const acgs = sg.connectorGroupIds.map((id) => store.connectorGroups.get(id));
  if (createEcho) {
    // The 201 echo has no timestamps and only a stub of each connector group; `enabled` only if it was sent [rec].
    return compact({
      id: sg.id,
      name: sg.name,
      enabled: 'enabled' in createEcho ? sg.enabled : undefined,
      description: sg.description,
      ipAnchored: sg.ipAnchored,
      configSpace: sg.configSpace,
      extranetEnabled: sg.extranetEnabled,
      dynamicDiscovery: sg.dynamicDiscovery,
      appConnectorGroups: acgs.map(
        (g) => g && { id: g.id, name: g.fields.name, ...ACG_FIXED, lssAppConnectorGroup: false },
      ),
    });
  }
  const apps = [...store.segments.values()].filter((s) => s.serverGroupIds.includes(sg.id));
  return compact({
    modifiedTime: sg.modifiedTime,
    creationTime: sg.creationTime,
    modifiedBy: sg.modifiedBy,
    id: sg.id,
    enabled: sg.enabled,
    name: sg.name,
    description: sg.description,
    applications: apps.map((a) => ({ id: a.id, name: a.name, enabled: a.settings.enabled })),
    ipAnchored: sg.ipAnchored,
    configSpace: sg.configSpace,
    extranetEnabled: sg.extranetEnabled,
    readOnly: false,
    zscalerManaged: false,
    ...microtenantFields(store, sg.microtenantId),
    dynamicDiscovery: sg.dynamicDiscovery,
    appConnectorGroups: acgs.filter((g) => g !== undefined).map((g) => acgView(g, true)),
  });
}

function parseServerGroup(
  b: Json,
  store: Store,
): Omit<ServerGroup, 'id' | 'creationTime' | 'modifiedTime' | 'modifiedBy' | 'microtenantId'> {
  const name = str(b, 'name');
  if (!name) fail(errors.invalidField('name'));
  const connectorGroupIds = idRefs(b, 'appConnectorGroups') ?? [];
  if (connectorGroupIds.some((id) => !store.connectorGroups.has(id))) fail(errors.invalidField('appConnectorGroups'));
  return {
    name,
    description: str(b, 'description'),
    enabled: bool(b, 'enabled') ?? false, // "defaults false if omitted" [rec]
    ipAnchored: bool(b, 'ipAnchored') ?? false,
    configSpace: enumOf(b, 'configSpace', ['DEFAULT', 'SIEM']) ?? 'DEFAULT',
    extranetEnabled: bool(b, 'extranetEnabled') ?? false,
    dynamicDiscovery: bool(b, 'dynamicDiscovery') ?? false,
    connectorGroupIds,
  };
}

function listRoute(ctx: ZpaContext, items: (store: Store) => { microtenantId: string; view: Json }[]) {
  return (req: SimRequest) => {
    const search = parseSearch(req.query.get('search'));
    const inTenant = microtenantMatcher(req.query);
    const views = items(ctx.store)
      .filter((i) => inTenant(i.microtenantId))
      .map((i) => i.view)
      .filter((v) => matches(v, search));
    return ok(paginate(views, req.query));
  };
}

export function registerServerGroups(router: Router, ctx: ZpaContext): void {
  const sgs = (store: Store) =>
    [...store.serverGroups.values()].map((g) => ({ microtenantId: g.microtenantId, view: serverGroupView(g, store) }));
  router.add('GET', `${V1}/serverGroup`, listRoute(ctx, sgs));
  router.add('GET', `${V1}/serverGroup/:id`, (req) =>
    ok(
      serverGroupView(
        ctx.store.find(ctx.store.serverGroups, req.params.id!, req.query.get('microtenantId')),
        ctx.store,
      ),
    ),
  );
  router.add('POST', `${V1}/serverGroup`, (req) => {
    const { store } = ctx;
    const body = objectBody(req);
    const sg = { ...store.meta(store.microtenantFor(req.query, body)), ...parseServerGroup(body, store) };
    store.serverGroups.set(sg.id, sg);
    return created(serverGroupView(sg, store, body));
  });
  router.add('PUT', `${V1}/serverGroup/:id`, (req) => {
    const { store } = ctx;
    const sg = store.find(store.serverGroups, req.params.id!, req.query.get('microtenantId'));
    const input = parseServerGroup(objectBody(req), store);
    delete sg.description;
    Object.assign(sg, input);
    store.touch(sg);
    return noContent();
  });
  router.add('DELETE', `${V1}/serverGroup/:id`, (req) => {
    const { store } = ctx;
    const sg = store.find(store.serverGroups, req.params.id!, req.query.get('microtenantId'));
    if ([...store.segments.values()].some((s) => s.serverGroupIds.includes(sg.id))) {
      fail(errors.invalid(`Server group ${sg.id} is still used by application segments`, [sg.id]));
    }
    store.serverGroups.delete(sg.id);
    return noContent();
  });

  const acgs = (store: Store) =>
    [...store.connectorGroups.values()].map((g) => ({ microtenantId: g.microtenantId, view: acgView(g, false) }));
  router.add('GET', `${V1}/appConnectorGroup`, listRoute(ctx, acgs));
  router.add('GET', `${V1}/appConnectorGroup/:id`, (req) =>
    ok(acgView(ctx.store.find(ctx.store.connectorGroups, req.params.id!), false)),
  );
  router.add('POST', `${V1}/appConnectorGroup`, (req) => {
    const { store } = ctx;
    const body = objectBody(req);
    const name = str(body, 'name');
    if (!name) fail(errors.invalidField('name'));
    const fields: Json = { name };
    for (const k of ACG_BOOLEANS) fields[k] = bool(body, k) ?? false;
    for (const k of ACG_STRINGS) fields[k] = str(body, k);
    const group = { ...store.meta(store.microtenantFor(req.query, body)), fields };
    store.connectorGroups.set(group.id, group);
    return created(acgView(group, false));
  });
  router.add('DELETE', `${V1}/appConnectorGroup/:id`, (req) => {
    const { store } = ctx;
    const group = store.find(store.connectorGroups, req.params.id!);
    if ([...store.serverGroups.values()].some((s) => s.connectorGroupIds.includes(group.id))) {
      fail(errors.invalid(`App connector group ${group.id} is still used by server groups`, [group.id]));
    }
    store.connectorGroups.delete(group.id);
    return noContent();
  });
}
