/**
 * `npm run smoke` end to end: the real script (scripts/smoke.ts, run with tsx in its own process, `--local`)
 * against the Zscaler simulator over HTTP and the local Secrets Manager read by the real SDK client — once with
 * the simulator's credentials (every check passes), once with a wrong client secret (fails, says what to fix,
 * never prints the secret), and with a secret that is not in the region and a wrong customer id. The argument
 * parser and the hints, the script's input and output boundaries, are property-tested in-process.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.js';
import { ZscalerApiError, ZscalerAuthError, ZscalerNetworkError } from '../../shared/zscaler/errors.js';
import { LOCAL_SECRET_IDS, LOCAL_WEBHOOK_SECRETS, LOCAL_ZSCALER_SECRET } from '../../local/fakeSecrets.js';
import { startLocalSecretsManager, type LocalSecrets } from '../../local/secretsManager.js';
import { LOCAL_REPORTS_SECRET, LOCAL_REPORTS_SECRET_ID } from '../../local/vendors/credentials.js';
import { startSimulator, SIM_CREDENTIALS, type RunningSimulator } from '../../simulator/index.js';
import { parseServerlessYml } from '../../local/serverlessYml.js';
import { defaultRegion, parseArgs, secretHint, zscalerHint, type HintContext } from '../../scripts/smoke.js';

const readServerlessDoc = () => parseServerlessYml(readFileSync('serverless.yml', 'utf8'));
let sim: RunningSimulator;
let secrets: LocalSecrets;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  secrets = await startLocalSecretsManager({
    [LOCAL_SECRET_IDS.zscaler]: LOCAL_ZSCALER_SECRET,
    [LOCAL_SECRET_IDS.webhooks]: LOCAL_WEBHOOK_SECRETS,
    [LOCAL_REPORTS_SECRET_ID]: LOCAL_REPORTS_SECRET,
  });
});
afterAll(async () => {
  await Promise.all([sim?.close(), secrets?.close()]);
});

/** Runs `npm run smoke -- --local …` as a user would, pointed at this test's simulator and Secrets Manager. */
function smoke(...args: string[]): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SIM_PORT: new URL(sim.url).port,
    LOCAL_SECRETS_PORT: new URL(secrets.url).port,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/smoke.ts', '--local', ...args], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const statusOf = (out: string, check: string) =>
  new RegExp(`^(PASS|FAIL|SKIP)  ${check.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:`, 'm').exec(out)?.[1];
/** Every credential value of the local secrets: none may ever appear in the output. */
const SECRET_VALUES = [
  SIM_CREDENTIALS.zpa.clientSecret,
  SIM_CREDENTIALS.zdx.keySecret,
  SIM_CREDENTIALS.oneapi.clientSecret,
  ...LOCAL_WEBHOOK_SECRETS.pagerduty,
  LOCAL_WEBHOOK_SECRETS.slack.signingSecret,
  LOCAL_WEBHOOK_SECRETS.slack.botToken,
  LOCAL_REPORTS_SECRET.pagerduty.apiToken,
];

