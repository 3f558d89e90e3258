/**
 * `npm run smoke -- --stage <stage> [--region <region>] [--param="key=value" …]`: after a deploy, proves — read-only
 * — that the stack's secrets can be read in its region and that Zscaler accepts its credentials, through the same
 * code the functions run (shared/aws/secrets, the HTTP core with its token providers, shared/zpa, the ZDX client)
 * and with the same configuration: the functions' environment is resolved from serverless.yml's params the way
 * `osls deploy` resolves it, so pass the same `--stage`, `--region` and `--param` flags as to the deploy.
 *
 * `npm run smoke -- --local` checks the local stack of `npm start` instead (the simulator and the local Secrets
 * Manager, at SIM_PORT and LOCAL_SECRETS_PORT).
 *
 * One line per check, PASS / FAIL / SKIP, and for a failure the fix to try. Nothing it prints holds a secret: only
 * ids, names, statuses and Zscaler's error ids, and every line goes through the logger's redaction besides.
 * Exits 1 when any check fails. It writes nothing anywhere, neither to AWS nor to Zscaler.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { jsonSecret } from '../shared/aws/secrets.js';
import { loadConfig, zscalerFields, zscalerOptionsFromConfig, type ConfigOf } from '../shared/config.js';
import { runWithDeadline } from '../shared/deadline.js';
import { AppError, ConfigError } from '../shared/errors.js';
import { createLogger, redact } from '../shared/logger.js';
import { reportSection, reportsSecret, type ReportSectionName } from '../shared/reporting/reportsSecret.js';
import { parseIncidentRoutes, routedSinks, type SinkName } from '../shared/reporting/routes.js';
import { webhookSecrets } from '../shared/webhooks/secrets.js';
import { getPolicySet } from '../shared/zpa/policySets.js';
import { q, v1, type ZpaScope } from '../shared/zpa/scope.js';
import { createZscalerClients } from '../shared/zscaler/clients.js';
import { zscalerSecretSchema } from '../shared/zscaler/credentials.js';
import { ZscalerApiError, ZscalerAuthError, ZscalerNetworkError, isNotFound } from '../shared/zscaler/errors.js';
import { resolveEnvironment } from '../local/env.js';
import { LOCAL_SECRET_IDS } from '../local/fakeSecrets.js';
import { parseServerlessYml, readServerlessYml } from '../local/serverlessYml.js';
import { localParams } from '../local/wiring.js';

// ── Arguments ─────────────────────────────────────────────────────────────────────────────────────────────

export interface SmokeArgs {
  stage: string;
  /** `--region`; undefined: serverless.yml's default, which is what `osls deploy` without `--region` uses. */
  region?: string;
  params: Record<string, string>;
  local: boolean;
}

/** osls's flag syntax: `--stage prod`, `--stage=prod`, `--param key=value`, `--param=key=value`. */
export function parseArgs(argv: readonly string[]): SmokeArgs {
  const args: SmokeArgs = { stage: 'dev', params: {}, local: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--stage') args.stage = value();
    else if (flag === '--region') args.region = value();
    else if (flag === '--param') {
      const kv = value();
      const at = kv.indexOf('=');
      if (at < 1) throw new ConfigError('--param takes key=value');
      args.params[kv.slice(0, at)] = kv.slice(at + 1);
    } else if (flag === '--local') args.local = true;
    // The argument is not echoed: it might be a secret pasted in the wrong place.
    else throw new ConfigError(`unknown argument #${i + 1} (known: --stage, --region, --param, --local)`);
  }
  if (!/^[A-Za-z0-9-]{1,64}$/.test(args.stage)) throw new ConfigError('--stage takes letters, digits and dashes');
  if (args.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(args.region))
    throw new ConfigError('--region takes an AWS region name, e.g. eu-west-1');
  return args;
}

// ── The functions' configuration, as the deploy resolves it ──────────────────────────────────────────────────

/** The functions that hold Zscaler credentials; local/env.ts fails if they were configured differently. */
const ZSCALER_FUNCTIONS = ['worker', 'reconciler', 'trace-reconciler'];
const INGRESS_FUNCTION = 'incident-webhook';
const REPORTING_FUNCTION = 'trace-reconciler';
/** The reports secret's section each sink reads. */
const SECTION_OF: Record<SinkName, ReportSectionName> = {
  'pagerduty-note': 'pagerduty',
  'servicenow-worknote': 'servicenow',
  'opsgenie-note': 'opsgenie',
  'slack-channel': 'slack',
};

