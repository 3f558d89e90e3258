/**
 * The incident sources `POST /webhooks/{source}` accepts. A new source is one module exporting an
 * {@link IncidentSource} plus one line here (and its section in shared/webhooks/secrets.ts).
 */
import { datadogSource } from './datadog.js';
import { genericSource } from './generic.js';
import { incidentIoSource } from './incidentio.js';
import { opsgenieSource } from './opsgenie.js';
import { pagerDutySource } from './pagerduty.js';
import { rootlySource } from './rootly.js';
import { serviceNowSource } from './servicenow.js';
import type { AnyIncidentSource } from './source.js';

export const INCIDENT_SOURCES: readonly AnyIncidentSource[] = [
  pagerDutySource,
  genericSource,
  opsgenieSource,
  serviceNowSource,
  datadogSource,
  incidentIoSource,
  rootlySource,
];

/** The source named `name` (the path segment, exactly), or undefined. */
export const findSource = (name: string | undefined): AnyIncidentSource | undefined =>
  INCIDENT_SOURCES.find((s) => s.name === name);