describe('npm run smoke against the local stack', () => {
  it('passes every check with the simulator’s credentials, and exits 0', async () => {
    // PagerDuty notes routed, as serverless.yml's default does: the reports secret's pagerduty section is checked.
    const { code, out } = await smoke('--param=incidentReports=pagerduty=note,*=none');
    expect(out).toMatch(/^smoke: stage dev, region us-east-1 \(from the local stack\), Zscaler auth mode legacy$/m);
    for (const check of [
      'configuration',
      `secret ${LOCAL_SECRET_IDS.webhooks}`,
      `secret ${LOCAL_SECRET_IDS.zscaler}`,
      `secret ${LOCAL_REPORTS_SECRET_ID}`,
      'ZPA token',
      'ZPA read',
      'ZDX token',
      'ZDX read',
      'ZDX deep traces', // alice's laptop was active 30 minutes ago: one device to ask about
    ])
      expect({ check, status: statusOf(out, check) }).toEqual({ check, status: 'PASS' });
    expect(out).toContain(`customer ${SIM_CREDENTIALS.zpaCustomerId}: application segments listed`);
    expect(out).toContain(`PASS  secret ${LOCAL_REPORTS_SECRET_ID}: readable in us-east-1; sections in use: pagerduty`);
    expect(out).toMatch(/^smoke: 9 passed, 0 failed, 0 skipped$/m);
    expect(code).toBe(0);
    for (const value of SECRET_VALUES) expect(out).not.toContain(value);
    // The simulator saw the reads, and nothing else: the smoke check writes nothing.
    expect(sim.calls.length).toBeGreaterThanOrEqual(6); // 2 tokens, segments, policy set, devices, deep traces
    expect(sim.calls.filter((c) => c.method !== 'GET' && !/signin|oauth|token/.test(c.path))).toEqual([]);
  }, 60_000);

  it('fails on a wrong ZPA client secret with the fix to try, never printing the secret, and exits 1', async () => {
    const wrong = 'local-wrong-zpa-client-secret-7f3k9q';
    secrets.put(LOCAL_SECRET_IDS.zscaler, {
      ...LOCAL_ZSCALER_SECRET,
      zpa: { clientId: SIM_CREDENTIALS.zpa.clientId, clientSecret: wrong },
    });
    try {
      const { code, out } = await smoke();
      expect(code).toBe(1);
      expect(statusOf(out, 'ZPA token')).toBe('FAIL');
      expect(out).toMatch(/^FAIL {2}ZPA token: ZscalerAuthError: ZPA signin refused the credentials \(401/m);
      expect(out).toContain(
        `fix: ZPA refused the credentials: check zpa.clientId / zpa.clientSecret in ${LOCAL_SECRET_IDS.zscaler}`,
      );
      expect(statusOf(out, 'ZPA read')).toBe('SKIP');
      // ZDX's key is still right: its checks are independent of ZPA's.
      expect(statusOf(out, 'ZDX read')).toBe('PASS');
      expect(out).toMatch(/^smoke: \d+ passed, 1 failed, 2 skipped$/m); // ZPA read, and the reports secret (routes nothing locally)
      for (const value of [wrong, ...SECRET_VALUES]) expect(out).not.toContain(value);
    } finally {
      secrets.put(LOCAL_SECRET_IDS.zscaler, LOCAL_ZSCALER_SECRET);
    }
  }, 60_000);

  it('says where the secrets must be when the stack’s secret is not there (the region rule), and exits 1', async () => {
    const { code, out } = await smoke('--stage', 'prod', '--param', 'zscalerSecretId=zscaler-automation/prod/zscaler');
    expect(code).toBe(1);
    expect(out).toMatch(
      /^FAIL {2}secret zscaler-automation\/prod\/zscaler: AppError: cannot read secret zscaler-automation\/prod\/zscaler: ResourceNotFoundException$/m,
    );
    expect(out).toContain('fix: there is no secret zscaler-automation/prod/zscaler in us-east-1: create it there');
    expect(out).toContain('the stack and its secrets must be in one region');
    expect(statusOf(out, 'Zscaler')).toBe('SKIP');
  }, 60_000);

  it('checks one ZIdentity client for both products in OneAPI mode', async () => {
    const { code, out } = await smoke('--param=zscalerAuthMode=oneapi');
    expect(out).toMatch(/Zscaler auth mode oneapi$/m);
    for (const check of ['ZIdentity token (OneAPI)', 'ZPA read', 'ZDX read', 'ZDX deep traces'])
      expect({ check, status: statusOf(out, check) }).toEqual({ check, status: 'PASS' });
    expect(statusOf(out, 'ZDX token')).toBeUndefined(); // one token serves both: not asked twice
    expect(code).toBe(0);
    for (const value of SECRET_VALUES) expect(out).not.toContain(value);
  }, 60_000);

  it('names the customer id when ZPA does not know it', async () => {
    const { code, out } = await smoke('--param=zpaCustomerId=216196257331281999');
    expect(code).toBe(1);
    expect(statusOf(out, 'ZPA token')).toBe('PASS');
    expect(statusOf(out, 'ZPA read')).toBe('FAIL');
    expect(out).toContain('fix: wrong customer id: zpaCustomerId must be the ZPA tenant id');
  }, 60_000);
});

describe('the smoke check’s arguments (property-based)', () => {
  const stage = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,19}$/);
  const region = fc.constantFrom('eu-west-1', 'us-east-1', 'ap-southeast-2', 'eu-central-2', 'us-gov-west-1');
  const paramKey = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,20}$/);
  const paramValue = fc.string({ maxLength: 40 });

  it('reads osls’s flag forms (`--x v`, `--x=v`, `--param k=v`) back to the same values', () => {
    fc.assert(
      fc.property(stage, region, fc.dictionary(paramKey, paramValue), fc.boolean(), (st, rg, params, joined) => {
        const flag = (name: string, v: string) => (joined ? [`--${name}=${v}`] : [`--${name}`, v]);
        const argv = [
          ...flag('stage', st),
          ...flag('region', rg),
          ...Object.entries(params).flatMap(([k, v]) => flag('param', `${k}=${v}`)),
        ];
        expect(parseArgs(argv)).toEqual({ stage: st, region: rg, params, local: false });
      }),
    );
  });

  it('refuses anything else with a ConfigError that does not echo the argument (it may be a pasted secret)', () => {
    const known = /^--(stage|region|param|local)(=|$)/;
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 12, maxLength: 30 }), { minLength: 1, maxLength: 4 }), (argv) => {
        fc.pre(argv.every((a) => !known.test(a)));
        try {
          parseArgs(argv);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          for (const a of argv) expect((e as Error).message).not.toContain(a);
          return;
        }
        throw new Error('accepted an unknown argument');
      }),
    );
  });

  it('reads the stack’s default region from serverless.yml’s provider.region', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: serverless.yml's variable syntax, literally
    expect(defaultRegion("${opt:region, 'eu-west-1'}")).toBe('eu-west-1');
    expect(defaultRegion(readServerlessDoc().provider.region)).toBe('eu-west-1'); // the shipped file's default
    expect(() => defaultRegion('eu-west-1')).toThrow(ConfigError);
  });
});

