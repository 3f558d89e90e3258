/**
 * Carries out a plan against ZPA, one operation at a time (ZPA allows 10 writes per 10 s, which the client
 * paces, and refuses concurrent policy writes), with one audit record per change. A failed operation does not
 * stop the others: the next run retries whatever is still wrong. Running out of time stops the run cleanly.
 */
import { DeadlineExceededError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseRuleName, parseSegmentMarker } from './markers.js';
import type { Operation } from './plan.js';
import type { BypassPort, SegmentObject } from './port.js';

export interface ExecuteResult {
  done: Operation[];
  failed: Array<{ op: Operation; error: string }>;
  drift: Operation[];
  /** Not attempted because the invocation ran out of time; the next run plans them again. */
  deferred: Operation[];
}

export async function executePlan(
  plan: Operation[],
  ctx: {
    port: BypassPort;
    logger: Logger;
    trigger: { kind: string; id: string; by?: string };
    dryRun: boolean;
    segments: SegmentObject[];
  },
): Promise<ExecuteResult> {
  const result: ExecuteResult = { done: [], failed: [], drift: [], deferred: [] };
  const byId = new Map(ctx.segments.map((s) => [s.id, s]));
  for (const [i, op] of plan.entries()) {
    if (op.op === 'drift') {
      result.drift.push(op);
      ctx.logger.warn('drift', { target: op.target, detail: op.detail, policy: op.policy });
      ctx.logger.metric('BypassDrift', 1, { dims: { policy: op.policy } });
      ctx.logger.audit({
        action: 'zpa.bypass.drift',
        trigger: ctx.trigger,
        target: { name: op.target },
        after: op.detail,
        result: 'skipped',
        reason: `policy ${op.policy}`,
      });
      continue;
    }
    if (ctx.dryRun) {
      ctx.logger.audit({
        action: `zpa.bypass.${op.op}`,
        trigger: ctx.trigger,
        target: targetOf(op),
        after: op,
        result: 'dry-run',
        reason: op.why,
      });
      result.done.push(op);
      continue;
    }
    try {
      const change = await apply(op, ctx.port, byId);
      ctx.logger.audit({
        action: `zpa.bypass.${op.op}`,
        trigger: ctx.trigger,
        target: targetOf(op),
        before: change.before,
        after: change.after,
        result: 'success',
        reason: op.why,
      });
      countChange(op, byId, ctx.logger);
      result.done.push(op);
    } catch (e) {
      // Out of time (a window over hundreds of segments at 10 writes per 10 s): stop cleanly, not with one
      // failure record per remaining write; ZPA still holds the truth, so the next run carries on.
      if (e instanceof DeadlineExceededError) {
        result.deferred = plan.slice(i).filter((o) => o.op !== 'drift');
        ctx.logger.warn('reconcile out of time; the next run continues', { deferred: result.deferred.length });
        break;
      }
      ctx.logger.audit({
        action: `zpa.bypass.${op.op}`,
        trigger: ctx.trigger,
        target: targetOf(op),
        result: 'failed',
        reason: (e as Error).message,
      });
      result.failed.push({ op, error: (e as Error).message });
    }
  }
  return result;
}

/**
 * BypassesApplied / BypassesReverted for a change made: a rule created or a segment newly set to ALWAYS; a rule
 * deleted (not a duplicate copy) or a segment restored. A segment handed from one window to another (it carries
 * our marker already) or put back after drift is neither; a rule created again after drift is applied again.
 */
function countChange(op: Exclude<Operation, { op: 'drift' }>, segments: Map<string, SegmentObject>, logger: Logger) {
  switch (op.op) {
    case 'create-rule':
      logger.metric('BypassesApplied', 1, { dims: { kind: 'window' } });
      return;
    case 'set-bypass-always':
      if (!parseSegmentMarker(segments.get(op.segmentId)?.description))
        logger.metric('BypassesApplied', 1, { dims: { kind: 'window' } });
      return;
    case 'delete-rule':
      if (!op.duplicate)
        logger.metric('BypassesReverted', 1, { dims: { kind: parseRuleName(op.name)?.kind ?? 'window' } });
      return;
    case 'restore-bypass':
      logger.metric('BypassesReverted', 1, { dims: { kind: 'window' } });
      return;
    default:
      return;
  }
}

async function apply(
  op: Exclude<Operation, { op: 'drift' }>,
  port: BypassPort,
  segments: Map<string, SegmentObject>,
): Promise<{ before?: unknown; after?: unknown }> {
  switch (op.op) {
    case 'create-rule': {
      const id = await port.createBypassRule(op);
      // New rules land just above the default rule; a bypass must win. If the move fails, say what exists now.
      await port.moveRuleFirst(id).catch((e: unknown) => {
        throw Object.assign(e as Error, {
          message: `created rule ${id}, but moving it first failed (the next run moves it): ${(e as Error).message}`,
        });
      });
      return { after: { ruleId: id, name: op.name, appIds: op.appIds, order: 1 } };
    }
    case 'update-rule':
      await port.updateBypassRule(op.ruleId, op);
      return {
        before: op.before,
        after: { ...op.before, action: 'BYPASS', appIds: op.appIds, description: op.description },
      };
    case 'move-rule-first':
      await port.moveRuleFirst(op.ruleId);
      return {
        before: { ruleId: op.ruleId, ruleOrder: op.before.ruleOrder },
        after: { ruleId: op.ruleId, ruleOrder: '1' },
      };
    case 'delete-rule':
      await port.deleteRule(op.ruleId);
      return { before: op.before };
    case 'set-bypass-always': {
      const seg = segments.get(op.segmentId)!;
      await port.writeSegment(seg, { bypassType: 'ALWAYS', description: op.description });
      return {
        before: { bypassType: seg.bypassType, description: seg.description },
        after: { bypassType: 'ALWAYS', description: op.description },
      };
    }
    case 'restore-bypass': {
      const seg = segments.get(op.segmentId)!;
      await port.writeSegment(seg, { bypassType: op.prev, description: op.description });
      return {
        before: { bypassType: seg.bypassType, description: seg.description },
        after: { bypassType: op.prev, description: op.description },
      };
    }
  }
}

function targetOf(op: Exclude<Operation, { op: 'drift' }>): Record<string, unknown> {
  return 'segmentId' in op
    ? { segmentId: op.segmentId, segment: op.name }
    : { rule: op.name, ...('ruleId' in op ? { ruleId: op.ruleId } : {}) };
}
