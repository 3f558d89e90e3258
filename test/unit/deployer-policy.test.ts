/**
 * docs/deployer-policy.json, the IAM policy docs/deploy.md gives the identity that runs `osls deploy`, checked
 * against the template `npm run package` really produces (packaged here into a temporary directory):
 * - every resource type of the packaged template is known here and its service is in the policy (a new type in
 *   serverless.yml fails this test until its permissions are added to the policy and listed below);
 * - for every resource of the template, the calls CloudFormation makes to create, update and delete it are allowed
 *   on that resource's own ARN (names as the template gives them, or as CloudFormation generates them), and so
 *   are the framework's own calls (stack, change sets, artifact upload);
 * - least privilege: no wildcard action, every scoped statement names this service's prefix, `Resource: "*"` only
 *   for calls AWS does not scope to a resource, PassRole only to Lambda, only AWS's basic Lambda logs policy may be
 *   attached; and (property-based) nothing of another name is ever allowed.
 * The evaluator below is IAM's for what this policy uses: Allow statements, `*`/`?` wildcards, and the condition
 * operators StringEquals, ArnEquals, ArnLike and their IfExists forms.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

type Json = Record<string, any>;
interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

const policy = JSON.parse(readFileSync('docs/deployer-policy.json', 'utf8')) as {
  Version: string;
  Statement: Statement[];
};
const list = (v: string | string[]) => [v].flat();

// ── IAM evaluation, as far as this policy needs it ─────────────────────────────────────────────────────────

const glob = (pattern: string, value: string, caseInsensitive = false) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    caseInsensitive ? 'i' : '',
  ).test(value);

function conditionHolds(cond: Statement['Condition'], context: Record<string, string>): boolean {
  return Object.entries(cond ?? {}).every(([operator, pairs]) =>
    Object.entries(pairs).every(([key, want]) => {
      const ifExists = operator.endsWith('IfExists');
      const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
      const have = context[key];
      if (have === undefined) return ifExists;
      if (op === 'StringEquals' || op === 'ArnEquals') return have === want;
      if (op === 'ArnLike' || op === 'StringLike') return glob(want, have);
      throw new Error(`the test's evaluator does not know the condition operator ${operator}`);
    }),
  );
}

/** Whether the policy allows `action` on `resource` with this request context. */
const allows = (action: string, resource: string, context: Record<string, string> = {}) =>
  policy.Statement.some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => glob(a, action, true)) &&
      list(s.Resource).some((r) => glob(r, resource)) &&
      conditionHolds(s.Condition, context),
  );

// ── What each resource type needs, on which ARN ────────────────────────────────────────────────────────────

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
/** Part of a name CloudFormation generates (`<stack>-<LogicalId>-<random>`). */
const RANDOM = 'A1B2C3D4E5F6';

interface Need {
  /** The calls CloudFormation makes to create, update and delete a resource of this type. */
  actions: string[];
  /** The ARN(s) those calls name, from the resource's properties. */
  arns: (id: string, props: Json) => string[];
  context?: (props: Json) => Record<string, string>;
}

const named = (props: Json, key: string, id: string) =>
  typeof props[key] === 'string' ? (props[key] as string) : `${STACK}-${id}-${RANDOM}`;
let STACK = '';
let BUCKET = '';

const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
/** `{"Fn::GetAtt": ["WorkerLambdaFunction", "Arn"]}` / `{"Ref": …}` → the function's (or queue's) name in the template. */
const nameOf = (ref: unknown, key: 'FunctionName' | 'QueueName'): string => {
  const o = ref as Json;
  const id = o?.Ref ?? o?.['Fn::GetAtt']?.[0];
  const props = template.Resources[id]?.Properties ?? {};
  if (typeof props[key] !== 'string') throw new Error(`no ${key} for ${JSON.stringify(ref)}`);
  return props[key];
};
const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const apis = (path = '') => [`arn:aws:apigateway:${REGION}::/apis${path}`];

