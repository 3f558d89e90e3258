/**
 * Sources whose affected users the trace reconciler can read from the tool's own API when the event names none
 * (`findUsers` on the trace.start): PagerDuty (lookup/pagerduty.ts). Ingress only marks the open; the reconciler,
 * which holds the API token, asks.
 */
export const USER_LOOKUP_SOURCES: ReadonlySet<string> = new Set(['pagerduty']);
