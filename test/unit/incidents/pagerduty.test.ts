import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, PayloadTooLargeError, ValidationError } from '../../../shared/errors.js';
import { decodeBody } from '../../../shared/webhooks/hmac.js';
import { parseIncidentEvent } from '../../../shared/incidents/event.js';
import { normalisePagerDuty, verifyPagerDutySignature } from '../../../shared/incidents/pagerduty.js';
import { expectUnauthorized, readFixture, thrown } from './helpers.js';

const SECRET = 'pd-subscription-secret-current';
const OLD_SECRET = 'pd-subscription-secret-previous';
const triggered = readFixture('pagerduty-incident-triggered.json');
const resolved = readFixture('pagerduty-incident-resolved.json');

// Computed independently of the module under test.
const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body, 'utf8').digest('hex');

describe('verifyPagerDutySignature', () => {
  it('accepts a valid v1 signature over the raw body', () => {
    expect(() => verifyPagerDutySignature(triggered, `v1=${sign(triggered, SECRET)}`, [SECRET])).not.toThrow();
  });

  it('accepts the second of several v1 signatures (PagerDuty rotating its secret)', () => {
    const header = `v1=${sign(triggered, 'some-other-secret')}, v1=${sign(triggered, SECRET)}`;
    expect(() => verifyPagerDutySignature(triggered, header, [SECRET])).not.toThrow();
  });

  it('accepts a signature made with the second configured secret (us rotating ours)', () => {
    expect(() =>
      verifyPagerDutySignature(triggered, `v1=${sign(triggered, OLD_SECRET)}`, [SECRET, OLD_SECRET]),
    ).not.toThrow();
  });

  it('accepts upper-case hex and ignores unknown versions next to a valid v1', () => {
    const header = `v2=${'0'.repeat(64)},v1=${sign(triggered, SECRET).toUpperCase()}`;
    expect(() => verifyPagerDutySignature(triggered, header, [SECRET])).not.toThrow();
  });

  it('verifies a base64-encoded API Gateway body after decoding', () => {
    const event = { body: Buffer.from(triggered, 'utf8').toString('base64'), isBase64Encoded: true };
    const raw = decodeBody(event.body, event.isBase64Encoded);
    expect(() => verifyPagerDutySignature(raw, `v1=${sign(triggered, SECRET)}`, [SECRET])).not.toThrow();
    // The still-encoded body must not verify: signatures are over the decoded bytes.
    expectUnauthorized(() => verifyPagerDutySignature(event.body, `v1=${sign(triggered, SECRET)}`, [SECRET]));
  });

  it('rejects a tampered body', () => {
    const tampered = triggered.replace('alice@corp.example', 'mallory@corp.example');
    expectUnauthorized(() => verifyPagerDutySignature(tampered, `v1=${sign(triggered, SECRET)}`, [SECRET]));
  });

  it('rejects a body re-serialised by a JSON parser (whitespace differs)', () => {
    const reserialised = JSON.stringify(JSON.parse(triggered));
    expectUnauthorized(() => verifyPagerDutySignature(reserialised, `v1=${sign(triggered, SECRET)}`, [SECRET]));
  });

  it('rejects a signature made with an unknown secret', () => {
    expectUnauthorized(() => verifyPagerDutySignature(triggered, `v1=${sign(triggered, 'guess')}`, [SECRET]));
  });

  it('rejects a missing or empty header', () => {
    expectUnauthorized(() => verifyPagerDutySignature(triggered, undefined, [SECRET]));
    expectUnauthorized(() => verifyPagerDutySignature(triggered, '', [SECRET]));
  });

  it.each([
    ['no version', sign(triggered, SECRET)],
    ['wrong prefix', `sha256=${sign(triggered, SECRET)}`],
    ['bare version', 'v1'],
    ['non-hex', `v1=${'z'.repeat(64)}`],
    ['short hex', `v1=${sign(triggered, SECRET).slice(1)}`],
    ['valid then garbage', `v1=${sign(triggered, SECRET)},garbage`],
    ['unknown version only', `v2=${sign(triggered, SECRET)}`],
    ['too many entries', Array.from({ length: 9 }, () => `v1=${sign(triggered, SECRET)}`).join(',')],
  ])('rejects a malformed header: %s', (_label, header) => {
    expectUnauthorized(() => verifyPagerDutySignature(triggered, header, [SECRET]));
  });

  it('fails closed with a ConfigError when no usable secret is configured', () => {
    expect(() => verifyPagerDutySignature(triggered, `v1=${sign(triggered, '')}`, [''])).toThrow(ConfigError);
    expect(() => verifyPagerDutySignature(triggered, `v1=${sign(triggered, SECRET)}`, [])).toThrow(ConfigError);
  });

  it('refuses an oversized body before verification', () => {
    const big = triggered.replace('"resolve_reason"', `"padding": "${'x'.repeat(300_000)}", "resolve_reason"`);
    expect(() => decodeBody(big, false, 256 * 1024)).toThrow(PayloadTooLargeError);
  });
});

