/**
 * The reports' least privilege, read from serverless.yml: only the trace reconciler may read the reports secret
 * (the vendor tokens that can write into incidents), and it still reads no webhook signing secret; its environment
 * names the secret and every incident-report setting.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseServerlessYml } from '../../../local/serverlessYml.js';
import { incidentReportFields } from '../../../shared/config.js';

const doc = parseServerlessYml(readFileSync('serverless.yml', 'utf8'));
const fns = doc.functions as Record<string, Record<string, any>>;
const resources = doc.resources.Resources as Record<string, any>;
const secretsReadBy = (role: string) =>
  JSON.stringify(
    resources[role].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)
      .filter((s: any) => s.Action.includes('secretsmanager:GetSecretValue'))
      .map((s: any) => s.Resource),
  );

describe('serverless.yml: the reports secret', () => {
  it('is read by the trace reconciler’s role only', () => {
    const roles = Object.keys(resources).filter((k) => resources[k].Type === 'AWS::IAM::Role');
    expect(roles).toContain('TraceReconcilerRole');
    for (const role of roles)
      expect(secretsReadBy(role).includes('reportsSecretId'), role).toBe(role === 'TraceReconcilerRole');
    expect(secretsReadBy('TraceReconcilerRole')).not.toContain('webhookSecretId');
  });

  it('every incident-report setting is set on the trace reconciler and on no other function', () => {
    for (const key of Object.keys(incidentReportFields)) {
      expect(fns['trace-reconciler']!.environment, key).toHaveProperty(key);
      for (const [name, f] of Object.entries(fns))
        if (name !== 'trace-reconciler') expect(f.environment ?? {}, `${name}: ${key}`).not.toHaveProperty(key);
    }
  });
});