export interface SmokeTarget {
  region: string;
  /** Where the region came from: said on the first line, so a mismatch with the secrets' region is visible. */
  regionSource: string;
  webhookSecretId: string;
  /** The trace reconciler's reports into incidents: the secret and the routes that say which sections it needs. */
  reports: { secretId: string; routes: string };
  /** The Zscaler keys of the functions' environment. */
  env: Record<string, string>;
}

/** `${opt:region, 'eu-west-1'}` → `eu-west-1`: the stack's region when `--region` is not given. */
export function defaultRegion(providerRegion: unknown): string {
  const m = /^\$\{opt:region,\s*'([a-z0-9-]+)'\}$/.exec(String(providerRegion ?? ''));
  if (!m) throw new ConfigError(`serverless.yml: provider.region has no default to read (${String(providerRegion)})`);
  return m[1]!;
}

export function resolveTarget(args: SmokeArgs, ymlPath = 'serverless.yml'): SmokeTarget {
  const yml = readServerlessYml(ymlPath);
  const local = args.local ? localWiring(yml) : undefined;
  // A param's default may name the stage (`zscaler-automation/${sls:stage}/zscaler`): filled in first.
  const params = Object.fromEntries(
    Object.entries({ ...yml.params, ...local, ...args.params }).map(([k, v]) => [
      k,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: serverless.yml's variable syntax, matched literally
      v.replaceAll('${sls:stage}', args.stage).replaceAll('${self:service}', yml.service),
    ]),
  );
  const environment = (names: string[], keys: string[]) =>
    resolveEnvironment(
      yml.functions
        .filter((f) => names.includes(f.name))
        .map((f) => ({
          ...f,
          environment: Object.fromEntries(keys.filter((k) => k in f.environment).map((k) => [k, f.environment[k]])),
        })),
      { params, stage: args.stage, refs: {} },
    );
  const env = environment(ZSCALER_FUNCTIONS, Object.keys(zscalerFields));
  const { WEBHOOK_SECRET_ID } = environment([INGRESS_FUNCTION], ['WEBHOOK_SECRET_ID']);
  const reports = environment([REPORTING_FUNCTION], ['REPORTS_SECRET_ID', 'INCIDENT_REPORTS']);
  const providerRegion = parseServerlessYml(readFileSync(ymlPath, 'utf8')).provider?.region;
  let region: string;
  let regionSource: string;
  if (local) [region, regionSource] = ['us-east-1', 'the local stack'];
  else if (args.region) [region, regionSource] = [args.region, '--region'];
  else [region, regionSource] = [defaultRegion(providerRegion), "serverless.yml's default, as osls deploy uses it"];
  return {
    region,
    regionSource,
    webhookSecretId: WEBHOOK_SECRET_ID!,
    reports: { secretId: reports.REPORTS_SECRET_ID ?? '', routes: reports.INCIDENT_REPORTS ?? '' },
    env,
  };
}

/** The local stack's wiring (local/wiring.ts) at the ports `npm start` uses (or SIM_PORT, LOCAL_SECRETS_PORT). */
function localWiring(yml: ReturnType<typeof readServerlessYml>): Record<string, string> {
  const port = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ??= `http://127.0.0.1:${port('LOCAL_SECRETS_PORT', 4584)}`;
  process.env.AWS_ACCESS_KEY_ID ??= 'local-fake-access-key';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local-fake-secret-key';
  return {
    ...localParams(yml, {
      simulator: `http://127.0.0.1:${port('SIM_PORT', 8089)}`,
      receiver: `http://127.0.0.1:${port('LOCAL_RECEIVER_PORT', 9090)}`,
    }),
    zscalerSecretId: LOCAL_SECRET_IDS.zscaler,
    webhookSecretId: LOCAL_SECRET_IDS.webhooks,
  };
}

// ── What a failure means, and what to try ─────────────────────────────────────────────────────────────────

export type Product = 'ZPA' | 'ZDX' | 'OneAPI';

export interface HintContext {
  product: Product;
  /** The param that names the product's host (`zpaBaseUrl`, `zdxBaseUrl`, `oneapiBaseUrl`). */
  hostParam: string;
  secretId: string;
  region: string;
  /** What the failing call was for: the ZPA read, ZDX devices or ZDX deep traces. */
  what: 'token' | 'read' | 'deep-traces';
}

