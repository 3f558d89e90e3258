import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../../shared/errors.js';
import { normaliseGeneric, signGenericPayload, verifyGenericSignature } from '../../../shared/incidents/generic.js';
import { decodeBody } from '../../../shared/webhooks/hmac.js';
import { parseIncidentEvent } from '../../../shared/incidents/event.js';
import { expectUnauthorized, readFixture, thrown } from './helpers.js';

const SECRET = 'generic-secret-2025';
const NEXT_SECRET = 'generic-secret-2026';
const NOW = 1_741_080_000;
const body = readFixture('generic-opened.json');

// Computed independently of the module under test: hex HMAC-SHA256 of "<timestamp>.<body>".
const sign = (raw: string, secret: string, ts: number | string) =>
  `sha256=${createHmac('sha256', secret).update(`${ts}.${raw}`, 'utf8').digest('hex')}`;
const headersAt = (ts: number, raw = body, secret = SECRET) => ({
  signature: sign(raw, secret, ts),
  timestamp: String(ts),
});

describe('verifyGenericSignature', () => {
  it('accepts a valid signature with a current timestamp', () => {
    expect(() => verifyGenericSignature(body, headersAt(NOW), [SECRET], NOW)).not.toThrow();
  });

  it('accepts a signature made with the second configured secret', () => {
    expect(() =>
      verifyGenericSignature(body, headersAt(NOW, body, NEXT_SECRET), [SECRET, NEXT_SECRET], NOW),
    ).not.toThrow();
  });

  it('defaults now to the real clock', () => {
    const ts = Math.floor(Date.now() / 1000);
    expect(() => verifyGenericSignature(body, headersAt(ts), [SECRET])).not.toThrow();
    expectUnauthorized(() => verifyGenericSignature(body, headersAt(ts - 3600), [SECRET]));
  });

  it('accepts timestamps at the edges of the 300 s window', () => {
    expect(() => verifyGenericSignature(body, headersAt(NOW - 300), [SECRET], NOW)).not.toThrow();
    expect(() => verifyGenericSignature(body, headersAt(NOW + 300), [SECRET], NOW)).not.toThrow();
  });

  it('rejects a replayed (stale) request even though its signature is valid', () => {
    expectUnauthorized(() => verifyGenericSignature(body, headersAt(NOW - 301), [SECRET], NOW));
  });

  it('rejects a timestamp too far in the future', () => {
    expectUnauthorized(() => verifyGenericSignature(body, headersAt(NOW + 301), [SECRET], NOW));
  });

  it('rejects a fresh timestamp swapped onto an old signature (the timestamp is signed)', () => {
    const old = headersAt(NOW - 3600);
    expectUnauthorized(() => verifyGenericSignature(body, { ...old, timestamp: String(NOW) }, [SECRET], NOW));
  });

  it('rejects a tampered body', () => {
    const tampered = body.replace('"opened"', '"resolved"');
    expectUnauthorized(() => verifyGenericSignature(tampered, headersAt(NOW), [SECRET], NOW));
  });

  it('rejects an unknown secret', () => {
    expectUnauthorized(() => verifyGenericSignature(body, headersAt(NOW, body, 'guess'), [SECRET], NOW));
  });

  it('rejects missing headers', () => {
    expectUnauthorized(() => verifyGenericSignature(body, {}, [SECRET], NOW));
    expectUnauthorized(() => verifyGenericSignature(body, { timestamp: String(NOW) }, [SECRET], NOW));
    expectUnauthorized(() => verifyGenericSignature(body, { signature: sign(body, SECRET, NOW) }, [SECRET], NOW));
  });

  it.each([
    ['no prefix', (s: string) => s.replace('sha256=', '')],
    ['other prefix', (s: string) => s.replace('sha256=', 'v1=')],
    ['truncated', (s: string) => s.slice(0, -2)],
    ['non-hex', (s: string) => s.replace(/.$/, 'g')],
    ['two values', (s: string) => `${s},${s}`],
  ])('rejects a malformed signature header: %s', (_label, mangle) => {
    const headers = headersAt(NOW);
    expectUnauthorized(() =>
      verifyGenericSignature(body, { ...headers, signature: mangle(headers.signature) }, [SECRET], NOW),
    );
  });

  it('rejects a malformed timestamp', () => {
    const ts = `${NOW}.0`;
    expectUnauthorized(() =>
      verifyGenericSignature(body, { signature: sign(body, SECRET, ts), timestamp: ts }, [SECRET], NOW),
    );
  });

  it('verifies a base64-encoded API Gateway body after decoding', () => {
    const raw = decodeBody(Buffer.from(body, 'utf8').toString('base64'), true);
    expect(() => verifyGenericSignature(raw, headersAt(NOW), [SECRET], NOW)).not.toThrow();
  });

  it('fails closed with a ConfigError on an empty secret list', () => {
    expect(() => verifyGenericSignature(body, headersAt(NOW), [], NOW)).toThrow(ConfigError);
  });

  it('signGenericPayload produces the documented header value', () => {
    expect(signGenericPayload(body, SECRET, NOW)).toBe(sign(body, SECRET, NOW));
  });
});

