import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { datadogSource, normaliseDatadog } from '../../../shared/incidents/datadog.js';
import { parseIncidentEvent } from '../../../shared/incidents/event.js';
import { commandIdFor } from '../../../shared/incidents/ingest.js';
import { MAX_LIST_ITEMS } from '../../../shared/incidents/source.js';
import { expectUnauthorized, readFixture, thrown } from './helpers.js';

const triggered = readFixture('datadog-triggered.json');
const recovered = readFixture('datadog-recovered.json');
const TOKEN = 'datadog-test-token-2025-0001';

describe('Datadog monitors', () => {
  it('maps Triggered to opened: the cycle key, the user: tag, the service: tag, priority, link, $DATE', () => {
    const event = normaliseDatadog(triggered);
    expect(event).toEqual({
      source: 'datadog',
      eventId: '7832917645312098001:Triggered:7832917645312098765',
      incidentId: '7832917645312098001',
      action: 'opened',
      eventType: 'Triggered',
      userEmails: ['alice@corp.example'],
      title: '[Triggered] Payroll Portal p95 latency above 5 s',
      service: 'payroll-portal',
      priority: 'P2',
      link: 'https://app.datadoghq.com/event/event?id=7832917645312098765',
      occurredAt: new Date(1764776412000).toISOString(),
    });
    expect(parseIncidentEvent(event)).toEqual(event);
  });

  it('maps Recovered to resolved on the same incident (the cycle key) with its own command id', () => {
    const open = normaliseDatadog(triggered);
    const done = normaliseDatadog(recovered);
    expect(done).toMatchObject({ action: 'resolved', incidentId: open.incidentId });
    expect(commandIdFor('datadog', done.eventId)).not.toBe(commandIdFor('datadog', open.eventId));
    expect(commandIdFor('datadog', normaliseDatadog(recovered).eventId)).toBe(commandIdFor('datadog', done.eventId));
  });

  it.each([
    ['Re-Triggered', 'opened'],
    ['recovered', 'resolved'],
    ['Warn', 'ignored'],
    ['No Data', 'ignored'],
    ['Renotify', 'ignored'],
  ])('transition %s is %s', (transition, action) => {
    expect(normaliseDatadog(JSON.stringify({ ...JSON.parse(triggered), transition })).action).toBe(action);
  });

  it('takes the template field when no tag names a user, and caps the tags read', () => {
    const body = { ...JSON.parse(triggered), tags: 'env:prod', user_email: 'Bob@Corp.Example' };
    expect(normaliseDatadog(JSON.stringify(body)).userEmails).toEqual(['bob@corp.example']);
    const many = Array.from({ length: 150 }, (_, i) => `user:u${i}@corp.example`).join(',');
    // The tags read are bounded (MAX_LIST_ITEMS), plus the template field; the user cap is in ingest.test.ts.
    expect(normaliseDatadog(JSON.stringify({ ...body, tags: many })).userEmails).toHaveLength(MAX_LIST_ITEMS + 1);
    expect(normaliseDatadog(readFixture('datadog-warn.json'))).toMatchObject({ action: 'ignored' });
  });

  it('refuses an unrendered template (empty cycle key), keeps no unparseable date or non-http link', () => {
    expect(thrown(() => normaliseDatadog(JSON.stringify({ ...JSON.parse(triggered), cycle_key: '' })))).toBeInstanceOf(
      ValidationError,
    );
    const odd = normaliseDatadog(JSON.stringify({ ...JSON.parse(triggered), date: 'soon', link: 'ftp://x' }));
    expect(odd.occurredAt).toBeUndefined();
    expect(odd.link).toBeUndefined();
  });

  it('authenticates by the X-Webhook-Token header only (no query token)', () => {
    const req = (headers: Record<string, string>, query: Record<string, string> = {}) => ({
      rawBody: triggered,
      headers,
      query,
    });
    expect(() => datadogSource.authenticate(req({ 'x-webhook-token': TOKEN }), [TOKEN], 0)).not.toThrow();
    expectUnauthorized(() => datadogSource.authenticate(req({}, { token: TOKEN }), [TOKEN], 0));
    expectUnauthorized(() =>
      datadogSource.authenticate(req({ 'x-webhook-token': 'datadog-test-token-2025-0002' }), [TOKEN], 0),
    );
  });
});
