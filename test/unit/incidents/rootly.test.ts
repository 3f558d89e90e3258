import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { parseIncidentEvent } from '../../../shared/incidents/event.js';
import { commandIdFor } from '../../../shared/incidents/ingest.js';
import { normaliseRootly, signRootlyPayload, verifyRootlySignature } from '../../../shared/incidents/rootly.js';
import { everyOneCharChange } from '../webhooks/mutations.js';
import { expectUnauthorized, readFixture, thrown } from './helpers.js';

const created = readFixture('rootly-created.json');
const resolved = readFixture('rootly-resolved.json');
const SECRET = 'rootly-test-secret-0001';
const NEXT = 'rootly-test-secret-0002';
const NOW = 1_492_774_588;

describe('Rootly: signature', () => {
  it('matches an independently computed value: hex HMAC-SHA256 over "<t><body>", no separator', () => {
    // openssl: printf '%s' '1492774588{"event":{"id":"e1","type":"incident.created"}}' | openssl dgst -sha256 -hmac rootly-test-secret-0001
    const body = '{"event":{"id":"e1","type":"incident.created"}}';
    expect(signRootlyPayload(body, SECRET, NOW)).toBe(
      't=1492774588,v1=9eb0bb54a62fed2fe8edbb38dfaaaad8f8f259e8e58b5df4971bd6ef73981165',
    );
  });

  it('accepts a fresh signature, with either secret during a rotation', () => {
    expect(() => verifyRootlySignature(created, signRootlyPayload(created, SECRET, NOW), [SECRET], NOW)).not.toThrow();
    expect(() =>
      verifyRootlySignature(created, signRootlyPayload(created, NEXT, NOW), [SECRET, NEXT], NOW),
    ).not.toThrow();
  });

  it('refuses every one-character change of the body and of the header, a stale time, a wrong secret', () => {
    const header = signRootlyPayload(created, SECRET, NOW);
    for (const body of everyOneCharChange(created))
      expectUnauthorized(() => verifyRootlySignature(body, header, [SECRET], NOW));
    for (const h of everyOneCharChange(header))
      expectUnauthorized(() => verifyRootlySignature(created, h, [SECRET], NOW));
    expectUnauthorized(() => verifyRootlySignature(created, header, [SECRET], NOW + 301));
    expectUnauthorized(() => verifyRootlySignature(created, header, [NEXT], NOW));
    expectUnauthorized(() => verifyRootlySignature(created, undefined, [SECRET], NOW));
  });

  it('property: sign → verify accepts; a changed body or another secret is refused', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ minLength: 16, maxLength: 40 }), (body, secret) => {
        const header = signRootlyPayload(body, secret, NOW);
        verifyRootlySignature(body, header, [secret], NOW);
        expectUnauthorized(() => verifyRootlySignature(`x${body}`, header, [secret], NOW));
        expectUnauthorized(() => verifyRootlySignature(body, header, [`${secret}x`], NOW));
      }),
    );
  });
});

describe('Rootly: mapping', () => {
  it('maps incident.created to opened: data.id, sequential id in the title, the user: label, service, severity', () => {
    const event = normaliseRootly(created);
    expect(event).toEqual({
      source: 'rootly',
      eventId: 'bb0b3ea6-2f45-4a47-a8c5-3d1b2c7e9f01',
      incidentId: '6f2a9d3e-7c41-4b8e-9a15-0c2d4e6f8a10',
      action: 'opened',
      eventType: 'incident.created',
      userEmails: ['alice@corp.example'],
      title: '#213 Payroll Portal slow for remote users',
      service: 'Payroll Portal',
      priority: 'SEV1',
      link: 'https://rootly.com/account/incidents/213-payroll-portal-slow-for-remote-users',
      occurredAt: '2025-12-03T15:40:12.585Z',
    });
    expect(parseIncidentEvent(event)).toEqual(event);
  });

  it('maps incident.resolved and incident.cancelled to resolved; a {key, value} label names the user', () => {
    const done = normaliseRootly(resolved);
    expect(done).toMatchObject({ action: 'resolved', userEmails: ['alice@corp.example'] });
    expect(commandIdFor('rootly', done.eventId)).not.toBe(commandIdFor('rootly', normaliseRootly(created).eventId));
    const cancelled = JSON.stringify({ ...JSON.parse(resolved), event: { id: 'e9', type: 'incident.cancelled' } });
    expect(normaliseRootly(cancelled).action).toBe('resolved');
  });

  it('ignores maintenance and other events, and finds no user when nothing names one', () => {
    expect(normaliseRootly(readFixture('rootly-scheduled-in-progress.json')).action).toBe('ignored');
    const body = JSON.parse(created);
    body.data.labels = { affected_user: 'Dave@corp.example' };
    expect(normaliseRootly(JSON.stringify(body)).userEmails).toEqual(['dave@corp.example']);
    body.data.labels = [];
    expect(normaliseRootly(JSON.stringify(body)).userEmails).toEqual([]);
  });

  it('refuses an incident event without data.id and ids holding U+FFFF', () => {
    const body = JSON.parse(created);
    delete body.data.id;
    expect(thrown(() => normaliseRootly(JSON.stringify(body)))).toBeInstanceOf(ValidationError);
    body.data.id = 'abc\uFFFF';
    expect(thrown(() => normaliseRootly(JSON.stringify(body)))).toBeInstanceOf(ValidationError);
  });
});
