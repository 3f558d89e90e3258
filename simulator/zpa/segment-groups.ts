/**
 * `/segmentGroup` routes (docs/zscaler-api.md §2.7). Shapes from TestSegmentGroup.yaml: the create echo has no
 * microtenantName, GET adds it, list items add `policyMigrated` and the member applications.
 */
import type { Router, SimRequest } from '../router.js';
import { created, noContent, ok, V1, V2, type ZpaContext } from './context.js';
import { errors, fail } from './errors.js';
import { bool, compact, enumOf, objectBody, str, type Json } from './json.js';
import { matches, microtenantMatcher, paginate, parseSearch } from './query.js';
import { microtenantFields, segmentEmbeddedView } from './segment-model.js';
import type { Meta, SegmentGroup, Store } from './store.js';

type View = 'create' | 'get' | 'list';

export function segmentGroupView(g: SegmentGroup, store: Store, view: View): Json {
  const apps = view === 'create' ? [] : store.segmentsInGroup(g.id).map(segmentEmbeddedView);
  return compact({
    id: g.id,
    modifiedTime: g.modifiedTime,
    creationTime: g.creationTime,
    modifiedBy: g.modifiedBy,
    name: g.name,
    description: g.description,
    enabled: g.enabled,
    applications: apps,
    policyMigrated: view === 'list' ? true : undefined,
    configSpace: g.configSpace,
    tcpKeepAliveEnabled: g.tcpKeepAliveEnabled,
    readOnly: false,
    zscalerManaged: false,
    ...(view === 'create' ? {} : microtenantFields(store, g.microtenantId)),
  });
}

function parseGroup(b: Json, current?: SegmentGroup): Omit<SegmentGroup, keyof Meta> {
  const name = str(b, 'name');
  if (!name) fail(errors.invalidField('name'));
  return {
    name,
    description: str(b, 'description'),
    // Recorded PUT {"name": "... Updated"} cleared `description` but left `enabled` true: an omitted boolean
    // keeps its value here, unlike the other omitted fields (TestSegmentGroup.yaml #3–#4).
    enabled: bool(b, 'enabled') ?? current?.enabled ?? false,
    configSpace: enumOf(b, 'configSpace', ['DEFAULT', 'SIEM']) ?? 'DEFAULT',
    tcpKeepAliveEnabled: enumOf(b, 'tcpKeepAliveEnabled', ['0', '1']) ?? '0',
  };
}

export function registerSegmentGroups(router: Router, ctx: ZpaContext): void {
  router.add('GET', `${V1}/segmentGroup`, (req) => {
    const { store } = ctx;
    const search = parseSearch(req.query.get('search'));
    const inTenant = microtenantMatcher(req.query);
    const items = [...store.segmentGroups.values()]
      .filter((g) => inTenant(g.microtenantId))
      .map((g) => segmentGroupView(g, store, 'list'))
      .filter((v) => matches(v, search));
    return ok(paginate(items, req.query));
  });

  router.add('GET', `${V1}/segmentGroup/:id`, (req) => {
    const { store } = ctx;
    return ok(
      segmentGroupView(store.find(store.segmentGroups, req.params.id!, req.query.get('microtenantId')), store, 'get'),
    );
  });

  router.add('POST', `${V1}/segmentGroup`, (req) => {
    const { store } = ctx;
    const body = objectBody(req);
    const group = { ...store.meta(store.microtenantFor(req.query, body)), ...parseGroup(body) };
    store.segmentGroups.set(group.id, group);
    return created(segmentGroupView(group, store, 'create'));
  });

  // v1 and the v2 variant (docs/zscaler-api.md §2.5) behave the same here. Membership is owned by the segments'
  // segmentGroupId; an `applications` list in the body is ignored [simulator choice].
  const put = (req: SimRequest) => {
    const { store } = ctx;
    const group = store.find(store.segmentGroups, req.params.id!, req.query.get('microtenantId'));
    const input = parseGroup(objectBody(req), group);
    delete group.description;
    Object.assign(group, input);
    store.touch(group);
    return noContent();
  };
  router.add('PUT', `${V1}/segmentGroup/:id`, put);
  router.add('PUT', `${V2}/segmentGroup/:id`, put);

  // A group that still holds segments or that a rule names (APP_GROUP) cannot go [simulator choice].
  router.add('DELETE', `${V1}/segmentGroup/:id`, (req) => {
    const { store } = ctx;
    const group = store.find(store.segmentGroups, req.params.id!, req.query.get('microtenantId'));
    if (store.segmentsInGroup(group.id).length > 0) {
      fail(errors.invalid(`Segment group ${group.id} still contains application segments`, [group.id]));
    }
    const inRules = [...store.rules.values()].some((r) =>
      r.conditions.some((c) => c.operands.some((o) => o.objectType === 'APP_GROUP' && o.rhs === group.id)),
    );
    if (inRules) fail(errors.invalid(`Segment group ${group.id} is referenced by policy rules`, [group.id]));
    store.segmentGroups.delete(group.id);
    return noContent();
  });
}
