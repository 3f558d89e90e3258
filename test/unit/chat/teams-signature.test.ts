import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.js';
import { decodeBody } from '../../../shared/webhooks/hmac.js';
import { verifyTeamsSignature } from '../../../shared/chat/teams/signature.js';
import { expectUnauthorized } from '../incidents/helpers.js';

// A security token as Teams displays it: base64 of random key bytes (fixed here for reproducibility).
const TOKEN = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');
const BODY = JSON.stringify({
  type: 'message',
  id: '1741080000123',
  timestamp: '2025-03-04T09:20:00.123Z',
  text: '<at>ZTrace</at> trace alice@corp.example — Payroll Portal',
  from: { id: '29:1abc', name: 'Alice Example', aadObjectId: '6f1c2d3e-0000-4000-8000-123456789abc' },
});

// Computed independently: HMAC-SHA256 keyed with the DECODED token, over the UTF-8 body, base64 output.
const sign = (body: string, tokenBase64 = TOKEN) =>
  createHmac('sha256', Buffer.from(tokenBase64, 'base64')).update(body, 'utf8').digest('base64');

describe('verifyTeamsSignature', () => {
  it('accepts a valid HMAC authorization header', () => {
    expect(() => verifyTeamsSignature(BODY, `HMAC ${sign(BODY)}`, TOKEN)).not.toThrow();
  });

  it('treats the scheme name case-insensitively', () => {
    expect(() => verifyTeamsSignature(BODY, `hmac ${sign(BODY)}`, TOKEN)).not.toThrow();
  });

  it('accepts a base64-encoded API Gateway body after decoding', () => {
    const raw = decodeBody(Buffer.from(BODY, 'utf8').toString('base64'), true);
    expect(() => verifyTeamsSignature(raw, `HMAC ${sign(BODY)}`, TOKEN)).not.toThrow();
  });

  it('rejects a signature keyed with the token text instead of its decoded bytes', () => {
    const wrongKey = createHmac('sha256', TOKEN).update(BODY, 'utf8').digest('base64');
    expectUnauthorized(() => verifyTeamsSignature(BODY, `HMAC ${wrongKey}`, TOKEN));
  });

  it('rejects a tampered body and another token', () => {
    expectUnauthorized(() => verifyTeamsSignature(BODY.replace('alice', 'mallory'), `HMAC ${sign(BODY)}`, TOKEN));
    const other = Buffer.alloc(32, 7).toString('base64');
    expectUnauthorized(() => verifyTeamsSignature(BODY, `HMAC ${sign(BODY, other)}`, TOKEN));
  });

  it('rejects a missing header', () => {
    expectUnauthorized(() => verifyTeamsSignature(BODY, undefined, TOKEN));
    expectUnauthorized(() => verifyTeamsSignature(BODY, '', TOKEN));
  });

  it.each([
    ['bearer scheme', `Bearer ${sign(BODY)}`],
    ['no scheme', sign(BODY)],
    ['scheme only', 'HMAC'],
    ['not base64', `HMAC ${'!'.repeat(43)}=`],
    ['hex digest', `HMAC ${createHmac('sha256', Buffer.from(TOKEN, 'base64')).update(BODY).digest('hex')}`],
    ['truncated', `HMAC ${sign(BODY).slice(4)}`],
  ])('rejects a malformed header: %s', (_label, header) => {
    expectUnauthorized(() => verifyTeamsSignature(BODY, header, TOKEN));
  });

  it('fails closed with a ConfigError on an empty or non-base64 token', () => {
    expect(() => verifyTeamsSignature(BODY, `HMAC ${sign(BODY)}`, '')).toThrow(ConfigError);
    expect(() => verifyTeamsSignature(BODY, `HMAC ${sign(BODY)}`, 'not base64!')).toThrow(ConfigError);
  });
});
