/**
 * Ad-hoc bypasses ("segment X for 2 hours, reason Y"), from chat through the policy queue. They use the
 * same rule machinery and guardrails as windows and expire the same way: the rule carries its expiry and
 * the reconciler deletes it once passed, whatever happens to this message.
 */
import type { BypassApply, BypassRemove } from '../commands/contract.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseRuleDescription, ruleDescription, ruleNameFor } from './markers.js';
import { firstForeignOrder } from './plan.js';
import type { BypassPort, SegmentObject } from './port.js';
import { isAllowed, type Guardrails } from './windows.js';

interface AdhocDeps {
  port: BypassPort;
  guardrails: Guardrails;
  logger: Logger;
  now?: () => Date;
}

export type AdhocOutcome = { text: string; data: Record<string, unknown> };

export async function applyAdhocBypass(cmd: BypassApply, deps: AdhocDeps): Promise<AdhocOutcome> {
  const now = deps.now?.() ?? new Date();
  if (cmd.durationMinutes > deps.guardrails.maxWindowMinutes) {
    throw new ValidationError(
      `a bypass may last at most ${deps.guardrails.maxWindowMinutes} minutes; ${cmd.durationMinutes} were asked`,
    );
  }
  const seg = await findSegment(deps, cmd.segment);
  // The expiry counts from when it was asked, so a message delivered again later never extends the bypass.
  const asked = cmd.requestedAt ? new Date(cmd.requestedAt) : now;
  const until = new Date(asked.getTime() + cmd.durationMinutes * 60_000);
  const name = ruleNameFor('adhoc', seg.id);
  if (until <= now)
    return {
      text: `The bypass of ${seg.name} asked at ${asked.toISOString()} would already have ended; nothing changed.`,
      data: { segment: seg.name, expired: true },
    };
  const rules = await deps.port.listForwardingRules();
  const existing = rules.find((r) => r.name === name);
  const current = parseRuleDescription(existing?.description);
  const firstForeign = firstForeignOrder(rules);
  // A delivery that died between create and reorder left the rule below a foreign one, where it does nothing.
  const placeFirst = async (id: string) => {
    if (!existing || Number(existing.ruleOrder) >= firstForeign) await deps.port.moveRuleFirst(id);
  };
  const result = {
    text: `${seg.name} is bypassed until ${until.toISOString()} (${cmd.reason}).`,
    data: { segment: seg.name, segmentId: seg.id, until: until.toISOString(), extended: !!existing },
  };
  if (existing && current.commandId === cmd.id && !cmd.dryRun && !deps.guardrails.dryRun) {
    deps.logger.info('bypass already applied by this command (redelivery)', { commandId: cmd.id, rule: name });
    await placeFirst(existing.id);
    return { ...result, data: { ...result.data, extended: false, duplicate: true } };
  }
  const description = ruleDescription({ until, by: who(cmd), reason: cmd.reason, command: { id: cmd.id, at: asked } });
  const dryRun = cmd.dryRun || deps.guardrails.dryRun;
  const plan = existing
    ? `set the expiry of bypass rule ${name} to ${until.toISOString()}`
    : `create BYPASS rule ${name} for ${seg.name} until ${until.toISOString()}, first in order`;
  const trigger = { kind: cmd.requestedBy.kind, id: cmd.id, by: who(cmd) };
  if (dryRun) {
    deps.logger.audit({
      action: 'zpa.bypass.adhoc.apply',
      trigger,
      target: { segment: seg.name, segmentId: seg.id },
      after: { plan },
      result: 'dry-run',
      reason: cmd.reason,
    });
    return { text: `Dry run: would ${plan}.`, data: { plan, segment: seg.name, until: until.toISOString() } };
  }
  if (existing) await deps.port.updateBypassRule(existing.id, { name, description, appIds: [seg.id] });
  await placeFirst(existing?.id ?? (await deps.port.createBypassRule({ name, description, appIds: [seg.id] })));
  // An existing bypass only got a new expiry: one bypass, applied once.
  if (!existing) deps.logger.metric('BypassesApplied', 1, { dims: { kind: 'adhoc' } });
  deps.logger.audit({
    action: 'zpa.bypass.adhoc.apply',
    trigger,
    target: { segment: seg.name, segmentId: seg.id },
    before: existing ? { until: current.until?.toISOString(), by: current.by } : undefined,
    after: { rule: name, until: until.toISOString() },
    result: 'success',
    reason: cmd.reason,
  });
  return result;
}

export async function removeAdhocBypass(cmd: BypassRemove, deps: AdhocDeps): Promise<AdhocOutcome> {
  const seg = await findSegment(deps, cmd.segment);
  const name = ruleNameFor('adhoc', seg.id);
  // Every copy of the name: one left by anything (two racing writers, a create sent twice by an older version)
  // would otherwise stay, and the next reconcile would move it back to first place.
  const copies = (await deps.port.listForwardingRules()).filter((r) => r.name === name);
  const rule = copies[0];
  if (!rule) return { text: `${seg.name} has no ad-hoc bypass to end.`, data: { segment: seg.name } };
  // A remove delivered again late must not end a bypass somebody asked for after it.
  const appliedAt = copies
    .map((c) => parseRuleDescription(c.description).at)
    .filter((d): d is Date => d !== undefined)
    .sort((a, b) => b.getTime() - a.getTime())[0];
  if (cmd.requestedAt && appliedAt && appliedAt > new Date(cmd.requestedAt)) {
    return {
      text: `${seg.name} was bypassed again after this request; that newer bypass stays.`,
      data: { segment: seg.name, newer: true },
    };
  }
  const trigger = { kind: cmd.requestedBy.kind, id: cmd.id, by: who(cmd) };
  if (cmd.dryRun || deps.guardrails.dryRun) {
    deps.logger.audit({ action: 'zpa.bypass.adhoc.remove', trigger, target: { segment: seg.name }, result: 'dry-run' });
    return { text: `Dry run: would delete bypass rule ${name}.`, data: { segment: seg.name } };
  }
  // One at a time; a copy already gone (a lost answer, someone else) counts as deleted (the port says so).
  for (const copy of copies) await deps.port.deleteRule(copy.id);
  deps.logger.metric('BypassesReverted', 1, { dims: { kind: 'adhoc' } });
  deps.logger.audit({
    action: 'zpa.bypass.adhoc.remove',
    trigger,
    target: { segment: seg.name, segmentId: seg.id },
    before: {
      rule: name,
      ruleId: rule.id,
      description: rule.description,
      ...(copies.length > 1 ? { copies: copies.map((c) => c.id) } : {}),
    },
    result: 'success',
  });
  return {
    text: `The bypass of ${seg.name} has ended.`,
    data: { segment: seg.name, ...(copies.length > 1 ? { rulesDeleted: copies.length } : {}) },
  };
}

async function findSegment(deps: AdhocDeps, ref: string): Promise<SegmentObject> {
  const seg = await deps.port.findSegment(ref);
  if (!seg) throw new NotFoundError(`no application segment named "${ref}"`);
  if (!isAllowed(deps.guardrails, seg.name, seg.id))
    throw new ForbiddenError(`segment "${seg.name}" may not be bypassed (not in the guardrails allowlist)`);
  return seg;
}

/** Who asked, as audit records and ZPA descriptions name them: `slack:U…(name)`. */
export const who = (cmd: { requestedBy: { kind: string; id: string; name?: string } }) =>
  `${cmd.requestedBy.kind}:${cmd.requestedBy.id}${cmd.requestedBy.name ? `(${cmd.requestedBy.name})` : ''}`;
