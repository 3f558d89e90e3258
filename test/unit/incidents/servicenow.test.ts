import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { parseIncidentEvent } from '../../../shared/incidents/event.js';
import { commandIdFor } from '../../../shared/incidents/ingest.js';
import {
  authenticateServiceNow,
  normaliseServiceNow,
  signServiceNowPayload,
} from '../../../shared/incidents/servicenow.js';
import { everyOneCharChange } from '../webhooks/mutations.js';
import { expectUnauthorized, readFixture, thrown } from './helpers.js';

const insert = readFixture('servicenow-insert.json');
const resolved = readFixture('servicenow-resolved.json');
const SECRET = 'servicenow-test-secret-01';
const NEXT = 'servicenow-test-secret-02';
const NOW = 1_764_777_546;
const hmacOnly = { hmacSecrets: [SECRET] };
const basic = { basicAuth: [{ username: 'snow', password: 'servicenow-basic-password' }] };

const signed = (body: string, ts: number | string = NOW, secret = SECRET) => ({
  rawBody: body,
  headers: { 'x-servicenow-signature': signServiceNowPayload(body, secret, ts), 'x-servicenow-timestamp': String(ts) },
  query: {},
});
const withBasic = (user: string, password: string) => ({
  rawBody: insert,
  headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
  query: {},
});

describe('ServiceNow: mapping', () => {
  it('maps an insert to opened: sys_id, number in the title, caller email, service, priority, time, link', () => {
    const event = normaliseServiceNow(insert);
    expect(event).toEqual({
      source: 'servicenow',
      eventId: '9d385017c611228701d22104cc95c371:0',
      incidentId: '9d385017c611228701d22104cc95c371',
      action: 'opened',
      eventType: 'insert:state=1',
      userEmails: ['alice@corp.example'],
      title: 'INC0012345: Payroll Portal slow or unreachable over the VPN',
      service: 'Payroll Portal',
      priority: '2',
      link: 'https://corp-example.service-now.com/nav_to.do?uri=incident.do%3Fsys_id%3D9d385017c611228701d22104cc95c371',
      occurredAt: '2025-12-03T15:40:12.000Z',
    });
    expect(parseIncidentEvent(event)).toEqual(event);
  });

  it.each([
    ['6', 'resolved'],
    ['7', 'resolved'],
    ['8', 'resolved'],
    ['1', 'opened'],
    ['2', 'opened'],
    ['3', 'ignored'],
  ])('state %s is %s', (state, action) => {
    const body = JSON.stringify({ ...JSON.parse(resolved), state });
    expect(normaliseServiceNow(body).action).toBe(action);
  });

  it('gives each update its own id (sys_mod_count), so an open and its resolve differ and a retry does not', () => {
    const open = normaliseServiceNow(insert);
    const done = normaliseServiceNow(resolved);
    expect(commandIdFor('servicenow', open.eventId)).not.toBe(commandIdFor('servicenow', done.eventId));
    expect(normaliseServiceNow(resolved).eventId).toBe(done.eventId);
    expect(normaliseServiceNow(readFixture('servicenow-on-hold.json')).action).toBe('ignored');
  });

  it('finds no user without caller_email, and refuses a body without a 32-character sys_id', () => {
    const { caller_email: _, ...rest } = JSON.parse(insert) as Record<string, unknown>;
    expect(normaliseServiceNow(JSON.stringify(rest)).userEmails).toEqual([]);
    expect(thrown(() => normaliseServiceNow(JSON.stringify({ ...rest, sys_id: 'INC1' })))).toBeInstanceOf(
      ValidationError,
    );
  });

  it('keeps only an https instance URL for the link', () => {
    const body = JSON.stringify({ ...JSON.parse(insert), instance_url: 'javascript:alert(1)' });
    expect(normaliseServiceNow(body).link).toBeUndefined();
  });
});

