/**
 * Metrics as CloudWatch embedded metric format (EMF) log lines: CloudWatch Logs turns each line into metric
 * data points, so a metric costs no API call and no dependency, and goes through the same sink as the logs
 * (tests read both). Every metric is published without dimensions (what alarms watch: one series per name)
 * and, when the caller names some, once more with them (what the dashboard breaks down: by source, by reason).
 *
 * The names are fixed here, with what they count, so `serverless.yml` alarms and the dashboard can be checked
 * against this list (test/unit/config/metrics.test.ts).
 */

/** The CloudWatch namespace of every metric (serverless.yml alarms use the same). */
export const METRICS_NAMESPACE = 'ZscalerAutomation';

/** Every metric the project emits, with what one data point means. All are counts unless `unit` says otherwise. */
export const METRICS = {
  // Deep traces (trace reconciler).
  TracesStarted: 'a deep trace started in ZDX',
  TracesBusy: 'a device already had another deep trace (ZDX allows one per device)',
  TracesWaiting: 'incidents waiting for a deep-trace slot at the end of a run (a gauge)',
  TracesCompleted: 'a deep trace ended and its summary was reported',
  TracesFailed: 'a deep trace could not be started or tracked (reported to the requester)',
  TracesStopped: 'a deep trace stopped because its incident resolved',
  TraceReconcileRuns: 'a trace reconciler run',
  TraceReconcileFailures: 'a trace reconciler run or step failed (the next run retries it)',
  TraceReconcileDuration: 'how long a trace reconciler run took (milliseconds)',
  // Reports back to requesters and incident tools.
  ReportsSent: 'an outcome posted to a reply target',
  ReportsFailed: 'posting an outcome failed',
  // Bypasses (policy reconciler).
  BypassesApplied: 'a bypass was put in force in ZPA',
  BypassesReverted: 'a bypass was taken out of ZPA',
  BypassDrift: 'ZPA differed from what the tool put there',
  BypassesRefused: 'a window or chat bypass was refused by a guardrail',
  BypassesOverdue: 'bypasses still in force past their end plus the grace (a gauge, every reconcile)',
  ReconcileRuns: 'a policy reconciler run',
  ReconcileFailures: 'a policy reconciler run failed',
  ReconcileDuration: 'how long a policy reconciler run took (milliseconds)',
  // Ingress.
  WebhooksAccepted: 'a signed webhook or chat request was accepted',
  WebhooksRejected: 'a webhook or chat request was refused (dimension: reason)',
  // The Zscaler HTTP core.
  ZscalerThrottled: 'Zscaler answered 429 (dimension: product)',
  ZscalerRetries: 'a Zscaler request was sent again',
  ZscalerTokenFetches: 'a Zscaler access token was fetched',
  ZscalerAuthFailures: 'Zscaler refused our credentials after the one refresh-and-retry',
  // Queues.
  DeadLetters: 'a message was given up on and left for its dead-letter queue',
  CommandsLost: 'an acknowledged chat command never reached its consumer (its check found no receipt)',
} as const;

export type MetricName = keyof typeof METRICS;
export type MetricUnit = 'Count' | 'Milliseconds';

/** Dimension values are short labels (a source, a reason code), never user data. */
export type MetricDimensions = Record<string, string>;

/** One EMF line for `name`; `dims` adds a second, broken-down series beside the plain one. */
export function emfLine(
  name: MetricName,
  value: number,
  unit: MetricUnit = 'Count',
  dims: MetricDimensions = {},
  now = Date.now(),
): Record<string, unknown> {
  const keys = Object.keys(dims).sort();
  return {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: keys.length ? [[], keys] : [[]],
          Metrics: [{ Name: name, Unit: unit }],
        },
      ],
    },
    ...dims,
    [name]: value,
  };
}
