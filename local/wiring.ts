/**
 * What the local stack and the benchmarks wire alike from serverless.yml: the queues (FIFO where declared,
 * dead-letter queues and redrive policies when asked) and the `${param:…}` values that point the functions
 * at the simulator, the local Secrets Manager and the report receiver.
 */
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SIM_CREDENTIALS } from '../simulator/credentials.js';
import { LOCAL_SECRET_IDS } from './fakeSecrets.js';
import type { readServerlessYml } from './serverlessYml.js';
import { LOCAL_INCIDENT_CHANNEL, LOCAL_REPORTS_SECRET_ID } from './vendors/credentials.js';
import type { VendorName } from './vendors/server.js';

type Yml = ReturnType<typeof readServerlessYml>;

/**
 * `speedUpRetries`: the pollers bring failed messages back early with ChangeMessageVisibility, which local SQS
 * counts as a receive: the redrive count is doubled so a message still dead-letters after its 5th delivery
 * (local/poller.ts).
 */
export async function createQueues(
  sqs: SQSClient,
  yml: Yml,
  stage: string,
  opts: { redrive: boolean; speedUpRetries?: boolean },
) {
  const urls: Record<string, string> = {};
  const arns: Record<string, string> = {};
  // Dead-letter queues first: a redrive policy must point at an existing queue.
  for (const q of [...yml.queues].sort((a, b) => Number(!!a.redrive) - Number(!!b.redrive))) {
    const name = `${yml.service}-${stage}-${q.logicalId}${q.fifo ? '.fifo' : ''}`;
    const attributes: Record<string, string> = { VisibilityTimeout: String(q.visibilityTimeout) };
    if (q.fifo)
      Object.assign(attributes, { FifoQueue: 'true', ContentBasedDeduplication: String(q.contentBasedDeduplication) });
    if (q.redrive && opts.redrive)
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: arns[q.redrive.dlq],
        maxReceiveCount: q.redrive.maxReceiveCount * (opts.speedUpRetries ? 2 : 1),
      });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    urls[q.logicalId] = QueueUrl!;
    arns[q.logicalId] = `arn:aws:sqs:us-east-1:123456789012:${name}`;
  }
  return { urls, arns };
}

/** serverless.yml's defaults, with every endpoint and secret id pointed at the local stand-ins. */
export const localParams = (
  yml: Yml,
  urls: { simulator: string; receiver: string; vendors?: Record<VendorName, string> },
): Record<string, string> => ({
  ...yml.params,
  zscalerSecretId: LOCAL_SECRET_IDS.zscaler,
  webhookSecretId: LOCAL_SECRET_IDS.webhooks,
  zscalerAuthMode: 'legacy',
  zdxBaseUrl: urls.simulator,
  zpaBaseUrl: urls.simulator,
  oneapiBaseUrl: urls.simulator,
  zidentityTokenUrl: `${urls.simulator}/oauth2/v1/token`,
  zpaCustomerId: SIM_CREDENTIALS.zpaCustomerId,
  reportCallbackUrl: `${urls.receiver}/callback`,
  slackApiBaseUrl: `${urls.receiver}/slack-api`,
  reportsSecretId: LOCAL_REPORTS_SECRET_ID,
  // The incident tools' stand-ins (local/vendors); the tools with no note of their own (Datadog, incident.io,
  // Rootly, generic) get a thread in the stand-in Slack channel, so every source's report lands somewhere locally.
  // Without stand-ins (benches, drills) nothing is reported into incidents: no call may leave the machine.
  incidentReports: '*=none',
  ...(urls.vendors && {
    incidentReports: 'pagerduty=note,servicenow=worknote,opsgenie=note,*=slack',
    pagerdutyApiBaseUrl: urls.vendors.pagerduty,
    servicenowInstanceUrl: urls.vendors.servicenow,
    opsgenieApiBaseUrl: urls.vendors.opsgenie,
    incidentSlackApiBaseUrl: urls.vendors.slack,
    incidentSlackChannel: LOCAL_INCIDENT_CHANNEL,
  }),
});
