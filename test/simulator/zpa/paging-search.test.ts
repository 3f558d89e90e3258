import { describe, expect, it } from 'vitest';
import { parseSearch } from '../../../simulator/zpa/query.js';
import { ZpaError } from '../../../simulator/zpa/errors.js';
import { call, makeSim, V1 } from './helpers.js';

describe('ZPA paging', () => {
  const sim = makeSim();

  it('defaults to pagesize 20 and answers string-typed totals', async () => {
    const r = await call(sim, 'GET', `${V1}/application`);
    expect(r.status).toBe(200);
    expect(r.json.totalPages).toBe('3');
    expect(r.json.totalCount).toBe('60');
    expect(r.json.list).toHaveLength(20);
    expect(r.json).not.toHaveProperty('nextPage');
  });

  it('pages with page (1-based) and lowercase pagesize', async () => {
    const p1 = await call(sim, 'GET', `${V1}/application`, { query: { page: '1', pagesize: '25' } });
    const p3 = await call(sim, 'GET', `${V1}/application`, { query: { page: '3', pagesize: '25' } });
    expect(p1.json.totalPages).toBe('3');
    expect(p3.json.list).toHaveLength(10);
    expect(p3.json.list[0].id).not.toBe(p1.json.list[0].id);
  });

  it('clamps pagesize to the documented maximum of 500', async () => {
    const r = await call(sim, 'GET', `${V1}/application`, { query: { pagesize: '1000' } });
    expect(r.json.list).toHaveLength(60);
    expect(r.json.totalPages).toBe('1');
  });

  it('omits the empty list past the last page and rejects a non-numeric page', async () => {
    const r = await call(sim, 'GET', `${V1}/application`, { query: { page: '9' } });
    expect(r.json).toEqual({ totalPages: '3', totalCount: '60' });
    const bad = await call(sim, 'GET', `${V1}/application`, { query: { page: 'two' } });
    expect(bad.status).toBe(400);
    expect(bad.json.id).toBe('invalid.resource.argument');
  });

  it('answers 18-digit string ids', async () => {
    const r = await call(sim, 'GET', `${V1}/segmentGroup`);
    for (const g of r.json.list) expect(g.id).toMatch(/^\d{18}$/);
  });
});

describe('ZPA search syntax', () => {
  const sim = makeSim();
  const names = async (collection: string, query: Record<string, string> | string) =>
    ((await call(sim, 'GET', `${V1}/${collection}`, { query })).json.list ?? []).map((x: { name: string }) => x.name);

  it('accepts literal + separators, as the SDKs send name%2BEQ%2B<value>', async () => {
    expect(await names('application', 'search=name%2BEQ%2Bpayroll-app')).toEqual(['payroll-app']);
  });

  it('accepts space separators (%20, or + decoded to a space)', async () => {
    expect(await names('application', 'search=name%20EQ%20jira')).toEqual(['jira']);
    expect(await names('application', 'search=name+EQ+gitlab')).toEqual(['gitlab']);
  });

  it('keeps spaces inside the value', async () => {
    expect(await names('segmentGroup', 'search=name%2BEQ%2BFinance+Apps')).toEqual(['Finance Apps']);
    expect(await names('segmentGroup', { search: 'name EQ Subsidiary EU Apps' })).toEqual(['Subsidiary EU Apps']);
  });

  it('supports NE, CONTAINS, STARTSWITH and ENDSWITH', async () => {
    expect(await names('application', { search: 'name STARTSWITH app-05', pagesize: '100' })).toEqual([
      'app-050',
      'app-051',
      'app-052',
      'app-053',
      'app-054',
      'app-055',
    ]);
    expect(await names('application', { search: 'name ENDSWITH -portal' })).toEqual(['hr-portal']);
    expect(await names('application', { search: 'name CONTAINS finance' })).toEqual(['erp-finance']);
    expect(await names('segmentGroup', { search: 'name NE Corporate' })).not.toContain('Corporate');
    expect(await names('application', { search: 'domainNames EQ jira.eng.example.com' })).toEqual(['jira']);
  });

  it('rejects a bare multi-word search with filtering.input.invalid.operand', async () => {
    const r = await call(sim, 'GET', `${V1}/application`, { query: { search: 'payroll app' } });
    expect(r.status).toBe(400);
    expect(r.json.id).toBe('filtering.input.invalid.operand');
  });

  it('treats a single bare word as the legacy name search', async () => {
    expect(await names('application', { search: 'gitlab' })).toEqual(['gitlab']);
  });

  it('filters rules by action', async () => {
    const r = await call(sim, 'GET', `${V1}/policySet/rules/policyType/CLIENT_FORWARDING_POLICY`, {
      query: { search: 'action EQ INTERCEPT' },
    });
    expect(r.json.totalCount).toBe('2');
  });

  it('parses the documented forms', () => {
    expect(parseSearch('name+EQ+Service Edge')).toEqual({ field: 'name', op: 'EQ', value: 'Service Edge' });
    expect(parseSearch('action EQ INTERCEPT')).toEqual({ field: 'action', op: 'EQ', value: 'INTERCEPT' });
    expect(parseSearch('name CONTAINS a+b')).toEqual({ field: 'name', op: 'CONTAINS', value: 'a+b' });
    expect(parseSearch(null)).toBeUndefined();
    expect(() => parseSearch('name FOO bar')).toThrow(ZpaError);
  });
});

describe('ZPA microtenantId filter', () => {
  const sim = makeSim();

  it('returns every microtenant when absent, the Default one for 0, else that one', async () => {
    const subsidiary = (sim.state() as { segmentGroups: { name: string; microtenantId: string }[] }).segmentGroups.find(
      (g) => g.name === 'Subsidiary EU Apps',
    )!.microtenantId;
    const count = async (q: Record<string, string>) =>
      (await call(sim, 'GET', `${V1}/application`, { query: q })).json.totalCount;
    expect(await count({})).toBe('60');
    expect(await count({ microtenantId: '0' })).toBe('58');
    expect(await count({ microtenantId: subsidiary })).toBe('2');
    const one = (await call(sim, 'GET', `${V1}/application`, { query: { microtenantId: subsidiary } })).json.list[0];
    expect(one).toMatchObject({ microtenantId: subsidiary, microtenantName: 'Subsidiary-EU' });
  });

  it('shows Default objects with microtenantName only', async () => {
    const app = (await call(sim, 'GET', `${V1}/application`, { query: { search: 'name EQ jira' } })).json.list[0];
    expect(app.microtenantName).toBe('Default');
    expect(app).not.toHaveProperty('microtenantId');
  });
});
