/**
 * What the reporting tests share: the vendor stand-ins over loopback, the local reports secret as a secret source,
 * an in-memory DeliveryStore with the DynamoDB store's semantics (conditional claims; the DynamoDB one is tested
 * against dynalite in deliveries.test.ts), and a logger whose lines (metrics included) are kept.
 */
import { LOCAL_REPORTS_SECRET } from '../../../local/vendors/credentials.js';
import type { SecretSource } from '../../../shared/aws/secrets.js';
import { createLogger } from '../../../shared/logger.js';
import type { DeliveryMark, DeliveryStore, SlackThread } from '../../../shared/reporting/deliveries.js';
import type { Outcome } from '../../../shared/reporting/reporter.js';
import type { ReportsSecret } from '../../../shared/reporting/reportsSecret.js';

export const secretOf = (
  value: ReportsSecret = LOCAL_REPORTS_SECRET,
): SecretSource<ReportsSecret> & { reads: number } => {
  const s = { reads: 0, get: async () => (s.reads++, value), refresh: async () => value };
  return s;
};

export function memoryDeliveries(now: () => number = Date.now) {
  const marks = new Map<string, DeliveryMark>();
  const threads = new Map<string, Partial<SlackThread> & { claimId?: string; claimedAt?: number }>();
  const store: DeliveryStore = {
    getMark: async (k) => marks.get(k) && { ...marks.get(k)! },
    putMark: async (k, m) => void marks.set(k, { ...m }),
    getThread: async (k) => threads.get(k) && { ...threads.get(k)! },
    claimThread: async (k, claimId, leaseMs) => {
      const t = threads.get(k);
      if (t && (t.ts || (t.claimedAt ?? 0) >= now() - leaseMs)) return false;
      threads.set(k, { claimId, claimedAt: now() });
      return true;
    },
    releaseThread: async (k, claimId) => {
      const t = threads.get(k);
      if (t?.claimId !== claimId || t.ts) return false;
      threads.set(k, { claimId, claimedAt: 0 });
      return true;
    },
    saveThread: async (k, claimId, thread) => {
      const t = threads.get(k);
      if (t?.claimId !== claimId || t.ts) return false;
      threads.set(k, { ...t, ...thread });
      return true;
    },
  };
  return { store, marks, threads };
}

export function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const logger = createLogger({ level: 'debug', sink: (l) => lines.push(JSON.parse(l)) });
  return {
    logger,
    lines,
    metrics: (name: string) =>
      lines
        .filter((l) => l._aws && name in l)
        .map((l) => ({ value: l[name] as number, sink: l.sink as string | undefined })),
    at: (level: string) => lines.filter((l) => l.level === level),
  };
}

export const incident = (source: string, incidentId: string, over: Record<string, unknown> = {}) => ({
  source,
  incidentId,
  title: `${source} incident ${incidentId}`,
  ...over,
});

export const started = (inc: ReturnType<typeof incident>, traceIds: string[]): Outcome => ({
  kind: 'trace.started',
  ok: true,
  text: `Deep trace for ${inc.incidentId} — ${traceIds.map((t) => `laptop: started (trace ${t})`).join('; ')}`,
  data: { incident: inc, results: traceIds.map((traceId, i) => ({ deviceId: i + 1, result: 'started', traceId })) },
});

export const completed = (inc: ReturnType<typeof incident>, traceId: string, text = 'Summary: all good'): Outcome => ({
  kind: 'trace.completed',
  ok: true,
  text,
  data: { incident: inc, deviceId: 1, traceId },
});
