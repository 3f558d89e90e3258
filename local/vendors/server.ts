/**
 * The incident tools' APIs, locally: one loopback HTTP server with a prefix per vendor — `/pagerduty`,
 * `/servicenow`, `/opsgenie`, `/slack/api` — each a stand-in that checks authentication and shapes as the real
 * API does (see each module). Every request is recorded with its answer (`GET /__vendors` lists them), and a
 * test can make a vendor fail the next requests (`failNext`), as an outage would.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_INCIDENT_CHANNEL, LOCAL_REPORTS_SECRET } from './credentials.js';
import type { Recorded, VendorAnswer, VendorApi, VendorRequest } from './http.js';
import { opsgenieApi } from './opsgenie.js';
import { pagerDutyApi } from './pagerduty.js';
import { serviceNowApi } from './servicenow.js';
import { slackApi } from './slack.js';

export type VendorName = 'pagerduty' | 'servicenow' | 'opsgenie' | 'slack';
const PREFIX: Record<VendorName, string> = {
  pagerduty: '/pagerduty',
  servicenow: '/servicenow',
  opsgenie: '/opsgenie',
  slack: '/slack/api',
};

export async function startVendorApis(opts: { port?: number; credentials?: typeof LOCAL_REPORTS_SECRET } = {}) {
  const creds = opts.credentials ?? LOCAL_REPORTS_SECRET;
  const pagerduty = pagerDutyApi(creds.pagerduty.apiToken);
  const servicenow = serviceNowApi(creds.servicenow);
  const opsgenie = opsgenieApi(creds.opsgenie.apiKey);
  const slack = slackApi(creds.slack.botToken, [LOCAL_INCIDENT_CHANNEL]);
  const apis: Record<VendorName, VendorApi> = {
    pagerduty: pagerduty.api,
    servicenow: servicenow.api,
    opsgenie: opsgenie.api,
    slack: slack.api,
  };
  const recorded: Recorded[] = [];
  const faults = new Map<VendorName, { status: number; left: number }>();

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const send = (a: VendorAnswer) => {
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(a.body));
      };
      if (req.method === 'GET' && url.pathname === '/__vendors') return send({ status: 200, body: recorded });
      const vendor = (Object.keys(PREFIX) as VendorName[]).find((v) => url.pathname.startsWith(`${PREFIX[v]}/`));
      if (!vendor) return send({ status: 404, body: { error: 'no vendor stand-in at this path' } });
      let body: unknown = raw;
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        /* keep the text: the stand-in refuses it like the vendor would */
      }
      const request: VendorRequest = {
        method: req.method ?? 'GET',
        path: url.pathname.slice(PREFIX[vendor].length),
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      const fault = faults.get(vendor);
      let answer: VendorAnswer | undefined;
      if (fault && fault.left > 0) {
        fault.left--;
        answer = { status: fault.status, body: { error: { message: 'stand-in outage' } } };
      } else {
        answer = apis[vendor](request) ?? { status: 404, body: { error: { message: 'Not Found' } } };
      }
      recorded.push({ ...request, vendor, at: new Date().toISOString(), answer });
      send(answer);
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** Each vendor's base URL, as the configuration takes it. */
    urls: Object.fromEntries((Object.keys(PREFIX) as VendorName[]).map((v) => [v, `${url}${PREFIX[v]}`])) as Record<
      VendorName,
      string
    >,
    pagerduty,
    servicenow,
    opsgenie,
    slack,
    recorded,
    /** The next `count` requests to `vendor` are answered `status` (an outage), then it answers normally again. */
    failNext(vendor: VendorName, count: number, status = 503) {
      faults.set(vendor, { status, left: count });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type VendorApis = Awaited<ReturnType<typeof startVendorApis>>;
