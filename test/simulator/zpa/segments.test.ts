import { beforeEach, describe, expect, it } from 'vitest';
import { call, CUSTOMER_ID, idByName, makeSim, policySetId, V1 } from './helpers.js';

const sim = makeSim();
let groupId = '';
let serverGroupId = '';
beforeEach(async () => {
  sim.reset();
  groupId = await idByName(sim, 'segmentGroup', 'Engineering');
  serverGroupId = await idByName(sim, 'serverGroup', 'DC1 Servers');
});

const minimal = () => ({
  name: 'wiki',
  domainNames: ['wiki.eng.example.com'],
  segmentGroupId: groupId,
  serverGroups: [{ id: serverGroupId }],
  tcpPortRanges: ['443', '443'],
});

describe('ZPA application segments', () => {
  it('creates with 201 + body, defaults bypassType NEVER, and GET shows both port forms', async () => {
    const created = await call(sim, 'POST', `${V1}/application`, { body: minimal() });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'wiki',
      bypassType: 'NEVER',
      enabled: false,
      isCnameEnabled: true,
      tcpPortRanges: ['443', '443'],
    });
    expect(created.json.id).toMatch(/^\d{18}$/);
    const got = await call(sim, 'GET', `${V1}/application/${created.json.id}`);
    expect(got.json.tcpPortRanges).toEqual(['443', '443']);
    expect(got.json.tcpPortRange).toEqual([{ from: '443', to: '443' }]);
    expect(got.json).toMatchObject({
      segmentGroupId: groupId,
      segmentGroupName: 'Engineering',
      creationTime: expect.stringMatching(/^\d+$/),
    });
    expect(got.json.serverGroups[0]).toMatchObject({
      id: serverGroupId,
      name: 'DC1 Servers',
      weight: '0',
      passive: false,
    });
    expect(got.json).not.toHaveProperty('udpPortRanges');
  });

  it('normalises the new {from,to} form into the legacy string pairs too', async () => {
    const body = { ...minimal(), tcpPortRanges: undefined, tcpPortRange: [{ from: '8080', to: '8090' }] };
    const created = await call(sim, 'POST', `${V1}/application`, { body });
    const got = await call(sim, 'GET', `${V1}/application/${created.json.id}`);
    expect(got.json.tcpPortRanges).toEqual(['8080', '8090']);
    expect(got.json.tcpPortRange).toEqual([{ from: '8080', to: '8090' }]);
  });

  it('PUT is a full replacement: omitted fields are cleared or back to defaults', async () => {
    const full = {
      ...minimal(),
      description: 'team wiki',
      enabled: true,
      bypassType: 'ALWAYS',
      isCnameEnabled: false,
      healthReporting: 'NONE',
      udpPortRanges: ['53', '53'],
    };
    const { json } = await call(sim, 'POST', `${V1}/application`, { body: full });
    const put = await call(sim, 'PUT', `${V1}/application/${json.id}`, { body: minimal() });
    expect(put.status).toBe(204);
    expect(put.body).toBeUndefined();
    const got = (await call(sim, 'GET', `${V1}/application/${json.id}`)).json;
    expect(got).not.toHaveProperty('description');
    expect(got).not.toHaveProperty('udpPortRanges');
    expect(got).toMatchObject({
      enabled: false,
      bypassType: 'NEVER',
      isCnameEnabled: true,
      healthReporting: 'ON_ACCESS',
    });
  });

  it('sets bypassType ALWAYS / ON_NET and rejects other values as read.message.failed', async () => {
    const { json } = await call(sim, 'POST', `${V1}/application`, { body: { ...minimal(), bypassType: 'ON_NET' } });
    expect((await call(sim, 'GET', `${V1}/application/${json.id}`)).json.bypassType).toBe('ON_NET');
    const bad = await call(sim, 'POST', `${V1}/application`, {
      body: { ...minimal(), name: 'x', bypassType: 'SOMETIMES' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.id).toBe('read.message.failed');
  });

  it('rejects tcpPortRanges given as objects with read.message.failed (zscaler_api_talkers #35)', async () => {
    const r = await call(sim, 'POST', `${V1}/application`, {
      body: { ...minimal(), tcpPortRanges: [{ from: '443', to: '443' }] },
    });
    expect(r.json).toEqual({
      id: 'read.message.failed',
      reason: 'Failed to read http message, Please check the input/format of the message',
    });
  });

  it('validates required fields and documented constraints', async () => {
    const noGroup = await call(sim, 'POST', `${V1}/application`, {
      body: { ...minimal(), segmentGroupId: '216196257331999999' },
    });
    expect(noGroup.json).toMatchObject({ id: 'invalid.resource.argument', params: ['segmentGroupId'] });
    const wildcard = await call(sim, 'POST', `${V1}/application`, {
      body: { ...minimal(), domainNames: ['*.eng.example.com'] },
    });
    expect(wildcard.status).toBe(400);
    const inclusive = await call(sim, 'POST', `${V1}/application`, {
      body: { ...minimal(), domainNames: ['*.eng.example.com'], matchStyle: 'INCLUSIVE' },
    });
    expect(inclusive.status).toBe(201);
  });

  it('answers an unknown id with the documented 400 resource.not.found', async () => {
    const r = await call(sim, 'GET', `${V1}/application/123`);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      id: 'resource.not.found',
      reason: 'No resource exists with the given id/name :123',
      params: ['123'],
    });
  });

  it('answers another customer id with 400 resource.not.found', async () => {
    const r = await call(sim, 'GET', `${V1.replace(CUSTOMER_ID, '216196257331200000')}/application`);
    expect(r.status).toBe(400);
    expect(r.json.params).toEqual(['216196257331200000']);
  });

  it('needs forceDelete=true to delete a segment a rule references, and then strips the operand', async () => {
    const appId = await idByName(sim, 'application', 'jira');
    const ps = await policySetId(sim, 'CLIENT_FORWARDING_POLICY');
    const rule = await call(sim, 'POST', `${V1}/policySet/${ps}/rule`, {
      body: {
        name: 'bypass jira',
        action: 'BYPASS',
        conditions: [{ operands: [{ objectType: 'APP', lhs: 'id', rhs: appId }] }],
      },
    });
    const refused = await call(sim, 'DELETE', `${V1}/application/${appId}`);
    expect(refused.status).toBe(400);
    expect((await call(sim, 'DELETE', `${V1}/application/${appId}`, { query: { forceDelete: 'true' } })).status).toBe(
      204,
    );
    const after = await call(sim, 'GET', `${V1}/policySet/${ps}/rule/${rule.json.id}`);
    expect(after.json).not.toHaveProperty('conditions');
  });

  it('creates in a microtenant named by the query parameter', async () => {
    const state = sim.state() as { segmentGroups: { name: string; id: string; microtenantId: string }[] };
    const sub = state.segmentGroups.find((g) => g.name === 'Subsidiary EU Apps')!;
    const r = await call(sim, 'POST', `${V1}/application`, {
      body: { ...minimal(), segmentGroupId: sub.id },
      query: { microtenantId: sub.microtenantId },
    });
    expect((await call(sim, 'GET', `${V1}/application/${r.json.id}`)).json).toMatchObject({
      microtenantId: sub.microtenantId,
      microtenantName: 'Subsidiary-EU',
    });
    expect((await call(sim, 'GET', `${V1}/application/${r.json.id}`, { query: { microtenantId: '0' } })).status).toBe(
      400,
    );
  });
});

