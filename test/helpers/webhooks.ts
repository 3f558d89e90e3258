/** Signed sample webhooks, as PagerDuty and the generic source would send them. */
import { createHmac, randomUUID } from 'node:crypto';
import { LOCAL_WEBHOOK_SECRETS } from '../../local/fakeSecrets.js';

export function pagerDutyDelivery(opts: {
  kind: 'triggered' | 'resolved';
  incidentId: string;
  email?: string;
  service?: string;
  eventId?: string;
  secret?: string;
  occurredAt?: string | null;
}) {
  const body = JSON.stringify({
    event: {
      id: opts.eventId ?? randomUUID(),
      event_type: `incident.${opts.kind}`,
      resource_type: 'incident',
      ...(opts.occurredAt === null ? {} : { occurred_at: opts.occurredAt ?? new Date().toISOString() }),
      data: {
        id: opts.incidentId,
        type: 'incident',
        status: opts.kind,
        title: 'Payroll is slow',
        html_url: `https://example.pagerduty.com/incidents/${opts.incidentId}`,
        service: { id: 'PSVC001', summary: opts.service ?? 'Payroll Portal', type: 'service_reference' },
        custom_details: opts.email ? { affected_user: opts.email } : {},
      },
    },
  });
  const sig = createHmac('sha256', opts.secret ?? LOCAL_WEBHOOK_SECRETS.pagerduty[0]!)
    .update(body)
    .digest('hex');
  return { body, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': `v1=${sig}` } };
}

export const post = (url: string, d: { body: string; headers: Record<string, string> }) =>
  fetch(url, { method: 'POST', body: d.body, headers: d.headers }).then(async (r) => ({
    status: r.status,
    json: (await r.json()) as Record<string, unknown>,
  }));

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
