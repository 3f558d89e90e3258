import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../shared/commands/contract.js';
import type { Command } from '../../../shared/commands/contract.js';
import type { IncidentEvent } from '../../../shared/incidents/event.js';
import { ingestIncident } from '../../../shared/incidents/ingest.js';
import { createLogger } from '../../../shared/logger.js';

const event = (action: IncidentEvent['action']): IncidentEvent => ({
  source: 'opsgenie',
  eventId: `evt-${action}`,
  incidentId: 'alert-1',
  action,
  eventType: action === 'opened' ? 'Create' : 'Close',
  userEmails: [],
});

describe('ingest: events without a user', () => {
  const sent: Command[] = [];
  const queue = { send: async (c: Command) => void sent.push(c) };
  const logger = createLogger({ level: 'error', sink: () => undefined });

  it('an open without a user has nothing to act on; a resolve without one still stops what its incident started', async () => {
    expect(await ingestIncident(event('opened'), queue, logger)).toMatchObject({ status: 'ignored' });
    expect(await ingestIncident(event('resolved'), queue, logger)).toMatchObject({
      status: 'accepted',
      command: 'trace.stop',
    });
    expect(sent).toHaveLength(1);
    // The consumer's contract accepts it as sent.
    expect(parseCommand(JSON.stringify(sent[0]))).toMatchObject({ type: 'trace.stop', userEmails: [] });
  });
});
