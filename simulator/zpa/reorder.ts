/**
 * Single-rule and bulk reorder (docs/zscaler-api.md §2.8, §5.7). Both answer 204 with no body [rec]. The bulk
 * errors follow the client-forwarding/access-policy API pages: wrong array length, a foreign id, missing ids,
 * default rule not last — all HTTP 400.
 */
import type { Router, SimRequest } from '../router.js';
import { noContent, V1, type ZpaContext } from './context.js';
import { errors, fail } from './errors.js';
import { POLICY_TYPES } from './policy-types.js';
import { ruleIn } from './policies.js';

/**
 * The docs show the bulk body as bare integers, which JSON.parse would round (ids exceed 2^53), so the raw
 * body is read with every bare integer quoted first. The SDKs send strings [rec]; both work.
 */
export function parseIdArray(raw: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.replace(/([[,]\s*)(-?\d+)(?=\s*[,\]])/g, '$1"$2"'));
  } catch {
    fail(errors.readFailed());
  }
  if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== 'string')) fail(errors.readFailed());
  return parsed as string[];
}

export function registerReorder(router: Router, ctx: ZpaContext): void {
  // PUT .../rule/{ruleId}/reorder/{newOrder}: the rule moves, the others shift. The default rule cannot move and
  // no rule may take its (last) place; an order outside 1..N is a 400 [simulator choice for the wording].
  router.add('PUT', `${V1}/policySet/:psid/rule/:ruleId/reorder/:newOrder`, (req: SimRequest) =>
    ctx.withPolicyLock(req.params.psid!, () => {
      const { store } = ctx;
      const ps = store.find(store.policySets, req.params.psid!);
      const rule = ruleIn(store, ps, req.params.ruleId!);
      if (rule.defaultRule) {
        fail(
          errors.coded(400, 'default.rule.reorder.notallowed', `Reordering not allowed for default rule ${rule.id}`, [
            rule.id,
          ]),
        );
      }
      const movable = ps.ruleIds.length - (POLICY_TYPES[ps.typeName].defaultRule ? 1 : 0);
      const raw = req.params.newOrder!;
      const newOrder = Number(raw);
      if (!/^\d+$/.test(raw) || newOrder < 1 || newOrder > movable) fail(errors.invalidField('ruleOrder', [raw]));
      const rest = ps.ruleIds.filter((id) => id !== rule.id);
      rest.splice(newOrder - 1, 0, rule.id);
      ps.ruleIds = rest; // rules' own modifiedTime stays: the recorded bulk reorder left them unchanged
      store.touch(ps);
      return noContent();
    }),
  );

  router.add('PUT', `${V1}/policySet/:psid/reorder`, (req: SimRequest) =>
    ctx.withPolicyLock(req.params.psid!, () => {
      const { store } = ctx;
      const ps = store.find(store.policySets, req.params.psid!);
      const ids = parseIdArray(req.rawBody);
      if (ids.length !== ps.ruleIds.length) {
        fail(errors.invalid('resource input length is not valid', [String(ids.length)]));
      }
      const foreign = ids.find((id) => !ps.ruleIds.includes(id));
      if (foreign !== undefined) {
        fail(errors.invalid(`The ruleId: ${foreign} does not belong to the policySetId: ${ps.id}`, [foreign, ps.id]));
      }
      // Same length and no foreign id: anything missing was displaced by a duplicate.
      const missing = ps.ruleIds.filter((id) => !ids.includes(id));
      if (missing.length > 0) {
        fail(
          errors.coded(400, 'missing.rule', `Missing ruleIds: ${missing.join(', ')} from policySet ${ps.id}`, missing),
        );
      }
      const defaultId = store.rulesOf(ps).find((r) => r.defaultRule)?.id;
      if (defaultId !== undefined && ids.at(-1) !== defaultId) {
        fail(
          errors.coded(400, 'default.rule.reorder.notallowed', `Reordering not allowed for default rule ${defaultId}`, [
            defaultId,
          ]),
        );
      }
      ps.ruleIds = ids;
      store.touch(ps);
      return noContent();
    }),
  );
}
