/**
 * The trace reconciler's incident reports, built from its configuration once per container: the routes, one
 * sink per tool (each reading its section of the reports secret when first used), the delivery marks and Slack
 * threads in the ledger table, and the incident's round read from the ledger.
 */
import type { ConfigOf, incidentReportFields, ledgerFields, zscalerFields } from '../config.js';
import { ledgerKey } from '../ledger/record.js';
import type { LedgerStore } from '../ledger/store.js';
import type { Logger } from '../logger.js';
import { dynamoDeliveries } from './deliveries.js';
import { incidentReports, type IncidentReports } from './incidentReports.js';
import { opsgenieNoteSink } from './opsgenieNote.js';
import { pagerDutyNoteSink } from './pagerdutyNote.js';
import { reportsSecret } from './reportsSecret.js';
import { routedSinks, type SinkName } from './routes.js';
import type { IncidentSink } from './sink.js';
import { serviceNowWorkNoteSink } from './servicenowWorkNote.js';
import { slackChannelSink } from './slackChannel.js';
import { ConfigError } from '../errors.js';

type Config = ConfigOf<typeof incidentReportFields> &
  ConfigOf<typeof ledgerFields> &
  Pick<ConfigOf<typeof zscalerFields>, 'SECRET_CACHE_TTL_SECONDS'>;

/** @throws ConfigError at cold start when a source is routed to Slack and no channel is set. */
export function incidentReportsFromConfig(
  config: Config,
  deps: { ledger: LedgerStore; logger: Logger },
): IncidentReports {
  const routes = config.INCIDENT_REPORTS;
  const used = routedSinks(routes);
  if (used.includes('slack-channel') && !config.INCIDENT_SLACK_CHANNEL)
    throw new ConfigError(
      'invalid configuration: INCIDENT_SLACK_CHANNEL: is required when INCIDENT_REPORTS names slack',
    );
  const secret = reportsSecret(config.REPORTS_SECRET_ID, config.SECRET_CACHE_TTL_SECONDS);
  const deliveries = dynamoDeliveries({ tableName: config.LEDGER_TABLE, retentionDays: config.LEDGER_RETENTION_DAYS });
  const build: Record<SinkName, () => IncidentSink> = {
    'pagerduty-note': () => pagerDutyNoteSink({ baseUrl: config.PAGERDUTY_API_BASE_URL, secret }),
    'servicenow-worknote': () => serviceNowWorkNoteSink({ instanceUrl: config.SERVICENOW_INSTANCE_URL, secret }),
    'opsgenie-note': () => opsgenieNoteSink({ baseUrl: config.OPSGENIE_API_BASE_URL, secret }),
    'slack-channel': () =>
      slackChannelSink({
        baseUrl: config.INCIDENT_SLACK_API_BASE_URL,
        channel: config.INCIDENT_SLACK_CHANNEL,
        secret,
        threads: deliveries,
      }),
  };
  return incidentReports({
    routes,
    sinks: Object.fromEntries(used.map((name) => [name, build[name]()])),
    deliveries,
    logger: deps.logger,
    roundOf: async (incident) => (await deps.ledger.get(ledgerKey(incident)))?.round,
  });
}