describe('ServiceNow: authentication', () => {
  it('matches an independently computed GlideCertificateEncryption.generateMac value', () => {
    // openssl: printf '%s' '1764777546.{"sys_id":"x"}' | openssl dgst -sha256 -hmac servicenow-test-secret-01 -binary | base64
    expect(signServiceNowPayload('{"sys_id":"x"}', SECRET, 1764777546)).toBe(
      'nvgixyn2hdpJYxqlBiTLZ6jPWsrX8gDuRBUTlYhWe7U=',
    );
  });

  it('accepts a fresh HMAC, and either secret during a rotation', () => {
    expect(() => authenticateServiceNow(signed(insert), hmacOnly, NOW)).not.toThrow();
    expect(() => authenticateServiceNow(signed(insert, NOW, NEXT), { hmacSecrets: [SECRET, NEXT] }, NOW)).not.toThrow();
  });

  it('refuses every one-character change of the body and of the signature, and a stale timestamp', () => {
    const good = signed(insert);
    for (const rawBody of everyOneCharChange(insert))
      expectUnauthorized(() => authenticateServiceNow({ ...good, rawBody }, hmacOnly, NOW));
    for (const sig of everyOneCharChange(good.headers['x-servicenow-signature']))
      expectUnauthorized(() =>
        authenticateServiceNow({ ...good, headers: { ...good.headers, 'x-servicenow-signature': sig } }, hmacOnly, NOW),
      );
    expectUnauthorized(() => authenticateServiceNow(signed(insert, NOW - 301), hmacOnly, NOW));
    expectUnauthorized(() => authenticateServiceNow(signed(insert), { hmacSecrets: [NEXT] }, NOW));
  });

  it('takes only the canonical spellings: one space after Basic, base64 with zero unused bits (found by the fuzz suite)', () => {
    const token = Buffer.from('snow:servicenow-basic-password').toString('base64');
    const req = (authorization: string) => ({ rawBody: insert, headers: { authorization }, query: {} });
    expect(() => authenticateServiceNow(req(`Basic ${token}`), basic, NOW)).not.toThrow();
    for (const sep of ['\r', '\t', '  ', '\n'])
      expectUnauthorized(() => authenticateServiceNow(req(`Basic${sep}${token}`), basic, NOW));
    // The same bytes spelled differently: the character before the padding with one of its unused bits set
    // ('snow:pw1' is 8 bytes: its base64 ends in one padding character, the one before it has two unused bits).
    const short = { basicAuth: [{ username: 'snow', password: 'pw1' }] };
    const shortToken = Buffer.from('snow:pw1').toString('base64');
    expect(() => authenticateServiceNow(req(`Basic ${shortToken}`), short, NOW)).not.toThrow();
    const i = shortToken.indexOf('=') - 1;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const other = `${shortToken.slice(0, i)}${alphabet[alphabet.indexOf(shortToken[i]!) ^ 1]}${shortToken.slice(i + 1)}`;
    expect(Buffer.from(other, 'base64').equals(Buffer.from(shortToken, 'base64'))).toBe(true);
    expectUnauthorized(() => authenticateServiceNow(req(`Basic ${other}`), short, NOW));
    const sig = signServiceNowPayload(insert, SECRET, NOW);
    const alt = `${sig.slice(0, 42)}${alphabet[alphabet.indexOf(sig[42]!) ^ 1]}=`;
    expect(Buffer.from(alt, 'base64').equals(Buffer.from(sig, 'base64'))).toBe(true);
    expectUnauthorized(() =>
      authenticateServiceNow(
        {
          rawBody: insert,
          headers: { 'x-servicenow-signature': alt, 'x-servicenow-timestamp': String(NOW) },
          query: {},
        },
        hmacOnly,
        NOW,
      ),
    );
  });

  it('accepts basic auth when configured, refuses a wrong password, and refuses what the section does not enable', () => {
    expect(() => authenticateServiceNow(withBasic('snow', 'servicenow-basic-password'), basic, NOW)).not.toThrow();
    expectUnauthorized(() => authenticateServiceNow(withBasic('snow', 'servicenow-basic-passwore'), basic, NOW));
    expectUnauthorized(() => authenticateServiceNow(withBasic('snow', 'servicenow-basic-password'), hmacOnly, NOW));
    expectUnauthorized(() => authenticateServiceNow(signed(insert), basic, NOW));
    expectUnauthorized(() => authenticateServiceNow({ rawBody: insert, headers: {}, query: {} }, basic, NOW));
  });

  it('property: sign → verify accepts; a changed body or another secret is refused', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ minLength: 16, maxLength: 40 }), (body, secret) => {
        const r = signed(body, NOW, secret);
        authenticateServiceNow(r, { hmacSecrets: [secret] }, NOW);
        expectUnauthorized(() => authenticateServiceNow({ ...r, rawBody: `${body} ` }, { hmacSecrets: [secret] }, NOW));
        expectUnauthorized(() => authenticateServiceNow(r, { hmacSecrets: [`${secret}!`] }, NOW));
      }),
    );
  });
});
