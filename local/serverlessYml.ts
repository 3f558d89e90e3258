/**
 * Reads serverless.yml for the local stack — functions, their handlers and events, queues and the
 * environment keys — so local and deployed wiring cannot drift. CloudFormation tags (!Ref, !GetAtt,
 * !Sub) become plain objects; `${…}` variables are left for the local stack to fill in.
 */
import { readFileSync } from 'node:fs';
import { parseDocument, type Tags } from 'yaml';
import type { TableDef } from './dynamodb.js';

/** CloudFormation's short-form intrinsic functions (every one its YAML syntax has). */
const CFN_FUNCTIONS = [
  'Ref',
  'Condition',
  'GetAtt',
  'Sub',
  'Join',
  'Select',
  'Split',
  'FindInMap',
  'Base64',
  'Cidr',
  'GetAZs',
  'ImportValue',
  'Transform',
  'If',
  'Not',
  'Equals',
  'And',
  'Or',
] as const;

/**
 * Each tag on a scalar (`!Ref WorkQueue`), a sequence (`!Not [!Equals [a, b]]`, `!If [c, x, y]`) and a mapping
 * (`!Transform {Name: …}`), resolved to the JSON form (`{"Fn::If": […]}`, `{"Ref": …}`, `{"Condition": …}`).
 */
export const cfnYamlTags: Tags = CFN_FUNCTIONS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const json = (node: { toJSON(): unknown }) => ({ [key]: node.toJSON() });
  return [
    { tag: `!${name}`, resolve: (value: string) => ({ [key]: value }) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: json },
    { tag: `!${name}`, collection: 'map' as const, resolve: json },
  ];
});

/**
 * serverless.yml as plain data. A tag or construct the parser does not understand is an error naming its line,
 * not a warning on every `npm start`: the local wiring would silently read the wrong value.
 */
export function parseServerlessYml(text: string): Record<string, any> {
  const doc = parseDocument(text, { customTags: cfnYamlTags, merge: true, logLevel: 'silent' });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) throw new Error(`serverless.yml: ${problems.map((p) => p.message).join('; ')}`);
  return doc.toJS({ maxAliasCount: -1 }) as Record<string, any>;
}

export interface FunctionDef {
  name: string;
  /** e.g. dist/worker/index.handler */
  handler: string;
  timeoutSec: number;
  environment: Record<string, unknown>;
  httpApi: Array<{ method: string; path: string }>;
  sqs: Array<{ queue: string; batchSize: number }>;
  schedules: Array<{ rate: string }>;
}

export interface QueueDef {
  logicalId: string;
  visibilityTimeout: number;
  fifo: boolean;
  contentBasedDeduplication: boolean;
  redrive?: { dlq: string; maxReceiveCount: number };
}

/** An EventBridge rule that puts a message on a queue on a schedule (`AWS::Events::Rule` with an SQS target). */
export interface QueueScheduleDef {
  logicalId: string;
  rate: string;
  queue: string;
  messageGroupId?: string;
  /** The InputTransformer template; `<eventId>` is filled with the event's id. */
  template: string;
}

export function readServerlessYml(path = 'serverless.yml'): {
  service: string;
  params: Record<string, string>;
  /** `provider.environment`: the keys every function gets (already merged into each function's `environment`). */
  providerEnvironment: Record<string, unknown>;
  functions: FunctionDef[];
  queues: QueueDef[];
  queueSchedules: QueueScheduleDef[];
  tables: TableDef[];
} {
  const doc = parseServerlessYml(readFileSync(path, 'utf8'));
  const providerEnv = doc.provider?.environment ?? {};
  const defaultTimeout = Number(doc.provider?.timeout ?? 6);
  const functions: FunctionDef[] = Object.entries<Record<string, any>>(doc.functions ?? {}).map(([name, fn]) => {
    const events: Array<Record<string, any>> = fn.events ?? [];
    return {
      name,
      handler: fn.handler,
      timeoutSec: Number(fn.timeout ?? defaultTimeout),
      environment: { ...providerEnv, ...(fn.environment ?? {}) },
      httpApi: events
        .filter((e) => e.httpApi)
        .map((e) => ({ method: String(e.httpApi.method).toUpperCase(), path: e.httpApi.path })),
      sqs: events
        .filter((e) => e.sqs)
        .map((e) => ({ queue: refOf(e.sqs.arn ?? e.sqs), batchSize: Number(e.sqs.batchSize ?? 10) })),
      schedules: events.filter((e) => e.schedule).map((e) => ({ rate: String(e.schedule.rate ?? e.schedule) })),
    };
  });
  const queues: QueueDef[] = Object.entries<Record<string, any>>(doc.resources?.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::SQS::Queue')
    .map(([logicalId, r]) => ({
      logicalId,
      visibilityTimeout: Number(r.Properties?.VisibilityTimeout ?? 30),
      fifo: r.Properties?.FifoQueue === true,
      contentBasedDeduplication: r.Properties?.ContentBasedDeduplication === true,
      redrive: r.Properties?.RedrivePolicy
        ? {
            dlq: refOf(r.Properties.RedrivePolicy.deadLetterTargetArn),
            maxReceiveCount: Number(r.Properties.RedrivePolicy.maxReceiveCount),
          }
        : undefined,
    }));
  const queueSchedules: QueueScheduleDef[] = Object.entries<Record<string, any>>(doc.resources?.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties?.ScheduleExpression)
    .flatMap(([logicalId, r]) =>
      (r.Properties.Targets ?? []).map((t: Record<string, any>) => ({
        logicalId,
        rate: String(r.Properties.ScheduleExpression),
        queue: refOf(t.Arn),
        messageGroupId: t.SqsParameters?.MessageGroupId,
        template: String(t.InputTransformer?.InputTemplate ?? '{}'),
      })),
    );
  const tables: TableDef[] = Object.entries<Record<string, any>>(doc.resources?.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, r]) => ({ logicalId, properties: r.Properties ?? {} }));
  // `params.default`, as strings: a param added to serverless.yml needs no change in the local wiring.
  const params = Object.fromEntries(Object.entries<unknown>(doc.params?.default ?? {}).map(([k, v]) => [k, String(v)]));
  return {
    service: doc.service,
    params,
    providerEnvironment: { ...providerEnv },
    functions,
    queues,
    queueSchedules,
    tables,
  };
}

/** `!GetAtt WorkQueue.Arn` / `!Ref WorkQueue` → "WorkQueue". */
function refOf(v: unknown): string {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const inner = o.Ref ?? o['Fn::GetAtt'];
    if (typeof inner === 'string') return inner.split('.')[0]!;
    if (Array.isArray(inner)) return String(inner[0]);
  }
  return String(v);
}
