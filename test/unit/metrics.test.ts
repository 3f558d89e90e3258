import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { METRICS_NAMESPACE, emfLine } from '../../shared/metrics.js';

describe('metrics as EMF lines', () => {
  it('publishes a plain series, and a broken-down one when dimensions are given', () => {
    const plain = emfLine('TracesStarted', 1, 'Count', {}, 1_000) as any;
    expect(plain._aws).toEqual({
      Timestamp: 1_000,
      CloudWatchMetrics: [
        { Namespace: METRICS_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: 'TracesStarted', Unit: 'Count' }] },
      ],
    });
    expect(plain.TracesStarted).toBe(1);
    const split = emfLine('WebhooksRejected', 2, 'Count', { source: 'pagerduty', reason: 'signature' }) as any;
    expect(split._aws.CloudWatchMetrics[0].Dimensions).toEqual([[], ['reason', 'source']]);
    expect(split).toMatchObject({ source: 'pagerduty', reason: 'signature', WebhooksRejected: 2 });
  });

  it('goes through the logger sink whatever the log level, without the logger fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'error', sink: (l) => lines.push(l) }).child({ function: 'x', user: 'a@b.c' });
    log.info('dropped by the level');
    log.metric('ReconcileDuration', 120, { unit: 'Milliseconds' });
    expect(lines).toHaveLength(1);
    const m = JSON.parse(lines[0]!);
    expect(m.ReconcileDuration).toBe(120);
    expect(m._aws.CloudWatchMetrics[0].Metrics[0]).toEqual({ Name: 'ReconcileDuration', Unit: 'Milliseconds' });
    expect(m.user).toBeUndefined();
  });
});