const bodyWith = (patch: Record<string, unknown>) =>
  JSON.stringify({ ...(JSON.parse(body) as Record<string, unknown>), ...patch });

describe('normaliseGeneric', () => {
  it('maps the fixture to an IncidentEvent with lower-cased emails', () => {
    const event = normaliseGeneric(body);
    expect(event).toEqual({
      source: 'generic',
      eventId: 'snow-evt-8f3c2a91-4b7d-4e0a-9c61-2d5e7f80b13a',
      incidentId: 'INC0012345',
      action: 'opened',
      eventType: 'opened',
      userEmails: ['alice@corp.example', 'bob@corp.example'],
      service: 'Payroll Portal',
      title: 'Payroll Portal slow or unreachable for remote users',
      link: 'https://corp-example.service-now.com/nav_to.do?uri=incident.do?sys_id=9d385017c611228701d22104cc95c371',
    });
    expect(parseIncidentEvent(event)).toEqual(event);
  });

  it('maps resolved, de-duplicates emails and omits absent optional fields', () => {
    const raw = JSON.stringify({
      event_id: 'e2',
      incident_id: 'i1',
      action: 'resolved',
      user_emails: ['A@x.io', 'a@X.io'],
    });
    expect(normaliseGeneric(raw)).toEqual({
      source: 'generic',
      eventId: 'e2',
      incidentId: 'i1',
      action: 'resolved',
      eventType: 'resolved',
      userEmails: ['a@x.io'],
    });
  });

  it('rejects invalid JSON with a clear message', () => {
    const err = thrown(() => normaliseGeneric('{"event_id":'));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^generic webhook body is not valid JSON: /);
  });

  it.each([
    [{ action: 'closed' }, 'action: expected one of "opened", "resolved"'],
    [{ user_emails: ['alice@corp.example', 'nope'] }, 'user_emails[1]: invalid email address'],
    [{ user_emails: 'alice@corp.example' }, 'user_emails: expected array, got string'],
    [{ link: 'javascript:alert(1)' }, 'link: invalid http(s) URL'],
    [{ event_id: undefined }, 'event_id: required'],
    [{ incident_id: '' }, 'incident_id: must not be empty'],
    [{ service: 42 }, 'service: expected string, got number'],
    [{ event_id: 'e\uFFFF1' }, 'event_id: holds a character a queue message cannot carry'],
    [{ incident_id: 'x'.repeat(257) }, 'incident_id: must have at most 256 characters'],
  ])('reports schema violation %j as a clear message', (patch, message) => {
    const err = thrown(() => normaliseGeneric(bodyWith(patch)));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe(`invalid generic webhook: ${message}`);
  });

  it('lists every issue when several fields are wrong', () => {
    expect(() => normaliseGeneric('{"action":"opened"}')).toThrow(
      'invalid generic webhook: event_id: required; incident_id: required; user_emails: required',
    );
    expect(() => normaliseGeneric('[]')).toThrow('invalid generic webhook: (root): expected object, got array');
  });
});
