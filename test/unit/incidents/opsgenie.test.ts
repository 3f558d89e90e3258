import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { parseIncidentEvent } from '../../../shared/incidents/event.js';
import { commandIdFor } from '../../../shared/incidents/ingest.js';
import { normaliseOpsgenie, opsgenieSource } from '../../../shared/incidents/opsgenie.js';
import { expectUnauthorized, readFixture, thrown } from './helpers.js';

const create = readFixture('opsgenie-create.json');
const close = readFixture('opsgenie-close.json');
const TOKEN = 'opsgenie-test-token-2025-0001';
const req = (headers: Record<string, string> = {}, query: Record<string, string> = {}) => ({
  rawBody: create,
  headers,
  query,
});

describe('Opsgenie / JSM alerts', () => {
  it('maps Create to opened: alert id, user from details then user: tags, entity, tiny id, priority, time', () => {
    const event = normaliseOpsgenie(create);
    expect(event).toEqual({
      source: 'opsgenie',
      eventId: '70413a06-38d6-4c85-92b8-5ebc900d42e2-1764777546138:Create',
      incidentId: '70413a06-38d6-4c85-92b8-5ebc900d42e2-1764777546138',
      action: 'opened',
      eventType: 'Create',
      userEmails: ['alice@corp.example', 'carol@corp.example'],
      title: '#1791 Payroll Portal slow for remote users',
      service: 'Payroll Portal',
      priority: 'P2',
      occurredAt: new Date(1764777546138).toISOString(),
    });
    expect(parseIncidentEvent(event)).toEqual(event);
  });

  it('maps Close to resolved at the update time (nanoseconds), finding the user in the tags', () => {
    const event = normaliseOpsgenie(close);
    expect(event).toMatchObject({ action: 'resolved', userEmails: ['carol@corp.example'] });
    expect(event.occurredAt).toBe(new Date(1764779346764).toISOString());
    // A redelivery maps to the same command; the open and its resolve do not.
    expect(commandIdFor('opsgenie', event.eventId)).toBe(commandIdFor('opsgenie', normaliseOpsgenie(close).eventId));
    expect(commandIdFor('opsgenie', event.eventId)).not.toBe(
      commandIdFor('opsgenie', normaliseOpsgenie(create).eventId),
    );
  });

  it('ignores other actions and reads the configured details keys', () => {
    expect(normaliseOpsgenie(readFixture('opsgenie-acknowledge.json')).action).toBe('ignored');
    const body = JSON.stringify({
      action: 'Create',
      alert: { alertId: 'a1', details: { requester: 'Bob@corp.example' } },
    });
    expect(normaliseOpsgenie(body).userEmails).toEqual([]);
    expect(normaliseOpsgenie(body, ['requester']).userEmails).toEqual(['bob@corp.example']);
  });

  it("reads every user tag it looks at (the cap is ingestIncident's) and strips characters SQS refuses from the title", () => {
    const tags = Array.from({ length: 80 }, (_, i) => `user:u${i}@corp.example`);
    const body = JSON.stringify({
      action: 'Create',
      alert: { alertId: 'a2', tags, message: 'bad\uFFFE\uFFFFtitle\u0000' },
    });
    const event = normaliseOpsgenie(body);
    expect(event.userEmails).toHaveLength(80);
    expect(event.title).toBe('badtitle');
  });

  it('refuses a body without an alert id', () => {
    expect(thrown(() => normaliseOpsgenie('{"action":"Create","alert":{}}'))).toBeInstanceOf(ValidationError);
  });

  it('authenticates by the token header or the token query parameter, either of two during a rotation', () => {
    const next = 'opsgenie-test-token-2026-0002';
    expect(() => opsgenieSource.authenticate(req({ 'x-webhook-token': TOKEN }), [TOKEN], 0)).not.toThrow();
    expect(() => opsgenieSource.authenticate(req({ 'X-Webhook-Token': next }), [TOKEN, next], 0)).not.toThrow();
    expect(() => opsgenieSource.authenticate(req({}, { token: TOKEN }), [TOKEN], 0)).not.toThrow();
    expectUnauthorized(() => opsgenieSource.authenticate(req(), [TOKEN], 0));
    expectUnauthorized(() => opsgenieSource.authenticate(req({ 'x-webhook-token': `${TOKEN}x` }), [TOKEN], 0));
  });
});
