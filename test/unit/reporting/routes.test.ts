/** INCIDENT_REPORTS: which sink each source's outcomes go to, refused at cold start when it cannot work. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentReportFields, loadConfig } from '../../../shared/config.js';
import { ConfigError } from '../../../shared/errors.js';
import {
  DEFAULT_INCIDENT_REPORTS,
  parseIncidentRoutes,
  routedSinks,
  sinksFor,
} from '../../../shared/reporting/routes.js';

describe('parseIncidentRoutes', () => {
  it('the default: each tool with a native place gets its outcomes there, every other source nothing', () => {
    const r = parseIncidentRoutes(DEFAULT_INCIDENT_REPORTS);
    expect(sinksFor(r, 'pagerduty')).toEqual(['pagerduty-note']);
    expect(sinksFor(r, 'servicenow')).toEqual(['servicenow-worknote']);
    expect(sinksFor(r, 'opsgenie')).toEqual(['opsgenie-note']);
    expect(sinksFor(r, 'datadog')).toEqual([]);
    expect(routedSinks(r).sort()).toEqual(['opsgenie-note', 'pagerduty-note', 'servicenow-worknote']);
  });

  it('several sinks per source, slack for every other source, none to silence one', () => {
    const r = parseIncidentRoutes(' pagerduty = note+slack , opsgenie=none, *=slack ');
    expect(sinksFor(r, 'pagerduty')).toEqual(['pagerduty-note', 'slack-channel']);
    expect(sinksFor(r, 'opsgenie')).toEqual([]);
    expect(sinksFor(r, 'rootly')).toEqual(['slack-channel']);
  });

  it('chat commands are answered in their own chat: * does not route them', () => {
    expect(sinksFor(parseIncidentRoutes('*=slack'), 'slack')).toEqual([]);
    expect(sinksFor(parseIncidentRoutes('*=slack'), 'teams')).toEqual([]);
  });

  it.each([
    ['datadog=note', '"datadog=note": datadog has no "note" sink (it has slack, none)'],
    ['servicenow=note', '"servicenow=note": servicenow has no "note" sink (it has worknote, slack, none)'],
    ['*=note', '"*=note": every source can only share slack (note and worknote belong to one tool)'],
    ['pagerduty', '"pagerduty" is not <source>=<sink>'],
    ['pagerduty=note,pagerduty=none', '"pagerduty" is named twice'],
    ['PagerDuty=note', '"PagerDuty" is not a source name'],
    ['slack=slack', '"slack" commands are answered in their own chat'],
    ['opsgenie=note+none', '"opsgenie=note+none": none cannot be combined with a sink'],
  ])('%s is refused: %s', (value, message) => {
    expect(() => parseIncidentRoutes(value)).toThrow(message);
  });

  it('loadConfig fails the cold start naming INCIDENT_REPORTS and the bad pair', () => {
    expect(() =>
      loadConfig(incidentReportFields, { INCIDENT_REPORTS: 'datadog=worknote', REPORTS_SECRET_ID: 'x' }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig(incidentReportFields, { INCIDENT_REPORTS: 'datadog=worknote', REPORTS_SECRET_ID: 'x' }),
    ).toThrow(/INCIDENT_REPORTS: "datadog=worknote": datadog has no "worknote" sink/);
    const c = loadConfig(incidentReportFields, { REPORTS_SECRET_ID: 'x' });
    expect(sinksFor(c.INCIDENT_REPORTS, 'pagerduty')).toEqual(['pagerduty-note']);
  });

  it('property: any text either parses into known sinks or is refused with a plain Error, never anything else', () => {
    const word = fc.constantFrom('pagerduty', 'servicenow', 'opsgenie', 'datadog', '*', 'slack', 'X', '');
    const sink = fc.constantFrom('note', 'worknote', 'slack', 'none', 'bogus', '');
    const pair = fc.oneof(
      fc.tuple(word, fc.array(sink, { minLength: 1, maxLength: 3 })).map(([s, k]) => `${s}=${k.join('+')}`),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 6 }), (pairs) => {
        const value = pairs.join(',');
        let routes: ReturnType<typeof parseIncidentRoutes>;
        try {
          routes = parseIncidentRoutes(value);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message.length).toBeGreaterThan(0);
          return;
        }
        for (const s of routedSinks(routes))
          expect(['pagerduty-note', 'servicenow-worknote', 'opsgenie-note', 'slack-channel']).toContain(s);
        // A native sink only ever serves its own tool.
        for (const [source, sinks] of Object.entries(routes.bySource))
          for (const s of sinks) if (s !== 'slack-channel') expect(s.startsWith(source)).toBe(true);
      }),
    );
  });
});
