/**
 * Every configuration key a function parses is reachable on AWS: serverless.yml sets it for that function
 * (through a `${param:…}` with a documented default), unless it is explicitly local-only.
 *
 * The keys are not listed by hand: each handler is imported (as Lambda's cold start does) with `loadConfig`
 * wrapped, so whatever field groups it passes — directly, or through shared wiring such as the chat
 * functions' — are recorded per function. The handler then parses exactly the environment serverless.yml
 * gives that function, so a required key missing from serverless.yml also fails here.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Config from '../../../shared/config.js';
import { resolveEnvironment } from '../../../local/env.js';
import { loadHandler } from '../../../local/lambda.js';
import { readServerlessYml, type FunctionDef } from '../../../local/serverlessYml.js';
import { localParams } from '../../../local/wiring.js';

type Shape = Parameters<typeof Config.loadConfig>[0];

const state = vi.hoisted(() => ({ env: {} as Record<string, string>, shapes: [] as Shape[] }));

vi.mock('../../../shared/config.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Config>();
  return {
    ...actual,
    // Records what the importing handler asks for; parses only the environment serverless.yml gives it.
    loadConfig: (shape: Shape) => {
      state.shapes.push(shape);
      return actual.loadConfig(shape, state.env);
    },
  };
});

/**
 * Keys a function parses that serverless.yml deliberately does not set, each with the reason. Everything
 * else a function parses must be set for it.
 */
const LOCAL_ONLY: Record<string, string> = {
  WINDOWS_FILE:
    'the reconciler reads the bundled, reviewed config/maintenance-windows.json; a file path is for the local stack and tests',
  CHATOPS_PERMISSIONS:
    'who may do what is the bundled, reviewed config/chatops-permissions.json; the JSON override is for the local stack and tests',
};

/** Values a deployment must pass with --param (their defaults are empty) for a cold start to succeed. */
const DEPLOY_TIME_PARAMS = { zpaCustomerId: '216196257331281920' };

const yml = readServerlessYml();
const refs = {
  ...Object.fromEntries(
    yml.queues.map((q) => [q.logicalId, `https://sqs.eu-west-1.amazonaws.com/123456789012/${q.logicalId}`]),
  ),
  ...Object.fromEntries(yml.tables.map((t) => [t.logicalId, `zea-prod-${t.logicalId}`])),
};
const PARAM = /^\$\{param:([^}]+)\}$/;

/** Per function: every key it parses → that key's schema. */
const parsed = new Map<string, Shape>();
const awsEnv = (fn: FunctionDef) =>
  resolveEnvironment([fn], { params: { ...yml.params, ...DEPLOY_TIME_PARAMS }, stage: 'prod', refs });

beforeAll(async () => {
  for (const fn of yml.functions) {
    vi.resetModules();
    state.shapes = [];
    state.env = awsEnv(fn);
    await loadHandler(fn, 'src');
    parsed.set(fn.name, Object.assign({}, ...state.shapes) as Shape);
  }
}, 60_000);

const keysOf = (fn: string) => Object.keys(parsed.get(fn) ?? {});

describe('configuration keys in serverless.yml', () => {
  it('every key a function parses is set for it in serverless.yml (local-only keys excepted)', () => {
    for (const fn of yml.functions)
      expect(keysOf(fn.name), `${fn.name} parsed no configuration at cold start`).toContain('LOG_LEVEL');
    const unset = yml.functions.flatMap((fn) =>
      keysOf(fn.name)
        .filter((k) => !(k in fn.environment) && !(k in LOCAL_ONLY))
        .map((k) => `${fn.name}: ${k}`),
    );
    expect(
      unset,
      'parsed by the function but never set by serverless.yml: add a param (params.default) and set it on the function',
    ).toEqual([]);
  });

  it('keeps the local-only list honest: each is parsed by some function and set by none', () => {
    for (const key of Object.keys(LOCAL_ONLY)) {
      expect(
        yml.functions.some((fn) => keysOf(fn.name).includes(key)),
        `${key} is parsed by no function: drop it from LOCAL_ONLY`,
      ).toBe(true);
      expect(
        yml.functions.filter((fn) => key in fn.environment).map((fn) => fn.name),
        `${key} is set in serverless.yml: not local-only`,
      ).toEqual([]);
    }
  });

  it('sets no key a function does not parse (a typo would silently leave the default in force)', () => {
    const provider = new Set(Object.keys(yml.providerEnvironment));
    const stray = yml.functions.flatMap((fn) =>
      Object.keys(fn.environment)
        // Provider-wide keys (queue URLs) need only be parsed by some function.
        .filter((k) =>
          provider.has(k) ? !yml.functions.some((f) => keysOf(f.name).includes(k)) : !keysOf(fn.name).includes(k),
        )
        .map((k) => `${fn.name}: ${k}`),
    );
    expect(stray).toEqual([]);
  });

  it('gives every param a default, and each default is the one the schema applies when the key is unset', async () => {
    const { loadConfig } = await vi.importActual<typeof Config>('../../../shared/config.js');
    const mismatches: string[] = [];
    for (const fn of yml.functions) {
      const shape = parsed.get(fn.name)!;
      for (const [key, raw] of Object.entries(fn.environment)) {
        const param = typeof raw === 'string' ? PARAM.exec(raw)?.[1] : undefined;
        if (!param) continue;
        expect(yml.params, `${fn.name}.${key} uses \${param:${param}}, which has no default`).toHaveProperty(param);
        const field = shape[key];
        if (!field) continue;
        let unsetValue: unknown;
        try {
          unsetValue = loadConfig({ [key]: field }, {})[key];
        } catch {
          continue; // required: no schema default to agree with
        }
        const paramValue = loadConfig({ [key]: field }, { [key]: yml.params[param]! })[key];
        if (JSON.stringify(paramValue) !== JSON.stringify(unsetValue))
          mismatches.push(
            `${param} = ${JSON.stringify(yml.params[param])} but ${key} defaults to ${JSON.stringify(unsetValue)}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('the local stack resolves one environment from serverless.yml (local/wiring.ts) on which every function parses', async () => {
    const { loadConfig } = await vi.importActual<typeof Config>('../../../shared/config.js');
    const local = resolveEnvironment(yml.functions, {
      params: localParams(yml, { simulator: 'http://127.0.0.1:8089', receiver: 'http://127.0.0.1:9090' }),
      stage: 'local',
      refs,
    });
    for (const fn of yml.functions) {
      expect(() => loadConfig(parsed.get(fn.name)!, local), fn.name).not.toThrow();
      expect(
        keysOf(fn.name).filter((k) => !(k in local) && !(k in LOCAL_ONLY)),
        fn.name,
      ).toEqual([]);
    }
    // Every Zscaler endpoint points at the simulator, never at a real tenant.
    for (const key of ['ZDX_BASE_URL', 'ZPA_BASE_URL', 'ONEAPI_BASE_URL', 'ZIDENTITY_TOKEN_URL'])
      expect(local[key]).toMatch(/^http:\/\/127\.0\.0\.1:8089/);
  });
});
