/**
 * `npm start`: the whole system locally (see README "Run it locally"). Prints one `ready:` line when
 * everything listens. Ports can be changed with the environment variables below.
 */
import { startLocalStack } from './stack.js';

const port = (name: string, dflt: number) => Number(process.env[name] ?? dflt);

const stack = await startLocalStack({
  handlerSource: 'dist',
  ports: {
    gateway: port('LOCAL_HTTP_PORT', 3000),
    simulator: port('SIM_PORT', 8089),
    sqs: port('LOCAL_SQS_PORT', 9324),
    secrets: port('LOCAL_SECRETS_PORT', 4584),
    receiver: port('LOCAL_RECEIVER_PORT', 9090),
    dynamodb: port('LOCAL_DYNAMODB_PORT', 8000),
  },
  simulator: { timeScale: Number(process.env.SIM_TIME_SCALE ?? 60) },
  scheduleEverySeconds: process.env.LOCAL_SCHEDULE_SECONDS ? Number(process.env.LOCAL_SCHEDULE_SECONDS) : undefined,
});

console.log(`functions:  ${stack.functions.join(', ')}`);
console.log(`http api:   ${stack.gatewayUrl}  (POST /webhooks/pagerduty, /webhooks/generic, /chat/slack, /chat/teams)`);
console.log(`simulator:  ${stack.simulator.url}  (state: GET /__sim/state, calls: GET /__sim/calls)`);
console.log(`local sqs:  ${stack.sqsUrl}  queues: ${Object.values(stack.queueUrls).join(' ')}`);
console.log(`secrets:    ${stack.secrets.url}  (fake credentials only)`);
console.log(`dynamodb:   ${stack.dynamo.url}  tables: ${Object.values(stack.dynamo.tableNames).join(' ')}`);
console.log(`reports:    ${stack.receiver.url}/  (GET lists every report received)`);
console.log(`ready: ${stack.gatewayUrl}`);

const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
