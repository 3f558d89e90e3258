import { beforeEach, describe, expect, it } from 'vitest';
import { call, idByName, makeSim, policySetId, ruleList, V1, V2 } from './helpers.js';

const sim = makeSim();
let fwd = '';
beforeEach(async () => {
  sim.reset();
  fwd = await policySetId(sim, 'CLIENT_FORWARDING_POLICY');
});

const orders = (rules: any[]) => rules.map((r) => [r.name, r.ruleOrder, r.priority]);

describe('ZPA policy sets', () => {
  it('resolves names, aliases and numeric codes to the same policy set', async () => {
    for (const [a, b] of [
      ['CLIENT_FORWARDING_POLICY', 'BYPASS_POLICY'],
      ['CLIENT_FORWARDING_POLICY', '4'],
      ['ACCESS_POLICY', 'GLOBAL_POLICY'],
      ['ACCESS_POLICY', '1'],
      ['TIMEOUT_POLICY', 'REAUTH_POLICY'],
      ['TIMEOUT_POLICY', '2'],
      ['ISOLATION_POLICY', '5'],
    ]) {
      expect(await policySetId(sim, a!)).toBe(await policySetId(sim, b!));
    }
    const ps = (await call(sim, 'GET', `${V1}/policySet/policyType/BYPASS_POLICY`)).json;
    expect(ps).toMatchObject({ name: 'Bypass_Policy', policyType: '4', enabled: true, sorted: true });
    expect((await call(sim, 'GET', `${V1}/policySet/policyType/NOPE_POLICY`)).status).toBe(400);
  });

  it('seeds the forwarding policy with one user rule above Default_Rule, and ACCESS_POLICY without a default rule', async () => {
    expect(orders(await ruleList(sim, 'CLIENT_FORWARDING_POLICY'))).toEqual([
      ['Existing intercept rule', '1', '2'],
      ['Default_Rule', '2', '1'],
    ]);
    const def = (await ruleList(sim, 'CLIENT_FORWARDING_POLICY'))[1];
    expect(def).toMatchObject({
      defaultRule: true,
      action: 'INTERCEPT',
      description: 'This is the default Client Forwarding Policy rule',
    });
    expect(await ruleList(sim, 'ACCESS_POLICY')).toEqual([]);
    for (const t of ['TIMEOUT_POLICY', 'ISOLATION_POLICY'])
      expect((await ruleList(sim, t)).at(-1).name).toBe('Default_Rule');
  });
});