/** The fix to try for an error of a Zscaler check (never the error's message: only its type, status and id). */
export function zscalerHint(e: unknown, c: HintContext): string {
  const key =
    c.product === 'ZPA'
      ? 'zpa.clientId / zpa.clientSecret'
      : c.product === 'ZDX'
        ? 'zdx.keyId / zdx.keySecret'
        : 'oneapi.clientId / oneapi.clientSecret';
  if (e instanceof ConfigError) return `fix the secret ${c.secretId} (its JSON shape is in docs/deploy.md, "Secrets")`;
  if (e instanceof ZscalerAuthError)
    return `${c.product} refused the credentials: check ${key} in ${c.secretId} (a rotated or mistyped secret), that the key or client is enabled, and that ${c.hostParam} is your tenant's cloud`;
  if (e instanceof ZscalerNetworkError)
    return `cannot reach ${c.product}: check the cloud name in ${c.hostParam} and that the functions' egress allows HTTPS to it`;
  if (e instanceof ZscalerApiError) {
    if (c.product === 'ZPA' && isNotFound(e))
      return 'wrong customer id: zpaCustomerId must be the ZPA tenant id shown on the ZPA API Keys page (docs/deploy.md, "ZPA")';
    if (e.status === 401)
      return `${c.product} took the token but refused the call: the token is for another cloud than ${c.hostParam}, or the key was disabled meanwhile`;
    if (e.status === 403) {
      if (c.what === 'deep-traces')
        return 'ZDX refuses deep traces: they need the ZDX Advanced licence, and the key’s role must allow troubleshooting (docs/deploy.md, "ZDX")';
      if (c.product === 'ZPA')
        return 'the ZPA API key’s role may not read this: give it a role with full access to application segments and policies (docs/deploy.md, "ZPA"); a wrong customer id can answer 403 too';
      return `${c.product} refuses the key: its role lacks access, the key is disabled, or the tenant has no ${c.product} API subscription (docs/deploy.md)`;
    }
    if (e.status === 404)
      return c.what === 'deep-traces'
        ? 'the deep-trace endpoint is not there: the tenant has no deep tracing (ZDX Advanced), or zdxBaseUrl is not a ZDX API host'
        : `${c.product} has no such endpoint: ${c.hostParam} is not the ${c.product} API host of your cloud`;
    if (e.status === 429)
      return `${c.product} is rate-limiting this IP (other tools share the limits): run again in a minute`;
    if (e.status >= 500)
      return `${c.product} failed (${e.status}): run again later; if it persists, check Zscaler's status page`;
  }
  if (e instanceof AppError && e.code === 'zscaler_auth_unavailable')
    return `${c.product}'s token endpoint failed: run again later, and check ${c.hostParam}`;
  return 'unexpected: run again with LOG_LEVEL=debug and read the error';
}

/** The fix to try when a secret cannot be read (`secret_unavailable`: the AWS error's name is in the message). */
export function secretHint(e: unknown, secretId: string, region: string): string {
  if (e instanceof ConfigError)
    return `the secret ${secretId} is not what the code reads: fix its JSON (shape and example in docs/deploy.md, "Secrets")`;
  const text = e instanceof Error ? e.message : '';
  if (/ResourceNotFoundException/.test(text))
    return `there is no secret ${secretId} in ${region}: create it there (docs/deploy.md, "Secrets"), or if it lives in another region, deploy and run this with --region <that region> — the stack and its secrets must be in one region, or every function answers 503 secret_unavailable`;
  if (/AccessDenied|UnrecognizedClient|ExpiredToken|InvalidSignature/.test(text))
    return `the AWS credentials running this check may not read ${secretId} in ${region} (or have expired): use the deployer's profile (AWS_PROFILE)`;
  if (/Credential|credentials/i.test(text))
    return 'no AWS credentials found: set AWS_PROFILE (or the AWS_ACCESS_KEY_ID pair) as for the deploy';
  if (/DecryptionFailure|KMS/i.test(text))
    return `the secret's KMS key does not let these credentials decrypt it: use the default key (aws/secretsmanager) or grant kms:Decrypt`;
  return `cannot read ${secretId} in ${region}: check the region, the name and your AWS credentials`;
}

// ── The checks ────────────────────────────────────────────────────────────────────────────────────────────

type Outcome = { status: 'PASS' | 'SKIP'; detail: string } | { status: 'FAIL'; detail: string; fix: string };

/** Each check gets its own deadline, as an invocation would: the HTTP core retries within it, never past it. */
const CHECK_DEADLINE_MS = 25_000;

