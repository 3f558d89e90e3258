import { beforeEach, describe, expect, it } from 'vitest';
import { call, makeSim, policySetId, ruleList, V1 } from './helpers.js';

const sim = makeSim();
let fwd = '';
let access = '';
beforeEach(async () => {
  sim.reset();
  fwd = await policySetId(sim, 'CLIENT_FORWARDING_POLICY');
  access = await policySetId(sim, 'ACCESS_POLICY');
});

async function createRules(ps: string, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names)
    ids.push((await call(sim, 'POST', `${V1}/policySet/${ps}/rule`, { body: { name } })).json.id);
  return ids;
}
const view = async (type: string) => (await ruleList(sim, type)).map((r) => `${r.name}:${r.ruleOrder}:${r.priority}`);

describe('ZPA single-rule reorder', () => {
  it('moves the rule and shifts the others (204, no body)', async () => {
    const [, , , d] = await createRules(access, ['a', 'b', 'c', 'd']);
    const r = await call(sim, 'PUT', `${V1}/policySet/${access}/rule/${d}/reorder/1`);
    expect(r.status).toBe(204);
    expect(r.body).toBeUndefined();
    expect(await view('ACCESS_POLICY')).toEqual(['d:1:4', 'a:2:3', 'b:3:2', 'c:4:1']);
    const [first] = await ruleList(sim, 'ACCESS_POLICY');
    await call(sim, 'PUT', `${V1}/policySet/${access}/rule/${first.id}/reorder/3`);
    expect(await view('ACCESS_POLICY')).toEqual(['a:1:4', 'b:2:3', 'd:3:2', 'c:4:1']);
  });

  it('moves a forwarding rule above the existing one but never into the default rule slot', async () => {
    const [mine] = await createRules(fwd, ['maintenance bypass']);
    expect((await call(sim, 'PUT', `${V1}/policySet/${fwd}/rule/${mine}/reorder/1`)).status).toBe(204);
    expect(await view('CLIENT_FORWARDING_POLICY')).toEqual([
      'maintenance bypass:1:3',
      'Existing intercept rule:2:2',
      'Default_Rule:3:1',
    ]);
    const intoDefault = await call(sim, 'PUT', `${V1}/policySet/${fwd}/rule/${mine}/reorder/3`);
    expect(intoDefault.json).toMatchObject({ id: 'invalid.resource.argument', params: ['3'] });
    for (const order of ['0', 'x'])
      expect((await call(sim, 'PUT', `${V1}/policySet/${fwd}/rule/${mine}/reorder/${order}`)).status).toBe(400);
  });

  it('refuses to move the default rule', async () => {
    const def = (await ruleList(sim, 'CLIENT_FORWARDING_POLICY')).at(-1);
    const r = await call(sim, 'PUT', `${V1}/policySet/${fwd}/rule/${def.id}/reorder/1`);
    expect(r.json).toEqual({
      id: 'default.rule.reorder.notallowed',
      reason: `Reordering not allowed for default rule ${def.id}`,
      params: [def.id],
    });
  });
});

describe('ZPA bulk reorder', () => {
  it('applies a full permutation with the default rule last (204)', async () => {
    const [a, b] = await createRules(fwd, ['a', 'b']);
    const [existing, , , def] = (await ruleList(sim, 'CLIENT_FORWARDING_POLICY')).map((r) => r.id);
    const r = await call(sim, 'PUT', `${V1}/policySet/${fwd}/reorder`, { body: [b, a, existing, def] });
    expect(r.status).toBe(204);
    expect(await view('CLIENT_FORWARDING_POLICY')).toEqual([
      'b:1:4',
      'a:2:3',
      'Existing intercept rule:3:2',
      'Default_Rule:4:1',
    ]);
  });

  it('accepts the documented bare-integer body without losing 64-bit precision', async () => {
    const ids = await createRules(access, ['a', 'b', 'c']);
    const r = await call(sim, 'PUT', `${V1}/policySet/${access}/reorder`, {
      raw: `[${[...ids].reverse().join(', ')}]`,
    });
    expect(r.status).toBe(204);
    expect((await ruleList(sim, 'ACCESS_POLICY')).map((x) => x.id)).toEqual([...ids].reverse());
  });

  it('rejects the default rule anywhere but last', async () => {
    const [existing, def] = (await ruleList(sim, 'CLIENT_FORWARDING_POLICY')).map((r) => r.id);
    const r = await call(sim, 'PUT', `${V1}/policySet/${fwd}/reorder`, { body: [def, existing] });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      id: 'default.rule.reorder.notallowed',
      reason: `Reordering not allowed for default rule ${def}`,
    });
  });

  it('rejects a wrong number of ids with "resource input length is not valid"', async () => {
    const [existing] = (await ruleList(sim, 'CLIENT_FORWARDING_POLICY')).map((r) => r.id);
    const r = await call(sim, 'PUT', `${V1}/policySet/${fwd}/reorder`, { body: [existing] });
    expect(r.status).toBe(400);
    expect(r.json.reason).toBe('resource input length is not valid');
  });

  it('rejects missing ids with missing.rule', async () => {
    const [a, b, c] = await createRules(access, ['a', 'b', 'c']);
    const r = await call(sim, 'PUT', `${V1}/policySet/${access}/reorder`, { body: [a, a, c] });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      id: 'missing.rule',
      reason: `Missing ruleIds: ${b} from policySet ${access}`,
      params: [b],
    });
  });

  it('rejects an id from another policy set', async () => {
    const [a] = await createRules(access, ['a']);
    const [existing] = (await ruleList(sim, 'CLIENT_FORWARDING_POLICY')).map((r) => r.id);
    const r = await call(sim, 'PUT', `${V1}/policySet/${access}/reorder`, { body: [existing] });
    expect(r.status).toBe(400);
    expect(r.json.reason).toBe(`The ruleId: ${existing} does not belong to the policySetId: ${access}`);
    expect((await ruleList(sim, 'ACCESS_POLICY')).map((x) => x.id)).toEqual([a]);
  });

  it('rejects a body that is not an array of ids with read.message.failed', async () => {
    const r = await call(sim, 'PUT', `${V1}/policySet/${access}/reorder`, { body: { ids: [] } });
    expect(r.json.id).toBe('read.message.failed');
  });
});
