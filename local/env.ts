/**
 * Resolves serverless.yml environment values for the local stack. Unknown variables fail loudly, so a new
 * `${param:…}` in serverless.yml cannot silently be missing locally.
 */
import type { FunctionDef } from './serverlessYml.js';

export interface EnvSources {
  params: Record<string, string>;
  stage: string;
  /** CloudFormation logical id → local value (queue URLs). */
  refs: Record<string, string>;
  overrides?: Record<string, string>;
}

export function resolveEnvironment(functions: FunctionDef[], src: EnvSources): Record<string, string> {
  const env: Record<string, string> = {};
  for (const fn of functions) {
    for (const [key, raw] of Object.entries(fn.environment)) {
      const value = src.overrides?.[key] ?? resolveValue(raw, src, `${fn.name}.${key}`);
      if (key in env && env[key] !== value)
        throw new Error(`local stack: ${key} differs between functions (${env[key]} vs ${value})`);
      env[key] = value;
    }
  }
  for (const [k, v] of Object.entries(src.overrides ?? {})) env[k] ??= v;
  return env;
}

function resolveValue(raw: unknown, src: EnvSources, where: string): string {
  if (raw && typeof raw === 'object' && 'Ref' in raw) {
    const v = src.refs[String((raw as { Ref: unknown }).Ref)];
    if (v === undefined)
      throw new Error(`local stack: no local value for !Ref ${(raw as { Ref: unknown }).Ref} (${where})`);
    return v;
  }
  return String(raw).replace(/\$\{([^}]+)\}/g, (_m, expr: string) => {
    const [kind, name] = expr.split(':').map((s) => s.trim());
    if (kind === 'sls' && name === 'stage') return src.stage;
    if (kind === 'param' && name !== undefined && name in src.params) return src.params[name]!;
    throw new Error(`local stack: no local value for \${${expr}} (${where})`);
  });
}