const opts = {
  emailFields: ['custom_details.affected_user', 'body.details.user_email', 'custom_fields.affected_user'],
};

/** The triggered fixture with `event` fields overridden and `event.data` replaced by `data`, as JSON text. */
function withData(data: Record<string, unknown>, event: Record<string, unknown> = {}): string {
  const body = JSON.parse(triggered) as { event: Record<string, unknown> };
  return JSON.stringify({ event: { ...body.event, ...event, data } });
}
const baseData = (JSON.parse(triggered) as { event: { data: Record<string, unknown> } }).event.data;
const emailsFor = (extra: Record<string, unknown>, fields = opts.emailFields) =>
  normalisePagerDuty(withData({ ...baseData, custom_details: undefined, ...extra }), { emailFields: fields })
    .userEmails;

describe('normalisePagerDuty', () => {
  it('maps a triggered incident to an opened IncidentEvent', () => {
    const event = normalisePagerDuty(triggered, opts);
    expect(event).toEqual({
      source: 'pagerduty',
      eventId: '01EJ0X7ZQ4H8KJ2V9N3P5R6T8W',
      incidentId: 'Q3R6MT1YQ2ZJ0A',
      action: 'opened',
      eventType: 'incident.triggered',
      userEmails: ['alice@corp.example'],
      service: 'Payroll Portal',
      title: 'Payroll Portal slow or unreachable for remote user',
      link: 'https://corp-example.pagerduty.com/incidents/Q3R6MT1YQ2ZJ0A',
      occurredAt: '2025-03-04T09:12:44.179Z',
      // The incident's priority wins over its urgency: deep traces start most urgent first.
      priority: 'P2',
    });
    expect(parseIncidentEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('maps a resolved incident to resolved', () => {
    const event = normalisePagerDuty(resolved, opts);
    expect(event).toMatchObject({ action: 'resolved', eventType: 'incident.resolved', incidentId: 'Q3R6MT1YQ2ZJ0A' });
    expect(event.userEmails).toEqual(['alice@corp.example']);
  });

  it.each([
    ['incident.triggered', 'opened'],
    ['incident.reopened', 'opened'],
    ['incident.resolved', 'resolved'],
    ['incident.acknowledged', 'ignored'],
    ['incident.escalated', 'ignored'],
    ['incident.reassigned', 'ignored'],
    ['incident.annotated', 'ignored'],
    ['incident.priority_updated', 'ignored'],
    ['service.updated', 'ignored'],
  ])('maps %s to %s', (eventType, action) => {
    expect(normalisePagerDuty(withData(baseData, { event_type: eventType }), opts).action).toBe(action);
  });

  it('ignores a pagey.ping test delivery, which has no incident', () => {
    const ping = withData({ message: 'Hello from your friend Pagey!', type: 'ping' }, { event_type: 'pagey.ping' });
    expect(normalisePagerDuty(ping, opts)).toMatchObject({ action: 'ignored', incidentId: '', userEmails: [] });
  });

  it('requires event.data.id for events that start or end work', () => {
    const err = thrown(() => normalisePagerDuty(withData({ ...baseData, id: undefined }), opts));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain('event.data.id: required');
  });

  it('rejects invalid JSON with a clear message', () => {
    const err = thrown(() => normalisePagerDuty('{"event": ', opts));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^PagerDuty webhook body is not valid JSON: /);
    expect(() => normalisePagerDuty('', opts)).toThrow('PagerDuty webhook body is empty');
  });

  it('reports each schema issue as path: message', () => {
    expect(() => normalisePagerDuty('{}', opts)).toThrow('invalid PagerDuty webhook: event: required');
    const err = thrown(() => normalisePagerDuty('{"event":{"id":5,"event_type":"","data":[]}}', opts));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).statusCode).toBe(400);
    expect((err as Error).message).toBe(
      'invalid PagerDuty webhook: event.id: expected string, got number; ' +
        'event.event_type: must not be empty; event.data: expected object, got array',
    );
    expect(() => normalisePagerDuty(withData({ ...baseData, service: { summary: 7 } }), opts)).toThrow(
      'event.data.service.summary: expected string, got number',
    );
  });

  it('drops a non-http link instead of rejecting the incident', () => {
    const event = normalisePagerDuty(withData({ ...baseData, html_url: 'javascript:alert(1)' }), opts);
    expect(event.link).toBeUndefined();
    expect(event.action).toBe('opened');
  });

  describe('affected user emails', () => {
    it('reads a single address, a comma/space-separated list and an array', () => {
      expect(emailsFor({ custom_details: { affected_user: 'Alice@Corp.Example' } })).toEqual(['alice@corp.example']);
      expect(
        emailsFor({
          custom_details: { affected_user: 'a@corp.example, b@corp.example c@corp.example;d@corp.example' },
        }),
      ).toEqual(['a@corp.example', 'b@corp.example', 'c@corp.example', 'd@corp.example']);
      expect(
        emailsFor({ custom_details: { affected_user: ['e@corp.example', 'not-an-email', 'E@corp.example', 42] } }),
      ).toEqual(['e@corp.example']);
    });

    it('reads a nested dotted path', () => {
      expect(emailsFor({ body: { details: { user_email: 'Alice Smith <alice@corp.example>' } } })).toEqual([
        'alice@corp.example',
      ]);
    });

    it('reads PagerDuty custom fields, an array of { name, value }', () => {
      const custom_fields = [
        { name: 'environment', value: 'prod' },
        { name: 'affected_user', value: ['dave@corp.example', 'erin@corp.example'] },
      ];
      expect(emailsFor({ custom_fields })).toEqual(['dave@corp.example', 'erin@corp.example']);
    });

    it('combines all configured fields in order and de-duplicates', () => {
      const extra = {
        custom_details: { affected_user: 'bob@corp.example' },
        body: { details: { user_email: 'alice@corp.example,BOB@corp.example' } },
      };
      expect(emailsFor(extra)).toEqual(['bob@corp.example', 'alice@corp.example']);
    });

    it('falls back to addresses in the title only when the fields yield none', () => {
      const title = 'VPN drops for frank@corp.example (mailto:grace@corp.example).';
      expect(emailsFor({ title })).toEqual(['frank@corp.example', 'grace@corp.example']);
      expect(emailsFor({ title, custom_details: { affected_user: 'not an email' } })).toEqual([
        'frank@corp.example',
        'grace@corp.example',
      ]);
      expect(emailsFor({ title, custom_details: { affected_user: 'alice@corp.example' } })).toEqual([
        'alice@corp.example',
      ]);
    });

    it('ignores unusable values and never walks the prototype chain', () => {
      expect(emailsFor({ custom_details: { affected_user: { email: 'x@corp.example' } } })).toEqual([]);
      expect(emailsFor({ custom_details: { affected_user: 12 } })).toEqual([]);
      expect(emailsFor({}, ['__proto__.polluted', 'constructor.name', 'custom_details..x', ''])).toEqual([]);
    });
  });
});