describe('ZPA segment groups', () => {
  it('lists member applications expanded', async () => {
    const r = await call(sim, 'GET', `${V1}/segmentGroup`, { query: { search: 'name EQ Finance Apps' } });
    const names = r.json.list[0].applications.map((a: { name: string }) => a.name);
    expect(names).toEqual(expect.arrayContaining(['payroll-app', 'erp-finance']));
    expect(r.json.list[0].applications[0]).toHaveProperty('domainName');
  });

  it('PUT clears description but keeps an omitted enabled, as recorded', async () => {
    const { json } = await call(sim, 'POST', `${V1}/segmentGroup`, {
      body: { name: 'tmp', description: 'd', enabled: true },
    });
    expect(json).toMatchObject({ configSpace: 'DEFAULT', tcpKeepAliveEnabled: '0' });
    expect((await call(sim, 'PUT', `${V1}/segmentGroup/${json.id}`, { body: { name: 'tmp2' } })).status).toBe(204);
    const got = (await call(sim, 'GET', `${V1}/segmentGroup/${json.id}`)).json;
    expect(got).toMatchObject({ name: 'tmp2', enabled: true, microtenantName: 'Default' });
    expect(got).not.toHaveProperty('description');
  });

  it('refuses to delete a group that still holds segments', async () => {
    expect((await call(sim, 'DELETE', `${V1}/segmentGroup/${groupId}`)).status).toBe(400);
  });
});

describe('ZPA segment group references', () => {
  it('refuses to delete an empty group that an APP_GROUP operand still names', async () => {
    const { json } = await call(sim, 'POST', `${V1}/segmentGroup`, { body: { name: 'empty', enabled: true } });
    const ps = await policySetId(sim, 'CLIENT_FORWARDING_POLICY');
    await call(sim, 'POST', `${V1}/policySet/${ps}/rule`, {
      body: { name: 'r', conditions: [{ operands: [{ objectType: 'APP_GROUP', lhs: 'id', rhs: json.id }] }] },
    });
    expect((await call(sim, 'DELETE', `${V1}/segmentGroup/${json.id}`)).status).toBe(400);
  });
});