describe('the hints (property-based)', () => {
  const ctx = (over: Partial<HintContext> = {}): HintContext => ({
    product: 'ZPA',
    hostParam: 'zpaBaseUrl',
    secretId: 'zscaler-automation/prod/zscaler',
    region: 'eu-west-1',
    what: 'read',
    ...over,
  });
  const request = { method: 'GET', path: '/x' };

  it('map 401, 403 and 404 to what to check, and never repeat Zscaler’s text', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(400, 401, 403, 404, 409, 429, 500, 503),
        fc.option(fc.constantFrom('resource.not.found', 'access.denied', '403'), { nil: undefined }),
        fc.string({ minLength: 16, maxLength: 40 }),
        fc.constantFrom<HintContext['product']>('ZPA', 'ZDX'),
        fc.constantFrom<HintContext['what']>('token', 'read', 'deep-traces'),
        (status, id, reason, product, what) => {
          const hint = zscalerHint(new ZscalerApiError(status, id, reason, request, false), ctx({ product, what }));
          expect(hint).not.toContain(reason);
          if (product === 'ZPA' && (status === 404 || id === 'resource.not.found')) expect(hint).toMatch(/customer id/);
          else if (status === 403 && what === 'deep-traces') expect(hint).toMatch(/ZDX Advanced/);
          else if (status === 403) expect(hint).toMatch(/role/);
          else if (status === 401) expect(hint).toMatch(/cloud/);
        },
      ),
    );
    expect(
      zscalerHint(new ZscalerAuthError('ZDX token refused the credentials (401)'), ctx({ product: 'ZDX' })),
    ).toMatch(/zdx\.keyId \/ zdx\.keySecret in zscaler-automation\/prod\/zscaler/);
    expect(zscalerHint(new ZscalerNetworkError('ENOTFOUND', request), ctx())).toMatch(/cloud name in zpaBaseUrl/);
  });

  it('say the region rule when a secret is missing, and which credentials when it is refused', () => {
    const aws = (name: string) => new Error(`cannot read secret s: ${name}`);
    expect(secretHint(aws('ResourceNotFoundException'), 's', 'eu-west-1')).toMatch(
      /no secret s in eu-west-1.*--region.*one region.*503 secret_unavailable/,
    );
    expect(secretHint(aws('AccessDeniedException'), 's', 'eu-west-1')).toMatch(/AWS credentials/);
    expect(secretHint(new ConfigError('secret s has missing or invalid fields: zpa.clientId'), 's', 'r')).toMatch(
      /fix its JSON/,
    );
  });
});
