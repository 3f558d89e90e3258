import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.js';
import { decodeBody } from '../../../shared/webhooks/hmac.js';
import { verifySlackSignature } from '../../../shared/chat/slack/signature.js';
import { expectUnauthorized } from '../incidents/helpers.js';

// Slack's published example (api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TS = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
  '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
  '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const NOW = Number(TS) + 10;

describe('verifySlackSignature', () => {
  it("accepts Slack's published example", () => {
    expect(() => verifySlackSignature(BODY, { signature: SIGNATURE, timestamp: TS }, SECRET, NOW)).not.toThrow();
  });

  it('accepts a base64-encoded API Gateway body after decoding', () => {
    const raw = decodeBody(Buffer.from(BODY).toString('base64'), true);
    expect(() => verifySlackSignature(raw, { signature: SIGNATURE, timestamp: TS }, SECRET, NOW)).not.toThrow();
  });

  it('rejects a replayed request older than 5 minutes', () => {
    expectUnauthorized(() =>
      verifySlackSignature(BODY, { signature: SIGNATURE, timestamp: TS }, SECRET, Number(TS) + 301),
    );
  });

  it('rejects a timestamp more than 5 minutes in the future', () => {
    expectUnauthorized(() =>
      verifySlackSignature(BODY, { signature: SIGNATURE, timestamp: TS }, SECRET, Number(TS) - 301),
    );
  });

  it('uses the real clock by default (the 2018 example is long stale)', () => {
    expectUnauthorized(() => verifySlackSignature(BODY, { signature: SIGNATURE, timestamp: TS }, SECRET));
  });

  it('rejects a tampered body, wrong secret or re-dated request', () => {
    expectUnauthorized(() =>
      verifySlackSignature(BODY.replace('roadrunner', 'coyote'), { signature: SIGNATURE, timestamp: TS }, SECRET, NOW),
    );
    expectUnauthorized(() => verifySlackSignature(BODY, { signature: SIGNATURE, timestamp: TS }, `${SECRET}x`, NOW));
    expectUnauthorized(() =>
      verifySlackSignature(BODY, { signature: SIGNATURE, timestamp: String(Number(TS) + 1) }, SECRET, NOW),
    );
  });

  it('rejects missing headers', () => {
    expectUnauthorized(() => verifySlackSignature(BODY, { timestamp: TS }, SECRET, NOW));
    expectUnauthorized(() => verifySlackSignature(BODY, { signature: SIGNATURE }, SECRET, NOW));
  });

  it.each([
    ['v1 prefix', SIGNATURE.replace('v0=', 'v1=')],
    ['no prefix', SIGNATURE.slice(3)],
    ['truncated', SIGNATURE.slice(0, -1)],
    ['two values', `${SIGNATURE},${SIGNATURE}`],
  ])('rejects a malformed signature: %s', (_label, signature) => {
    expectUnauthorized(() => verifySlackSignature(BODY, { signature, timestamp: TS }, SECRET, NOW));
  });

  it('matches an independent computation for another request', () => {
    const ts = String(NOW);
    const body = 'command=%2Fztrace&text=alice%40corp.example&user_id=U1';
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    expect(() => verifySlackSignature(body, { signature, timestamp: ts }, SECRET, NOW)).not.toThrow();
  });

  it('gives the same signed request the same replay key however its headers are spelled', () => {
    const key = verifySlackSignature(BODY, { signature: SIGNATURE, timestamp: TS }, SECRET, NOW).replayKey;
    expect(key).toBe(`${TS}:${SIGNATURE.slice(3)}`);
    const respelled = [`v0=${SIGNATURE.slice(3).toUpperCase()}`, ` ${SIGNATURE} `, `${SIGNATURE}\t`];
    for (const signature of respelled) {
      expect(verifySlackSignature(BODY, { signature, timestamp: ` ${TS} ` }, SECRET, NOW).replayKey).toBe(key);
    }
  });

  it('fails closed with a ConfigError on an empty signing secret', () => {
    expect(() => verifySlackSignature(BODY, { signature: SIGNATURE, timestamp: TS }, '', NOW)).toThrow(ConfigError);
  });
});