const NEEDS: Record<string, Need> = {
  'AWS::S3::Bucket': {
    actions: ['s3:CreateBucket', 's3:PutEncryptionConfiguration', 's3:PutBucketPublicAccessBlock', 's3:DeleteBucket'],
    arns: () => [`arn:aws:s3:::${BUCKET}`],
  },
  'AWS::S3::BucketPolicy': {
    actions: ['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy'],
    arns: () => [`arn:aws:s3:::${BUCKET}`],
  },
  'AWS::Logs::LogGroup': {
    actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteLogGroup', 'logs:TagResource'],
    arns: (_id, p) => [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${p.LogGroupName}`],
  },
  'AWS::Lambda::Function': {
    actions: [
      'lambda:CreateFunction',
      'lambda:GetFunction',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:TagResource',
      'lambda:DeleteFunction',
    ],
    arns: (_id, p) => [fnArn(p.FunctionName)],
  },
  'AWS::Lambda::Version': {
    actions: ['lambda:PublishVersion', 'lambda:ListVersionsByFunction'],
    arns: (_id, p) => [fnArn(nameOf(p.FunctionName, 'FunctionName'))],
  },
  'AWS::Lambda::Permission': {
    actions: ['lambda:AddPermission', 'lambda:RemovePermission'],
    arns: (_id, p) => [fnArn(nameOf(p.FunctionName, 'FunctionName'))],
  },
  'AWS::Lambda::EventSourceMapping': {
    actions: [
      'lambda:CreateEventSourceMapping',
      'lambda:GetEventSourceMapping',
      'lambda:UpdateEventSourceMapping',
      'lambda:DeleteEventSourceMapping',
    ],
    // Not scoped by ARN (AWS names the mapping by a UUID it makes); the function it triggers is the condition.
    arns: () => [`arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7`],
    context: (p) => ({ 'lambda:FunctionArn': fnArn(nameOf(p.FunctionName, 'FunctionName')) }),
  },
  'AWS::ApiGatewayV2::Api': {
    actions: ['apigateway:POST', 'apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'],
    arns: () => [...apis(), ...apis('/a1b2c3')],
  },
  'AWS::ApiGatewayV2::Stage': {
    actions: ['apigateway:POST', 'apigateway:PATCH', 'apigateway:DELETE'],
    arns: () => apis('/a1b2c3/stages/$default'),
  },
  'AWS::ApiGatewayV2::Integration': {
    actions: ['apigateway:POST', 'apigateway:PATCH', 'apigateway:DELETE'],
    arns: () => apis('/a1b2c3/integrations/x1y2z3'),
  },
  'AWS::ApiGatewayV2::Route': {
    actions: ['apigateway:POST', 'apigateway:PATCH', 'apigateway:DELETE'],
    arns: () => apis('/a1b2c3/routes/r1s2t3'),
  },
  'AWS::IAM::Role': {
    actions: [
      'iam:CreateRole',
      'iam:GetRole',
      'iam:PutRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:TagRole',
      'iam:DeleteRole',
    ],
    arns: (id, p) => [`arn:aws:iam::${ACCOUNT}:role/${named(p, 'RoleName', id).slice(0, 64)}`],
  },
  'AWS::DynamoDB::Table': {
    actions: [
      'dynamodb:CreateTable',
      'dynamodb:DescribeTable',
      'dynamodb:UpdateTable',
      'dynamodb:UpdateTimeToLive',
      'dynamodb:DescribeTimeToLive',
      'dynamodb:UpdateContinuousBackups',
      'dynamodb:DescribeContinuousBackups',
      'dynamodb:DeleteTable',
    ],
    arns: (_id, p) => [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${p.TableName}`],
  },
  'AWS::SQS::Queue': {
    actions: ['sqs:CreateQueue', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:TagQueue', 'sqs:DeleteQueue'],
    arns: (_id, p) => [queueArn(p.QueueName)],
  },
  'AWS::SQS::QueuePolicy': {
    actions: ['sqs:SetQueueAttributes', 'sqs:GetQueueAttributes'],
    arns: (_id, p) => (p.Queues as unknown[]).map((q) => queueArn(nameOf(q, 'QueueName'))),
  },
  'AWS::Events::Rule': {
    actions: [
      'events:PutRule',
      'events:DescribeRule',
      'events:PutTargets',
      'events:RemoveTargets',
      'events:DeleteRule',
    ],
    arns: (id, p) => [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${named(p, 'Name', id)}`],
  },
  'AWS::SNS::Topic': {
    actions: [
      'sns:CreateTopic',
      'sns:GetTopicAttributes',
      'sns:SetTopicAttributes',
      'sns:TagResource',
      'sns:DeleteTopic',
    ],
    arns: (id, p) => [`arn:aws:sns:${REGION}:${ACCOUNT}:${named(p, 'TopicName', id)}`],
  },
  'AWS::SNS::Subscription': {
    actions: ['sns:Subscribe', 'sns:GetSubscriptionAttributes', 'sns:Unsubscribe'],
    arns: () => {
      const topic = template.Resources.AlarmTopic!.Properties.TopicName;
      return [`arn:aws:sns:${REGION}:${ACCOUNT}:${topic}`, `arn:aws:sns:${REGION}:${ACCOUNT}:${topic}:0e1f2a3b-4c5d`];
    },
  },
  'AWS::CloudWatch::Alarm': {
    actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
    arns: (_id, p) => [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${p.AlarmName}`],
  },
  'AWS::CloudWatch::Dashboard': {
    actions: ['cloudwatch:PutDashboard', 'cloudwatch:GetDashboard', 'cloudwatch:DeleteDashboards'],
    arns: (_id, p) => [`arn:aws:cloudwatch::${ACCOUNT}:dashboard/${p.DashboardName}`],
  },
};

/** `AWS::ApiGatewayV2::Api` → `apigateway`: the IAM service prefix of a CloudFormation type. */
const IAM_PREFIX: Record<string, string> = {
  ApiGatewayV2: 'apigateway',
  CloudWatch: 'cloudwatch',
  DynamoDB: 'dynamodb',
  Events: 'events',
  IAM: 'iam',
  Lambda: 'lambda',
  Logs: 'logs',
  S3: 's3',
  SNS: 'sns',
  SQS: 'sqs',
};

// ── The packaged template ──────────────────────────────────────────────────────────────────────────────────

let template: { Resources: Record<string, Json> };
let createTemplate: { Resources: Record<string, Json> };

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'zea-deployer-'));
  try {
    execFileSync('node', ['scripts/build.mjs'], { stdio: 'pipe' });
    execFileSync('npx', ['osls', 'package', '--package', dir], {
      stdio: 'pipe',
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    });
    template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
    createTemplate = JSON.parse(readFileSync(join(dir, 'cloudformation-template-create-stack.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // `osls package` without --stage packages stage dev: the stack is `<service>-<stage>`.
  STACK = `zscaler-automation-dev`;
  BUCKET = `${STACK}-serverlessdeploymentbucket-${RANDOM.toLowerCase()}`;
}, 120_000);

const resources = () => [...Object.entries(createTemplate.Resources), ...Object.entries(template.Resources)];

describe('docs/deployer-policy.json against the packaged template', () => {
  it('is a valid policy document', () => {
    expect(policy.Version).toBe('2012-10-17');
    const sids = policy.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of policy.Statement) expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
  });

  it('covers every resource type of the packaged template with an action of its service', () => {
    const types = [...new Set(resources().map(([, r]) => r.Type as string))].sort();
    expect(types.length).toBeGreaterThan(10);
    const unknown = types.filter((t) => !NEEDS[t]);
    // A new type in serverless.yml: add its calls to docs/deployer-policy.json and to NEEDS above.
    expect(unknown).toEqual([]);
    const prefixes = new Set(policy.Statement.flatMap((s) => list(s.Action).map((a) => a.split(':')[0])));
    for (const t of types) {
      const service = IAM_PREFIX[t.split('::')[1]!];
      expect({ type: t, service, covered: !!service && prefixes.has(service) }).toEqual({
        type: t,
        service,
        covered: true,
      });
    }
  });

  it('allows what CloudFormation calls to create, update and delete each resource, on that resource', () => {
    const denied: string[] = [];
    for (const [id, r] of resources()) {
      const need = NEEDS[r.Type]!;
      const props = r.Properties ?? {};
      for (const arn of need.arns(id, props))
        for (const action of need.actions)
          if (!allows(action, arn, need.context?.(props))) denied.push(`${id} (${r.Type}): ${action} on ${arn}`);
    }
    expect(denied).toEqual([]);
  });

  it('lets the functions be given their roles, and only those, and only the basic logs policy be attached', () => {
    for (const [id, r] of Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function')) {
      const roleId = r.Properties.Role['Fn::GetAtt'][0] as string;
      const role = `arn:aws:iam::${ACCOUNT}:role/${STACK}-${roleId}-${RANDOM}`;
      expect({ id, pass: allows('iam:PassRole', role, { 'iam:PassedToService': 'lambda.amazonaws.com' }) }).toEqual({
        id,
        pass: true,
      });
      expect(allows('iam:PassRole', role, { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe(false);
      for (const managed of template.Resources[roleId]!.Properties.ManagedPolicyArns ?? []) {
        const arn = JSON.stringify(managed).includes('AWSLambdaBasicExecutionRole')
          ? 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'
          : String(managed);
        expect(allows('iam:AttachRolePolicy', role, { 'iam:PolicyARN': arn })).toBe(true);
      }
    }
    const role = `arn:aws:iam::${ACCOUNT}:role/${STACK}-IngressRole-${RANDOM}`;
    expect(
      allows('iam:AttachRolePolicy', role, { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' }),
    ).toBe(false);
  });

  it('allows the framework’s own calls: the stack, change sets, the artifacts in the deployment bucket', () => {
    const stack = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK}/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7`;
    for (const action of [
      'CreateStack',
      'UpdateStack',
      'DescribeStacks',
      'DescribeStackEvents',
      'DescribeStackResource',
      'ListStackResources',
      'GetTemplate',
      'SetStackPolicy',
      'CreateChangeSet',
      'DescribeChangeSet',
      'ExecuteChangeSet',
      'DeleteChangeSet',
      'DeleteStack',
    ])
      expect({ action, allowed: allows(`cloudformation:${action}`, stack) }).toEqual({ action, allowed: true });
    expect(allows('cloudformation:ValidateTemplate', '*')).toBe(true);
    for (const action of ['s3:ListBucket', 's3:GetBucketLocation'])
      expect(allows(action, `arn:aws:s3:::${BUCKET}`)).toBe(true);
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'])
      expect(
        allows(
          action,
          `arn:aws:s3:::${BUCKET}/serverless/zscaler-automation/dev/1700000000000-2026-12-03T20:00:00.000Z/worker.zip`,
        ),
      ).toBe(true);
    // The smoke check after the deploy reads the stack's two secrets, and the guide creates them.
    for (const action of ['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue'])
      expect(
        allows(action, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:zscaler-automation/prod/zscaler-AbCdEf`),
      ).toBe(true);
  });
});

describe('least privilege', () => {
  /** Calls AWS does not scope to a resource (or, for event source mappings, scopes by a condition only). */
  const UNSCOPED = new Set([
    'cloudformation:ValidateTemplate',
    'cloudformation:ListExports',
    'lambda:CreateEventSourceMapping',
    'lambda:UpdateEventSourceMapping',
    'lambda:DeleteEventSourceMapping',
    'lambda:GetEventSourceMapping',
    'lambda:ListEventSourceMappings',
    'logs:DescribeLogGroups',
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
  ]);

  it('has no wildcard action, no Deny to rely on, and "*" resources only for calls AWS does not scope', () => {
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const a of list(s.Action)) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
      if (list(s.Resource).includes('*'))
        for (const a of list(s.Action))
          expect({ sid: s.Sid, action: a, unscoped: UNSCOPED.has(a) }).toMatchObject({ unscoped: true });
      else
        for (const r of list(s.Resource))
          expect({ sid: s.Sid, r }).toMatchObject({ r: expect.stringMatching(/zscaler-automation|\/apis|\/tags\//) });
    }
  });

  it('never allows a function, queue, table, role, rule, topic, alarm, log group or bucket of another name (property-based)', () => {
    const arnsFor = (name: string) => [
      ['lambda:DeleteFunction', fnArn(name)],
      ['sqs:DeleteQueue', queueArn(name)],
      ['dynamodb:DeleteTable', `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`],
      ['iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT}:role/${name}`],
      ['iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${name}`],
      ['events:PutTargets', `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`],
      ['sns:DeleteTopic', `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`],
      ['cloudwatch:DeleteAlarms', `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`],
      ['logs:DeleteLogGroup', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${name}`],
      ['s3:DeleteBucket', `arn:aws:s3:::${name}`],
      ['secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}`],
    ];
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_+=,.@/-]{1,60}$/), (name) => {
        fc.pre(!name.startsWith('zscaler-automation'));
        for (const [action, arn] of arnsFor(name))
          expect({
            action,
            arn,
            allowed: allows(action!, arn!, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
          }).toMatchObject({
            allowed: false,
          });
      }),
    );
  });
});
