/**
 * `npm start`: the whole system locally (see README "Run it locally"). Prints one `ready:` line when
 * everything listens. Ports can be changed with the environment variables below.
 */
import { startLocalStack } from './stack.js';

/** Each local server's port and the environment variable that moves it. */
const PORTS = {
  gateway: ['LOCAL_HTTP_PORT', 3000],
  simulator: ['SIM_PORT', 8089],
  sqs: ['LOCAL_SQS_PORT', 9324],
  secrets: ['LOCAL_SECRETS_PORT', 4584],
  receiver: ['LOCAL_RECEIVER_PORT', 9090],
  dynamodb: ['LOCAL_DYNAMODB_PORT', 8000],
  vendors: ['LOCAL_VENDORS_PORT', 9091],
} as const;
type Server = keyof typeof PORTS;

const ports = Object.fromEntries(
  Object.entries(PORTS).map(([server, [name, dflt]]) => [server, Number(process.env[name] ?? dflt)]),
) as Record<Server, number>;

/**
 * A port that is taken (another `npm start`, a local service) is named with the variable that moves it,
 * instead of a raw EADDRINUSE stack.
 */
function portInUse(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException & { port?: number };
  if (err?.code !== 'EADDRINUSE') return undefined;
  const taken = (Object.keys(PORTS) as Server[]).filter((s) => ports[s] === err.port);
  const which = taken.length ? taken : (Object.keys(PORTS) as Server[]);
  const hint = which.map((s) => `${PORTS[s][0]}=<free port> (now ${ports[s]})`).join(' or ');
  return `port ${err.port ?? '?'} is already in use (another npm start?). Stop what holds it, or move the ${which.join('/')} with ${hint}, e.g. ${PORTS[which[0]!][0]}=${(err.port ?? ports[which[0]!]) + 1} npm start`;
}

const fail = (e: unknown) => {
  const friendly = portInUse(e);
  if (!friendly) throw e;
  console.error(`npm start: ${friendly}`);
  process.exit(1);
};
// A server that fails to listen may report it as an 'error' event rather than a rejected promise.
process.on('uncaughtException', (e) => {
  if (portInUse(e)) fail(e);
  console.error(e);
  process.exit(1);
});

const stack = await startLocalStack({
  handlerSource: 'dist',
  ports,
  simulator: { timeScale: Number(process.env.SIM_TIME_SCALE ?? 60) },
  scheduleEverySeconds: process.env.LOCAL_SCHEDULE_SECONDS ? Number(process.env.LOCAL_SCHEDULE_SECONDS) : undefined,
}).catch(fail);
if (!stack) process.exit(1);

console.log(`functions:  ${stack.functions.join(', ')}`);
console.log(`http api:   ${stack.gatewayUrl}  (POST /webhooks/pagerduty, /webhooks/generic, /chat/slack, /chat/teams)`);
console.log(`simulator:  ${stack.simulator.url}  (state: GET /__sim/state, calls: GET /__sim/calls)`);
console.log(`local sqs:  ${stack.sqsUrl}  queues: ${Object.values(stack.queueUrls).join(' ')}`);
console.log(`secrets:    ${stack.secrets.url}  (fake credentials only)`);
console.log(`dynamodb:   ${stack.dynamo.url}  tables: ${Object.values(stack.dynamo.tableNames).join(' ')}`);
console.log(`reports:    ${stack.receiver.url}/  (GET lists every report received)`);
console.log(
  `incidents:  ${stack.vendors.url}  (PagerDuty, ServiceNow, Opsgenie, Slack stand-ins; GET /__vendors lists what they received)`,
);
console.log(`ready: ${stack.gatewayUrl}`);

const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
