/**
 * `npm run fire -- [triggered|resolved] [options]`: sends a correctly signed sample incident to the local
 * stack, as PagerDuty (default) or the generic HMAC source would.
 *   --email alice@corp.example   affected user (seeded users: alice, bob, carol, dave @corp.example)
 *   --incident Q1LOCAL           incident id (default: a new one per run of `triggered`)
 *   --service "Payroll Portal"   PagerDuty service name (picks the ZDX app to trace)
 *   --source pagerduty|generic   --times N (send the same delivery N times)   --url http://127.0.0.1:3000
 *   --bad-signature              sign with a wrong secret (expect 401)
 */
import { createHmac, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LOCAL_WEBHOOK_SECRETS } from './fakeSecrets.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    email: { type: 'string', default: 'alice@corp.example' },
    incident: { type: 'string' },
    service: { type: 'string', default: 'Payroll Portal' },
    source: { type: 'string', default: 'pagerduty' },
    times: { type: 'string', default: '1' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.LOCAL_HTTP_PORT ?? 3000}` },
    'bad-signature': { type: 'boolean', default: false },
  },
});
const kind = positionals[0] ?? 'triggered';
if (!['triggered', 'resolved'].includes(kind)) throw new Error(`unknown event "${kind}": use triggered or resolved`);
const incident = values.incident ?? `Q${Date.now().toString(36).toUpperCase()}`;
const eventId = randomUUID();

const { body, headers } = values.source === 'generic' ? generic() : pagerduty();
for (let i = 1; i <= Number(values.times); i++) {
  const res = await fetch(`${values.url}/webhooks/${values.source}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  console.log(`#${i} ${res.status} ${await res.text()}`);
}
console.log(
  `incident ${incident} (${kind}) for ${values.email}; resolve it with: npm run fire -- resolved --incident ${incident} --email ${values.email}`,
);

function pagerduty() {
  const body = JSON.stringify({
    event: {
      id: eventId,
      event_type: `incident.${kind}`,
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent: { id: 'PLOCAL1', type: 'user_reference', summary: 'Local Tester' },
      data: {
        id: incident,
        type: 'incident',
        number: 1,
        status: kind,
        incident_key: incident,
        title: `Slow ${values.service} for ${values.email}`,
        html_url: `https://example.pagerduty.com/incidents/${incident}`,
        service: { id: 'PSVC001', summary: values.service, type: 'service_reference' },
        custom_details: { affected_user: values.email },
      },
    },
  });
  const secret = values['bad-signature'] ? 'not-the-right-secret-at-all' : LOCAL_WEBHOOK_SECRETS.pagerduty[0]!;
  return {
    body,
    headers: { 'x-pagerduty-signature': `v1=${createHmac('sha256', secret).update(body).digest('hex')}` },
  };
}

function generic() {
  const body = JSON.stringify({
    event_id: eventId,
    incident_id: incident,
    action: kind === 'triggered' ? 'opened' : 'resolved',
    user_emails: [values.email],
    service: values.service,
  });
  const ts = Math.floor(Date.now() / 1000);
  const secret = values['bad-signature'] ? 'not-the-right-secret-at-all' : LOCAL_WEBHOOK_SECRETS.generic[0]!;
  return {
    body,
    headers: {
      'x-signature': `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
      'x-signature-timestamp': String(ts),
    },
  };
}
