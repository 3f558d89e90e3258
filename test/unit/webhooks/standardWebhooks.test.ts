import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.js';
import {
  signStandardWebhook,
  standardWebhookKey,
  verifyStandardWebhook,
} from '../../../shared/webhooks/standardWebhooks.js';
import { expectUnauthorized, thrown } from '../incidents/helpers.js';
import { everyOneCharChange } from './mutations.js';

// The Standard Webhooks specification's own example; the signature was also recomputed independently with
// `openssl dgst -sha256 -mac HMAC -macopt hexkey:<base64-decoded key>` over "<id>.<timestamp>.<body>".
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const NOW = 1_614_265_330;
const OTHER = `whsec_${Buffer.from('another-sender-signing-key-01').toString('base64')}`;

const headers = (over: Partial<{ id: string; timestamp: string; signature: string }> = {}) => ({
  id: SPEC.id,
  timestamp: SPEC.timestamp,
  signature: SPEC.signature,
  ...over,
});

describe('verifyStandardWebhook', () => {
  it('accepts the specification example, and signs it the same way', () => {
    expect(() => verifyStandardWebhook(SPEC.body, headers(), [SPEC.secret], NOW)).not.toThrow();
    expect(signStandardWebhook(SPEC.body, SPEC.secret, SPEC.id, SPEC.timestamp)).toBe(SPEC.signature);
  });

  it('keys the HMAC with the base64-decoded part after whsec_ (also without the prefix)', () => {
    expect(standardWebhookKey(SPEC.secret)).toEqual(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'));
    expect(() => verifyStandardWebhook(SPEC.body, headers(), ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], NOW)).not.toThrow();
  });

  it('accepts during a rotation: either secret, and a header listing several signatures', () => {
    expect(() => verifyStandardWebhook(SPEC.body, headers(), [OTHER, SPEC.secret], NOW)).not.toThrow();
    const both = `${signStandardWebhook(SPEC.body, OTHER, SPEC.id, SPEC.timestamp)} ${SPEC.signature}`;
    expect(() => verifyStandardWebhook(SPEC.body, headers({ signature: both }), [SPEC.secret], NOW)).not.toThrow();
    // An asymmetric v1a entry next to v1 is skipped, not a reason to refuse.
    const mixed = `v1a,c29tZXRoaW5n ${SPEC.signature}`;
    expect(() => verifyStandardWebhook(SPEC.body, headers({ signature: mixed }), [SPEC.secret], NOW)).not.toThrow();
  });

  it('refuses every one-character change of the body, the id, the timestamp and the signature', () => {
    for (const body of everyOneCharChange(SPEC.body))
      expectUnauthorized(() => verifyStandardWebhook(body, headers(), [SPEC.secret], NOW));
    for (const id of everyOneCharChange(SPEC.id))
      expectUnauthorized(() => verifyStandardWebhook(SPEC.body, headers({ id }), [SPEC.secret], NOW));
    for (const timestamp of everyOneCharChange(SPEC.timestamp))
      expectUnauthorized(() => verifyStandardWebhook(SPEC.body, headers({ timestamp }), [SPEC.secret], NOW));
    for (const signature of everyOneCharChange(SPEC.signature))
      expectUnauthorized(() => verifyStandardWebhook(SPEC.body, headers({ signature }), [SPEC.secret], NOW));
  });

  it('refuses a timestamp more than 5 minutes away, in either direction, and says why only in details', () => {
    expectUnauthorized(() => verifyStandardWebhook(SPEC.body, headers(), [SPEC.secret], NOW + 301));
    expectUnauthorized(() => verifyStandardWebhook(SPEC.body, headers(), [SPEC.secret], NOW - 301));
    expect(() => verifyStandardWebhook(SPEC.body, headers(), [SPEC.secret], NOW + 300)).not.toThrow();
    const err = thrown(() => verifyStandardWebhook(SPEC.body, headers(), [SPEC.secret], NOW + 3600));
    expect((err as ConfigError).details).toEqual({ reason: 'timestamp_stale' });
  });

  it('refuses missing headers, a wrong secret, only unknown versions, and too many signatures', () => {
    expectUnauthorized(() => verifyStandardWebhook(SPEC.body, {}, [SPEC.secret], NOW));
    expectUnauthorized(() => verifyStandardWebhook(SPEC.body, headers({ id: '' }), [SPEC.secret], NOW));
    expectUnauthorized(() => verifyStandardWebhook(SPEC.body, headers(), [OTHER], NOW));
    expectUnauthorized(() => verifyStandardWebhook(SPEC.body, headers({ signature: 'v2,abc=' }), [SPEC.secret], NOW));
    const many = Array.from({ length: 9 }, () => SPEC.signature).join(' ');
    expectUnauthorized(() => verifyStandardWebhook(SPEC.body, headers({ signature: many }), [SPEC.secret], NOW));
  });

  it('fails closed on an empty secret list', () => {
    expect(thrown(() => verifyStandardWebhook(SPEC.body, headers(), [], NOW))).toBeInstanceOf(ConfigError);
  });

  it('property: sign → verify accepts; any change of the body, or another key, is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.nat(),
        (body, key, otherKey, pos) => {
          const secret = `whsec_${Buffer.from(key).toString('base64')}`;
          const signature = signStandardWebhook(body, secret, 'msg_1', NOW);
          const h = { id: 'msg_1', timestamp: String(NOW), signature };
          verifyStandardWebhook(body, h, [secret], NOW);
          const changed =
            body.length > 0 ? `${body.slice(0, pos % body.length)}\u0001${body.slice(pos % body.length)}` : 'x';
          expectUnauthorized(() => verifyStandardWebhook(changed, h, [secret], NOW));
          if (!Buffer.from(otherKey).equals(Buffer.from(key))) {
            const wrong = `whsec_${Buffer.from(otherKey).toString('base64')}`;
            expectUnauthorized(() => verifyStandardWebhook(body, h, [wrong], NOW));
          }
        },
      ),
    );
  });
});
