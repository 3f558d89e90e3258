/**
 * PagerDuty's affected user through its REST API: the configured paths read against alerts and incident custom
 * field values (pure, with a property test of the boundary), and the lookup over loopback HTTP against the
 * PagerDuty stand-in (headers, both calls, the cache, 404/401/5xx, the bounded time).
 */
import fc from 'fast-check';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REPORTS_SECRET } from '../../../../local/vendors/credentials.js';
import { startVendorApis, type VendorApis } from '../../../../local/vendors/server.js';
import { AppError, ConfigError } from '../../../../shared/errors.js';
import {
  emailsFromPagerDuty,
  lookupPagerDutyUsers,
  pagerDutyLookupCache,
} from '../../../../shared/incidents/lookup/pagerduty.js';

const FIELDS = ['custom_details.affected_user', 'body.details.user_email', 'custom_fields.affected_user'];
const alert = (body: unknown) => ({ id: 'PALERT', type: 'alert', body });

describe('emailsFromPagerDuty', () => {
  it('reads the configured paths in each alert’s details (or cef_details) and the custom field values', () => {
    const alerts = {
      alerts: [
        alert({ type: 'alert_body', details: { affected_user: 'Alice@Corp.Example', other: 'x@corp.example' } }),
        alert({ cef_details: { details: { affected_user: 'bob@corp.example' } } }),
        alert({ details: { user_email: 'carol@corp.example, not-an-email' } }),
      ],
    };
    const fields = {
      custom_fields: [
        { name: 'affected_user', display_name: 'Affected user', value: 'dave@corp.example', data_type: 'string' },
        { name: 'region', value: 'eu@corp.example' },
      ],
    };
    expect(emailsFromPagerDuty(alerts, fields, FIELDS)).toEqual([
      'alice@corp.example',
      'dave@corp.example',
      'bob@corp.example',
      'carol@corp.example',
    ]);
  });

  it('custom fields count even when the incident has no alert; nothing configured reads nothing', () => {
    const fields = { custom_fields: [{ name: 'affected_user', value: ['e1@corp.example', 'e2@corp.example'] }] };
    expect(emailsFromPagerDuty({ alerts: [] }, fields, FIELDS)).toEqual(['e1@corp.example', 'e2@corp.example']);
    expect(emailsFromPagerDuty({ alerts: [] }, fields, [])).toEqual([]);
  });

  it('property: any answer shape yields only valid, lower-cased, distinct addresses, and never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.array(fc.string(), { maxLength: 4 }), (a, f, paths) => {
        const out = emailsFromPagerDuty(a, f, [...FIELDS, ...paths]);
        expect(new Set(out).size).toBe(out.length);
        for (const e of out) {
          expect(e).toBe(e.toLowerCase());
          expect(e).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/);
        }
      }),
    );
  });
});

describe('lookupPagerDutyUsers over HTTP', () => {
  let v: VendorApis;
  beforeAll(async () => {
    v = await startVendorApis();
    v.pagerduty.seedIncident('QLOOK1', {
      alerts: [alert({ details: { affected_user: 'alice@corp.example' } })],
      customFields: [{ name: 'affected_user', value: 'bob@corp.example' }],
    });
  });
  afterAll(() => v.close());
  const deps = (over = {}) => ({
    baseUrl: v.urls.pagerduty,
    apiToken: LOCAL_REPORTS_SECRET.pagerduty.apiToken,
    emailFields: FIELDS,
    ...over,
  });

  it('reads both endpoints with PagerDuty’s headers and combines them', async () => {
    const before = v.recorded.length;
    expect(await lookupPagerDutyUsers('QLOOK1', deps())).toEqual(['alice@corp.example', 'bob@corp.example']);
    const calls = v.recorded.slice(before);
    expect(calls.map((c) => c.path).sort()).toEqual([
      '/incidents/QLOOK1/alerts',
      '/incidents/QLOOK1/custom_fields/values',
    ]);
    for (const c of calls)
      expect(c.headers).toMatchObject({
        authorization: `Token token=${LOCAL_REPORTS_SECRET.pagerduty.apiToken}`,
        accept: 'application/vnd.pagerduty+json;version=2',
      });
    expect(calls.find((c) => c.path.endsWith('/alerts'))!.query.get('limit')).toBe('25');
  });

  it('caches per incident: a second lookup makes no request until the entry expires', async () => {
    let now = 0;
    const cache = pagerDutyLookupCache(60_000, 10, () => now);
    await lookupPagerDutyUsers('QLOOK1', deps({ cache }));
    const before = v.recorded.length;
    expect(await lookupPagerDutyUsers('QLOOK1', deps({ cache }))).toEqual(['alice@corp.example', 'bob@corp.example']);
    expect(v.recorded).toHaveLength(before);
    now += 60_000;
    await lookupPagerDutyUsers('QLOOK1', deps({ cache }));
    expect(v.recorded).toHaveLength(before + 2);
  });

  it('an incident PagerDuty does not know has no users', async () => {
    expect(await lookupPagerDutyUsers('not-an-id', deps())).toEqual([]);
  });

  it('a refused key is a ConfigError that does not hold the key', async () => {
    const e = await lookupPagerDutyUsers('QLOOK1', deps({ apiToken: 'a-wrong-pagerduty-token' })).catch((x) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe("PagerDuty refused the lookup's API key (401)");
    expect(e.message).not.toContain('a-wrong-pagerduty-token');
  });

  it('PagerDuty down (503) is retryable', async () => {
    v.failNext('pagerduty', 2, 503);
    const e = await lookupPagerDutyUsers('QLOOK1', deps()).catch((x) => x);
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({ code: 'pagerduty_unavailable', retryable: true });
  });

  it('a PagerDuty that never answers is given up after the bounded time, retryably', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const t0 = Date.now();
    const e = await lookupPagerDutyUsers(
      'QLOOK1',
      deps({ baseUrl: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, timeoutMs: 300 }),
    ).catch((x) => x);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(e).toMatchObject({
      code: 'pagerduty_unavailable',
      retryable: true,
      message: 'PagerDuty lookup failed: no answer in time',
    });
    silent.close();
  });
});
