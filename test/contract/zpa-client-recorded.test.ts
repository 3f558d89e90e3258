/**
 * Contract truth for the client: every successful JSON response in the recorded ZPA traffic
 * (test/fixtures/zpa-recorded, from the official Python SDK's cassettes) parses with the client's own
 * schemas — string ids, string-typed numbers, v1-shaped rules, the paging envelope. The simulator side of
 * the contract is test/simulator/zpa/contract*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { policySetSchema } from '../../shared/zpa/policySets.js';
import { operandValues, ruleSchema, toV2Conditions } from '../../shared/zpa/rules.js';
import { segmentGroupSchema } from '../../shared/zpa/segmentGroups.js';
import { segmentSchema } from '../../shared/zpa/segments.js';
import { CASSETTES } from '../simulator/zpa/cassettes.js';
import { loadCassette } from '../simulator/zpa/replay.js';

/** The ZPA list envelope exactly as the client's pager reads it: `totalPages` a string, `list` optional. */
const page = <T extends z.core.$ZodType>(item: T) =>
  z.looseObject({ totalPages: z.string().check(z.regex(/^\d+$/)), list: z.optional(z.array(item)) });

/** Which client schema reads which answer; a POST to a collection answers the one object it created. */
const ROUTES: Array<{ path: RegExp; method: 'GET' | 'POST' | 'ANY'; schema: z.core.$ZodType; name: string }> = [
  { name: 'policy set', method: 'GET', path: /\/policySet\/policyType\/[A-Z_]+$/, schema: policySetSchema },
  { name: 'rule page', method: 'GET', path: /\/policySet\/rules\/policyType\/[A-Z_]+$/, schema: page(ruleSchema) },
  { name: 'rule', method: 'ANY', path: /\/policySet\/\d+\/rule(\/\d+)?$/, schema: ruleSchema },
  { name: 'segment page', method: 'GET', path: /\/application$/, schema: page(segmentSchema) },
  { name: 'segment', method: 'POST', path: /\/application$/, schema: segmentSchema },
  { name: 'segment', method: 'GET', path: /\/application\/\d+$/, schema: segmentSchema },
  { name: 'segment group page', method: 'GET', path: /\/segmentGroup$/, schema: page(segmentGroupSchema) },
  { name: 'segment group', method: 'POST', path: /\/segmentGroup$/, schema: segmentGroupSchema },
  { name: 'segment group', method: 'GET', path: /\/segmentGroup\/\d+$/, schema: segmentGroupSchema },
];

/** Server groups are configured by hand around the segments; the client does not manage them. */
const CLIENT_CASSETTES = CASSETTES.filter((c) => c.file !== 'TestServerGroup.yaml');

describe('the ZPA client parses the recorded responses', () => {
  for (const c of CLIENT_CASSETTES) {
    it(c.file, () => {
      let parsed = 0;
      for (const it of loadCassette(c.file)) {
        if (it.status !== 200 && it.status !== 201) continue;
        const path = new URL(it.uri).pathname;
        const route = ROUTES.find((r) => r.path.test(path) && (r.method === 'ANY' || r.method === it.method));
        if (!route || !it.responseBody) continue;
        const result = z.safeParse(route.schema, JSON.parse(it.responseBody));
        expect(
          result.success,
          `#${it.index} ${it.method} ${path} as ${route.name}: ${JSON.stringify(result.error?.issues)}`,
        ).toBe(true);
        parsed++;
      }
      expect(parsed).toBeGreaterThan(0);
    });
  }

  it('keeps 64-bit ids exact as strings', () => {
    const rule = loadCassette('TestAccessPolicyForwardingRuleV2.yaml').find((i) => i.method === 'POST')!;
    const parsed = ruleSchema.parse(JSON.parse(rule.responseBody));
    expect(parsed.id).toBe('216196257331404616');
    expect(String(Number(parsed.id))).not.toBe(parsed.id); // as a JS number it would have been rounded
    expect(BigInt(parsed.id)).toBe(216196257331404616n);
  });

  it('turns a recorded v1-shaped rule back into the v2 operands it was created with', () => {
    const all = loadCassette('TestAccessPolicyForwardingRuleV2.yaml');
    const created = all.find((i) => i.method === 'POST')!;
    const read = all.find((i) => i.method === 'GET' && /\/rule\/\d+$/.test(i.uri))!;
    const rule = ruleSchema.parse(JSON.parse(read.responseBody));
    const sent = JSON.parse(created.body) as { conditions: unknown[] };
    expect(toV2Conditions(rule.conditions)).toEqual(
      (sent.conditions as Array<{ operator: string; operands: unknown[] }>).map((c) => ({
        operator: c.operator,
        negated: false,
        operands: c.operands,
      })),
    );
    expect(operandValues(rule, 'CLIENT_TYPE')).toEqual(['zpn_client_type_exporter', 'zpn_client_type_zapp']);
  });
});
