/**
 * `/application` routes: list/get/create/full-replacement PUT/DELETE (docs/zscaler-api.md §2.5–2.6).
 */
import type { Router } from '../router.js';
import { created, noContent, ok, V1, type ZpaContext } from './context.js';
import { errors, fail } from './errors.js';
import { objectBody } from './json.js';
import { matches, microtenantMatcher, paginate, parseSearch } from './query.js';
import { parseSegment, segmentCreateView, segmentView } from './segment-model.js';
import type { Rule } from './store.js';

/** Rules with an `APP` operand naming the segment. */
export function rulesReferencingApp(rules: Iterable<Rule>, appId: string): Rule[] {
  return [...rules].filter((r) =>
    r.conditions.some((c) => c.operands.some((o) => o.objectType === 'APP' && o.rhs === appId)),
  );
}

export function registerSegments(router: Router, ctx: ZpaContext): void {
  router.add('GET', `${V1}/application`, (req) => {
    const { store } = ctx;
    const search = parseSearch(req.query.get('search'));
    const inTenant = microtenantMatcher(req.query);
    const items = [...store.segments.values()]
      .filter((s) => inTenant(s.microtenantId))
      .map((s) => segmentView(s, store, false))
      .filter((v) => matches(v, search));
    return ok(paginate(items, req.query));
  });

  router.add('GET', `${V1}/application/:id`, (req) => {
    const { store } = ctx;
    return ok(segmentView(store.find(store.segments, req.params.id!, req.query.get('microtenantId')), store, true));
  });

  router.add('POST', `${V1}/application`, (req) => {
    const { store } = ctx;
    const body = objectBody(req);
    const input = parseSegment(body, store);
    const seg = { ...store.meta(store.microtenantFor(req.query, body)), ...input };
    store.segments.set(seg.id, seg);
    return created(segmentCreateView(seg, body));
  });

  // Full replacement: every field not in the body returns to its default (description and port lists cleared,
  // flags back to SEGMENT_DEFAULTS) — docs/zscaler-api.md §5.6, py #580, pyZscaler #189.
  router.add('PUT', `${V1}/application/:id`, (req) => {
    const { store } = ctx;
    const seg = store.find(store.segments, req.params.id!, req.query.get('microtenantId'));
    const input = parseSegment(objectBody(req), store);
    delete seg.description;
    Object.assign(seg, input);
    store.touch(seg);
    return noContent();
  });

  // Deleting a segment that policy rules still name needs forceDelete=true, which also strips those operands
  // (the Go SDK always sends it; the recorded delete used it) [inferred from the forceDelete description].
  router.add('DELETE', `${V1}/application/:id`, (req) => {
    const { store } = ctx;
    const seg = store.find(store.segments, req.params.id!, req.query.get('microtenantId'));
    const users = rulesReferencingApp(store.rules.values(), seg.id);
    if (users.length > 0 && req.query.get('forceDelete') !== 'true') {
      fail(
        errors.invalid(`Application ${seg.id} is referenced by policy rules: ${users.map((r) => r.id).join(', ')}`, [
          seg.id,
        ]),
      );
    }
    for (const rule of users) {
      for (const c of rule.conditions)
        c.operands = c.operands.filter((o) => !(o.objectType === 'APP' && o.rhs === seg.id));
      rule.conditions = rule.conditions.filter((c) => c.operands.length > 0);
      store.touch(rule);
    }
    store.segments.delete(seg.id);
    return noContent();
  });
}
