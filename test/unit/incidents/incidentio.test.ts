import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { parseIncidentEvent } from '../../../shared/incidents/event.js';
import { incidentIoSource, normaliseIncidentIo } from '../../../shared/incidents/incidentio.js';
import { signStandardWebhook } from '../../../shared/webhooks/standardWebhooks.js';
import { expectUnauthorized, readFixture, thrown } from './helpers.js';

const created = readFixture('incidentio-created.json');
const resolved = readFixture('incidentio-resolved.json');
const req = (rawBody: string, id = 'msg_2b7SL1Ql1a0eBqQ8vC4zY6wXh9u') => ({
  rawBody,
  headers: { 'webhook-id': id },
  query: {},
});
const SECRET = `whsec_${Buffer.from('incidentio-test-signing-key-0001').toString('base64')}`;

describe('incident.io', () => {
  it('maps incident_created_v2 to opened: incident id, reference in the title, the Affected user field first', () => {
    const event = normaliseIncidentIo(req(created));
    expect(event).toEqual({
      source: 'incidentio',
      eventId: 'msg_2b7SL1Ql1a0eBqQ8vC4zY6wXh9u',
      incidentId: '01HZ8V7Q2K3M4N5P6R7S8T9V0W',
      action: 'opened',
      eventType: 'public_incident.incident_created_v2',
      // the "Region" field's address is not a user field; the summary's address comes after the field's
      userEmails: ['alice@corp.example', 'bob@corp.example'],
      title: 'INC-482: Payroll Portal slow for remote users',
      service: 'Payroll Portal',
      priority: 'Major',
      link: 'https://app.incident.io/corp-example/incidents/482',
      occurredAt: '2025-12-03T15:40:12.000Z',
    });
    expect(parseIncidentEvent(event)).toEqual(event);
  });

  it('maps a status update to a closing category to resolved at the update time, a live one to opened', () => {
    expect(normaliseIncidentIo(req(resolved, 'msg_2'))).toMatchObject({
      action: 'resolved',
      eventId: 'msg_2',
      occurredAt: '2025-12-03T16:05:47.000Z',
    });
    for (const [category, action] of [
      ['resolved', 'resolved'],
      ['learning', 'resolved'],
      ['canceled', 'resolved'],
      ['active', 'opened'],
      ['triage', 'opened'],
      ['paused', 'ignored'],
    ]) {
      const body = JSON.parse(resolved);
      body['public_incident.incident_status_updated_v2'].incident_status.category = category;
      expect(normaliseIncidentIo(req(JSON.stringify(body))).action).toBe(action);
    }
  });

  it('ignores other events and finds no user when there is none', () => {
    expect(normaliseIncidentIo(req(readFixture('incidentio-action-created.json')))).toMatchObject({
      action: 'ignored',
      incidentId: '',
    });
    const body = JSON.parse(resolved);
    body['public_incident.incident_status_updated_v2'].custom_field_entries = [];
    expect(normaliseIncidentIo(req(JSON.stringify(body))).userEmails).toEqual([]);
  });

  it('refuses a known event without its payload, and a missing webhook-id', () => {
    expect(
      thrown(() => normaliseIncidentIo(req('{"event_type":"public_incident.incident_created_v2"}'))),
    ).toBeInstanceOf(ValidationError);
    expect(thrown(() => normaliseIncidentIo({ rawBody: created, headers: {}, query: {} }))).toBeInstanceOf(
      ValidationError,
    );
  });

  it('authenticates with the Standard Webhooks headers', () => {
    const ts = 1_764_777_546;
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandardWebhook(created, SECRET, 'msg_1', ts),
    };
    expect(() => incidentIoSource.authenticate({ rawBody: created, headers, query: {} }, [SECRET], ts)).not.toThrow();
    expectUnauthorized(() =>
      incidentIoSource.authenticate({ rawBody: `${created} `, headers, query: {} }, [SECRET], ts),
    );
    expectUnauthorized(() =>
      incidentIoSource.authenticate({ rawBody: created, headers, query: {} }, [SECRET], ts + 600),
    );
  });
});