describe('ZPA rule create', () => {
  it('inserts new rules after the user rules and before the default rule, priority = N - ruleOrder + 1', async () => {
    const a = await call(sim, 'POST', `${V1}/policySet/${fwd}/rule`, {
      body: { name: 'a', ruleOrder: null, action: 'BYPASS' },
    });
    expect(a.status).toBe(201);
    expect(a.json).toMatchObject({
      ruleOrder: '2',
      priority: '2',
      policyType: '4',
      operator: 'AND',
      disabled: '0',
      defaultRule: false,
      defaultRuleName: 'Default_Rule',
    });
    expect(a.json).not.toHaveProperty('policySetId');
    await call(sim, 'POST', `${V1}/policySet/${fwd}/rule`, { body: { name: 'b' } });
    expect(orders(await ruleList(sim, 'CLIENT_FORWARDING_POLICY'))).toEqual([
      ['Existing intercept rule', '1', '4'],
      ['a', '2', '3'],
      ['b', '3', '2'],
      ['Default_Rule', '4', '1'],
    ]);
  });

  it('appends to ACCESS_POLICY (no default rule), like the recording', async () => {
    const ps = await policySetId(sim, 'ACCESS_POLICY');
    const first = await call(sim, 'POST', `${V1}/policySet/${ps}/rule`, {
      body: { name: 'x', action: 'ALLOW', customMsg: null, appConnectorGroups: [], appServerGroups: [] },
    });
    const second = await call(sim, 'POST', `${V1}/policySet/${ps}/rule`, { body: { name: 'y', action: 'DENY' } });
    expect([first.json.ruleOrder, first.json.priority, second.json.ruleOrder, second.json.priority]).toEqual([
      '1',
      '1',
      '2',
      '1',
    ]);
    expect(first.json).not.toHaveProperty('defaultRuleName');
  });

  it('validates the action per policy type and defaults it', async () => {
    const wrong = await call(sim, 'POST', `${V1}/policySet/${fwd}/rule`, { body: { name: 'x', action: 'ALLOW' } });
    expect(wrong.json).toMatchObject({ id: 'invalid.resource.argument', params: ['ALLOW'] });
    for (const action of ['INTERCEPT', 'INTERCEPT_ACCESSIBLE', 'BYPASS']) {
      expect((await call(sim, 'POST', `${V1}/policySet/${fwd}/rule`, { body: { name: action, action } })).status).toBe(
        201,
      );
    }
    expect((await call(sim, 'POST', `${V1}/policySet/${fwd}/rule`, { body: { name: 'dflt' } })).json.action).toBe(
      'INTERCEPT',
    );
  });

  it('rejects an APP operand whose segment does not exist', async () => {
    const r = await call(sim, 'POST', `${V2}/policySet/${fwd}/rule`, {
      body: {
        name: 'x',
        action: 'BYPASS',
        conditions: [{ operands: [{ objectType: 'APP', values: ['216196257331999999'] }] }],
      },
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      id: 'invalid.resource.argument',
      reason: 'One or more input fields APP are not valid.',
      params: ['216196257331999999'],
    });
  });

  it('stores v2 operands and answers GET v1-shaped: one operand per value, rhs as string', async () => {
    const [jira, gitlab] = [await idByName(sim, 'application', 'jira'), await idByName(sim, 'application', 'gitlab')];
    const created = await call(sim, 'POST', `${V2}/policySet/${fwd}/rule`, {
      body: {
        name: 'bypass dev tools',
        action: 'BYPASS',
        conditions: [
          { operator: 'OR', operands: [{ objectType: 'APP', values: [jira, gitlab] }] },
          {
            operator: 'OR',
            operands: [{ objectType: 'SCIM_GROUP', entryValues: [{ lhs: '216196257331285825', rhs: 3251059 }] }],
          },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      privilegedCapabilities: {},
      privilegedPortalCapabilities: {},
      extranetEnabled: false,
    });
    const got = (await call(sim, 'GET', `${V1}/policySet/${fwd}/rule/${created.json.id}`)).json;
    expect(got.policySetId).toBe(fwd);
    expect(got.conditions[0].operands.map((o: any) => [o.objectType, o.lhs, o.rhs, o.name])).toEqual([
      ['APP', 'id', jira, 'jira'],
      ['APP', 'id', gitlab, 'gitlab'],
    ]);
    expect(got.conditions[1].operands[0]).toMatchObject({
      objectType: 'SCIM_GROUP',
      lhs: '216196257331285825',
      rhs: '3251059',
      conditionId: got.conditions[1].id,
    });
    expect(got.conditions[0].ruleGid).toBe(created.json.id);
  });
});

describe('ZPA rule update and delete', () => {
  const v1Body = (description?: string) => ({
    name: 'r',
    description,
    action: 'INTERCEPT',
    conditions: [{ operator: 'OR', operands: [{ objectType: 'CLIENT_TYPE', lhs: 'id', rhs: 'zpn_client_type_zapp' }] }],
  });

  it('PUT v1 and v2 answer 204, replace conditions with new ids and clear omitted fields', async () => {
    const { json } = await call(sim, 'POST', `${V1}/policySet/${fwd}/rule`, { body: v1Body('first') });
    const before = (await call(sim, 'GET', `${V1}/policySet/${fwd}/rule/${json.id}`)).json;
    const put1 = await call(sim, 'PUT', `${V1}/policySet/${fwd}/rule/${json.id}`, { body: v1Body() });
    expect(put1.status).toBe(204);
    const mid = (await call(sim, 'GET', `${V1}/policySet/${fwd}/rule/${json.id}`)).json;
    expect(mid).not.toHaveProperty('description');
    expect(mid.conditions[0].id).not.toBe(before.conditions[0].id);
    expect(mid.conditions[0].operands[0].id).not.toBe(before.conditions[0].operands[0].id);
    const put2 = await call(sim, 'PUT', `${V2}/policySet/${fwd}/rule/${json.id}`, {
      body: {
        name: 'r',
        action: 'BYPASS',
        conditions: [
          { operands: [{ objectType: 'CLIENT_TYPE', values: ['zpn_client_type_exporter', 'zpn_client_type_zapp'] }] },
        ],
      },
    });
    expect(put2.status).toBe(204);
    const after = (await call(sim, 'GET', `${V1}/policySet/${fwd}/rule/${json.id}`)).json;
    expect(after.action).toBe('BYPASS');
    expect(after.conditions[0].operands.map((o: any) => o.rhs)).toEqual([
      'zpn_client_type_exporter',
      'zpn_client_type_zapp',
    ]);
    expect(after.ruleOrder).toBe('2');
  });

  it('DELETE answers 204 and the rules below move up; the default rule cannot be deleted', async () => {
    const { json } = await call(sim, 'POST', `${V1}/policySet/${fwd}/rule`, { body: { name: 'gone' } });
    const del = await call(sim, 'DELETE', `${V1}/policySet/${fwd}/rule/${json.id}`);
    expect(del.status).toBe(204);
    expect(orders(await ruleList(sim, 'CLIENT_FORWARDING_POLICY')).map((o) => o[0])).toEqual([
      'Existing intercept rule',
      'Default_Rule',
    ]);
    const def = (await ruleList(sim, 'CLIENT_FORWARDING_POLICY'))[1];
    expect((await call(sim, 'DELETE', `${V1}/policySet/${fwd}/rule/${def.id}`)).status).toBe(400);
  });

  it('does not find a rule through another policy set', async () => {
    const existing = (await ruleList(sim, 'CLIENT_FORWARDING_POLICY'))[0];
    const access = await policySetId(sim, 'ACCESS_POLICY');
    const r = await call(sim, 'GET', `${V1}/policySet/${access}/rule/${existing.id}`);
    expect(r.json).toMatchObject({ id: 'resource.not.found', params: [existing.id] });
  });
});