describe('normalisePagerDuty: hostile but correctly signed content', () => {
  const withData = (patch: Record<string, unknown>, eventPatch: Record<string, unknown> = {}) => {
    const body = JSON.parse(triggered) as { event: Record<string, unknown> & { data: Record<string, unknown> } };
    return JSON.stringify({ event: { ...body.event, ...eventPatch, data: { ...body.event.data, ...patch } } });
  };
  const opts = { emailFields: ['custom_details.affected_user'] };

  it("finds every address (the cap is ingestIncident's), so 10,000 are counted, not silently lost", () => {
    const users = Array.from({ length: 10_000 }, (_, i) => `u${i}@corp.example`);
    const event = normalisePagerDuty(withData({ custom_details: { affected_user: users } }), opts);
    expect(event.userEmails).toHaveLength(10_000);
  });

  it('cleans free text of characters SQS refuses, bounds it, and refuses such characters in ids', () => {
    const event = normalisePagerDuty(
      withData({
        title: `Payroll\uFFFF is \uFFFEslow\u0000 ${'x'.repeat(5_000)}`,
        service: { summary: 'Pay\uFFFFroll' },
        priority: { summary: 'P1\uFFFE' },
        html_url: 'https://example.pagerduty.com/incidents/\uFFFF',
      }),
      opts,
    );
    expect(event.title?.startsWith('Payroll is slow xxx')).toBe(true);
    expect(Array.from(event.title ?? '').length).toBeLessThanOrEqual(300);
    expect(event).toMatchObject({ service: 'Payroll', priority: 'P1' });
    expect(event.link).toBeUndefined();
    for (const [data, ev] of [
      [{ id: 'Q\uFFFF1' }, {}],
      [{}, { id: 'evt\uFFFE' }],
      [{ id: 'x'.repeat(300) }, {}],
    ] as const)
      expect(thrown(() => normalisePagerDuty(withData(data, ev), opts))).toBeInstanceOf(ValidationError);
  });
});
