/**
 * The trace reconciler's incident reports built from configuration: a source routed to Slack without a channel
 * fails the cold start; otherwise the routed sinks are wired to the configured bases and deliver, with a missing
 * reports secret given up as configuration (logged, not retried) rather than holding the incident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSecretsManager } from '../../../local/secretsManager.js';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamodb.js';
import { readServerlessYml } from '../../../local/serverlessYml.js';
import { LOCAL_INCIDENT_CHANNEL, LOCAL_REPORTS_SECRET } from '../../../local/vendors/credentials.js';
import { startVendorApis, type VendorApis } from '../../../local/vendors/server.js';
import { incidentReportFields, ledgerFields, loadConfig } from '../../../shared/config.js';
import { ConfigError } from '../../../shared/errors.js';
import { dynamoLedger } from '../../../shared/ledger/store.js';
import { incidentReportsFromConfig } from '../../../shared/reporting/wiring.js';
import { capturingLogger, completed, incident } from './helpers.js';

let v: VendorApis;
let dynamo: LocalDynamo;
let secrets: Awaited<ReturnType<typeof startLocalSecretsManager>>;
const saved = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
const savedDynamo = process.env.AWS_ENDPOINT_URL_DYNAMODB;
beforeAll(async () => {
  v = await startVendorApis();
  dynamo = await startLocalDynamo(readServerlessYml().tables);
  secrets = await startLocalSecretsManager({ 'test/reports': LOCAL_REPORTS_SECRET });
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.url;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
});
afterAll(async () => {
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = saved;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = savedDynamo;
  await Promise.all([v.close(), dynamo.close(), secrets.close()]);
});

const config = (env: Record<string, string>) => ({
  ...loadConfig(
    { ...incidentReportFields, ...ledgerFields },
    {
      LEDGER_TABLE: Object.values(dynamo.tableNames)[0]!,
      REPORTS_SECRET_ID: 'test/reports',
      PAGERDUTY_API_BASE_URL: v.urls.pagerduty,
      INCIDENT_SLACK_API_BASE_URL: v.urls.slack,
      ...env,
    },
  ),
  SECRET_CACHE_TTL_SECONDS: 0,
});
const ledger = () =>
  dynamoLedger({ tableName: Object.values(dynamo.tableNames)[0]!, retentionDays: 30, client: dynamo.client });

describe('incidentReportsFromConfig', () => {
  it('a source routed to slack without INCIDENT_SLACK_CHANNEL fails the cold start', () => {
    const log = capturingLogger();
    expect(() =>
      incidentReportsFromConfig(config({ INCIDENT_REPORTS: 'datadog=slack' }), {
        ledger: ledger(),
        logger: log.logger,
      }),
    ).toThrow(ConfigError);
  });

  it('wires the routed sinks to the configured bases, the real secret and the ledger table', async () => {
    const log = capturingLogger();
    const reports = incidentReportsFromConfig(
      config({ INCIDENT_REPORTS: 'pagerduty=note,datadog=slack', INCIDENT_SLACK_CHANNEL: LOCAL_INCIDENT_CHANNEL }),
      { ledger: ledger(), logger: log.logger },
    );
    const pd = incident('pagerduty', 'QWIRE1');
    const dd = incident('datadog', 'wire-1');
    await reports.deliver(completed(pd, '1'));
    await reports.deliver(completed(pd, '1'));
    await reports.deliver(completed(dd, '2'));
    expect(v.pagerduty.notes.filter((n) => n.incidentId === 'QWIRE1')).toHaveLength(1);
    expect(v.slack.messages.filter((m) => m.text.includes('wire-1'))).toHaveLength(1);
    expect(log.metrics('ReportsSent').map((m) => m.sink)).toEqual(['pagerduty-note', 'slack-channel']);
  });

  it('a reports secret that does not exist: each note is given up as configuration, nothing thrown', async () => {
    const log = capturingLogger();
    const reports = incidentReportsFromConfig(config({ REPORTS_SECRET_ID: 'test/no-such-secret' }), {
      ledger: ledger(),
      logger: log.logger,
    });
    await reports.deliver(completed(incident('pagerduty', 'QWIRE2'), '3'));
    const given = log.at('error').find((l) => l.msg === 'incident report given up; it is not retried');
    expect(given?.error.message).toContain('reports secret test/no-such-secret does not exist');
    expect(log.metrics('ReportsFailed').map((m) => m.sink)).toEqual(['pagerduty-note']);
  });
});