export async function runSmoke(argv: readonly string[], write: (line: string) => void): Promise<number> {
  const say = (line: string) => write(String(redact(line)));
  const results: Outcome['status'][] = [];
  const report = (name: string, o: Outcome) => {
    results.push(o.status);
    say(`${o.status}  ${name}: ${o.detail}`);
    if (o.status === 'FAIL') say(`      fix: ${o.fix}`);
  };
  const fail = (detail: string, fix: string): Outcome => ({ status: 'FAIL', detail, fix });
  const done = () => {
    const n = (s: Outcome['status']) => results.filter((r) => r === s).length;
    say(`smoke: ${n('PASS')} passed, ${n('FAIL')} failed, ${n('SKIP')} skipped`);
    return n('FAIL') ? 1 : 0;
  };

  let target: SmokeTarget;
  let config: ConfigOf<typeof zscalerFields>;
  try {
    const args = parseArgs(argv);
    target = resolveTarget(args);
    // What Lambda gives every function: AWS_REGION is the stack's region. The SDK clients read it from there.
    process.env.AWS_REGION = target.region;
    config = loadConfig(zscalerFields, target.env);
    zscalerOptionsFromConfig(config);
    say(
      `smoke: stage ${args.stage}, region ${target.region} (from ${target.regionSource}), Zscaler auth mode ${config.ZSCALER_AUTH_MODE}`,
    );
    report('configuration', { status: 'PASS', detail: 'the functions’ Zscaler settings parse' });
  } catch (e) {
    report(
      'configuration',
      fail(
        e instanceof Error ? e.message : String(e),
        'pass the same --stage, --region and --param="key=value" flags as to osls deploy (docs/deploy.md)',
      ),
    );
    return done();
  }

  const within = <T>(fn: () => Promise<T>) => runWithDeadline(Date.now() + CHECK_DEADLINE_MS, fn);
  const region = target.region;

  // 1. Both secrets, in the stack's region, with the shapes the functions parse.
  try {
    const webhooks = await within(() => webhookSecrets(target.webhookSecretId, 0).get());
    const sections = Object.keys(webhooks).filter((k) => webhooks[k as keyof typeof webhooks] !== undefined);
    report(`secret ${target.webhookSecretId}`, {
      status: 'PASS',
      detail: `readable in ${region}; sections: ${sections.join(', ') || 'none (every webhook will be refused)'}`,
    });
  } catch (e) {
    report(`secret ${target.webhookSecretId}`, fail(errorText(e), secretHint(e, target.webhookSecretId, region)));
  }
  const secretId = config.ZSCALER_SECRET_ID;
  const secret = jsonSecret({ secretId, schema: zscalerSecretSchema, ttlMs: 300_000 });
  const needed = config.ZSCALER_AUTH_MODE === 'oneapi' ? ['oneapi'] : ['zpa', 'zdx'];
  try {
    const value = await within(() => secret.get());
    const missing = needed.filter((s) => value[s as keyof typeof value] === undefined);
    if (missing.length)
      report(
        `secret ${secretId}`,
        fail(
          `readable in ${region}, but has no ${missing.map((m) => `"${m}"`).join(' or ')} section`,
          `auth mode ${config.ZSCALER_AUTH_MODE} needs ${needed.join(' and ')}: add ${missing.length > 1 ? 'them' : 'it'} (docs/deploy.md, "Secrets"), or set zscalerAuthMode`,
        ),
      );
    else
      report(`secret ${secretId}`, { status: 'PASS', detail: `readable in ${region}; sections: ${needed.join(', ')}` });
  } catch (e) {
    report(`secret ${secretId}`, fail(errorText(e), secretHint(e, secretId, region)));
    report('Zscaler', { status: 'SKIP', detail: 'no credentials to try without the secret' });
    return done();
  }

  // The reports secret, when incidentReports routes outcomes into some tool (only the sections in use are needed).
  const { secretId: reportsId, routes: routesText } = target.reports;
  let sections: ReportSectionName[] = [];
  try {
    sections = [...new Set(routedSinks(parseIncidentRoutes(routesText)).map((s) => SECTION_OF[s]))];
  } catch (e) {
    report(
      'incidentReports',
      fail(errorText(e), 'fix the incidentReports param (docs/sources.md, "Reports back into the incident")'),
    );
  }
  if (!sections.length)
    report(`secret ${reportsId}`, { status: 'SKIP', detail: 'incidentReports routes nothing into incidents' });
  else {
    try {
      const value = await within(() => reportsSecret(reportsId, 0).get());
      for (const section of sections) reportSection(value, section);
      report(`secret ${reportsId}`, {
        status: 'PASS',
        detail: `readable in ${region}; sections in use: ${sections.join(', ')}`,
      });
    } catch (e) {
      report(
        `secret ${reportsId}`,
        fail(
          errorText(e),
          e instanceof ConfigError
            ? `incidentReports (${routesText}) needs the section(s) ${sections.join(', ')} in ${reportsId} (docs/deploy.md, "Secrets"); or pass --param="incidentReports=*=none" to write no notes into incidents`
            : secretHint(e, reportsId, region),
        ),
      );
    }
  }

  // 2. Tokens and one read per product, through the functions' own clients.
  // The core's own log lines (retries, metrics) are not this check's output: the outcome of each call is.
  const clients = createZscalerClients(zscalerOptionsFromConfig(config), {
    secret,
    logger: createLogger({ level: 'error', sink: () => {} }),
  });
  const oneapi = config.ZSCALER_AUTH_MODE === 'oneapi';
  const ctx = (product: 'ZPA' | 'ZDX', what: HintContext['what']): HintContext => ({
    product: oneapi && what === 'token' ? 'OneAPI' : product,
    hostParam: oneapi ? 'oneapiBaseUrl / zidentityTokenUrl' : product === 'ZPA' ? 'zpaBaseUrl' : 'zdxBaseUrl',
    secretId,
    region,
    what,
  });
  const check = async (name: string, c: HintContext, fn: () => Promise<Outcome>) => {
    try {
      report(name, await within(fn));
    } catch (e) {
      report(name, fail(errorText(e), zscalerHint(e, c)));
    }
  };

  const zpaTokenName = oneapi ? 'ZIdentity token (OneAPI)' : 'ZPA token';
  let zpaToken = false;
  await check(zpaTokenName, ctx('ZPA', 'token'), async () => {
    await clients.tokens.zpa.getToken();
    zpaToken = true;
    return { status: 'PASS', detail: `granted (${oneapi ? config.ONEAPI_BASE_URL : config.ZPA_BASE_URL})` };
  });
  if (!config.ZPA_CUSTOMER_ID)
    report(
      'ZPA read',
      fail('zpaCustomerId is not set', 'pass --param="zpaCustomerId=<the ZPA tenant id>" (docs/deploy.md, "ZPA")'),
    );
  else if (!zpaToken) report('ZPA read', { status: 'SKIP', detail: 'no ZPA token' });
  else {
    const scope: ZpaScope = {
      api: clients.zpa,
      customerId: config.ZPA_CUSTOMER_ID,
      microtenantId: config.ZPA_MICROTENANT_ID,
    };
    await check('ZPA read', ctx('ZPA', 'read'), async () => {
      const page = await clients.zpa.get<{ totalPages?: unknown }>(
        v1(scope, '/application'),
        q(scope, { page: 1, pagesize: 1 }),
      );
      const policy = await getPolicySet(scope, 'CLIENT_FORWARDING_POLICY');
      return {
        status: 'PASS',
        detail: `customer ${config.ZPA_CUSTOMER_ID}${config.ZPA_MICROTENANT_ID ? ` (microtenant ${config.ZPA_MICROTENANT_ID})` : ''}: application segments listed (${String(page?.totalPages ?? 0)} page(s) of 1), client forwarding policy set ${policy.id} read`,
      };
    });
  }

  let zdxToken = oneapi ? zpaToken : false;
  if (!oneapi)
    await check('ZDX token', ctx('ZDX', 'token'), async () => {
      await clients.tokens.zdx.getToken();
      zdxToken = true;
      return { status: 'PASS', detail: `granted (${config.ZDX_BASE_URL})` };
    });
  if (!zdxToken) report('ZDX read', { status: 'SKIP', detail: 'no ZDX token' });
  else {
    let deviceId: number | undefined;
    await check('ZDX read', ctx('ZDX', 'read'), async () => {
      const to = Math.floor(Date.now() / 1000);
      const page = await clients.zdx.get<{ devices?: Array<{ id?: number }> }>('/devices', {
        from: to - 7200,
        to,
        limit: 1,
      });
      deviceId = page?.devices?.[0]?.id;
      return {
        status: 'PASS',
        detail: `devices of the last 2 hours listed (${deviceId === undefined ? 'none active' : 'at least one'})`,
      };
    });
    if (deviceId === undefined)
      report('ZDX deep traces', {
        status: 'SKIP',
        detail: 'no device was active in the last 2 hours to ask about; run again when one is',
      });
    else {
      const id = deviceId;
      await check('ZDX deep traces', ctx('ZDX', 'deep-traces'), async () => {
        await clients.zdx.get(`/devices/${id}/deeptraces`);
        return {
          status: 'PASS',
          detail: "one device's deep traces listed (the licence and the key's role allow them)",
        };
      });
    }
  }
  return done();
}

/** An error as one line: its class and message (the core's messages carry method, path, status and id, no secret). */
const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // exit, not exitCode: the core's keep-alive connections would hold the process open for their idle timeout.
  process.exit(await runSmoke(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)));
}
