// Floor for a function that needs SQS and Secrets Manager: construct the clients, nothing else.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});
const secrets = new SecretsManagerClient({});
export const handler = async () => ({ sqs: !!sqs, secrets: !!secrets });
