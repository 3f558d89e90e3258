import { describe, expect, it } from 'vitest';
import { belongsTo, MAX_SESSION_NAME, sessionNameFor } from '../../../shared/traces/session.js';
import type { Trace } from '../../../shared/traces/port.js';

const trace = (sessionName: string): Trace => ({ id: '1', status: 'IN_PROGRESS', active: true, sessionName });

describe('sessionNameFor', () => {
  it('keeps names that fit exactly as before', () => {
    expect(sessionNameFor({ source: 'pagerduty', incidentId: 'Q1ABC' })).toBe('zea:pagerduty:Q1ABC');
    expect(sessionNameFor({ source: 'slack', incidentId: 'chat-5fef482b17a0' })).toBe('zea:slack:chat-5fef482b17a0');
    const longest = `INC${'9'.repeat(MAX_SESSION_NAME - 'zea:generic:'.length - 4)}`; // 99 characters in all
    expect(sessionNameFor({ source: 'generic', incidentId: longest })).toBe(`zea:generic:${longest}`);
  });

  it('gives long incident ids that share a prefix different names, within the ZDX limit', () => {
    const prefix = `SNOW-${'x'.repeat(200)}`;
    const a = sessionNameFor({ source: 'generic', incidentId: `${prefix}-A` });
    const b = sessionNameFor({ source: 'generic', incidentId: `${prefix}-B` });
    expect(a).not.toBe(b);
    for (const name of [a, b]) {
      expect(name).toHaveLength(MAX_SESSION_NAME);
      expect(name).toMatch(/^zea:generic:SNOW-x+~[0-9a-f]{16}$/);
    }
    // Stable: a check or a resolve finds the trace again by the same name, and not another incident's.
    expect(sessionNameFor({ source: 'generic', incidentId: `${prefix}-A` })).toBe(a);
    expect(belongsTo(trace(a), { source: 'generic', incidentId: `${prefix}-A` })).toBe(true);
    expect(belongsTo(trace(a), { source: 'generic', incidentId: `${prefix}-B` })).toBe(false);
  });

  it('hashes an id that just reaches the limit, so it cannot pose as a hashed name', () => {
    const id = 'y'.repeat(MAX_SESSION_NAME - 'zea:generic:'.length);
    expect(sessionNameFor({ source: 'generic', incidentId: id })).toMatch(/~[0-9a-f]{16}$/);
  });
});
