import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.js';
import { assertTokenMatches } from '../../../shared/webhooks/tokens.js';
import { expectUnauthorized, thrown } from '../incidents/helpers.js';
import { everyOneCharChange } from './mutations.js';

const TOKEN = 'opsgenie-test-token-2025-0001';
const NEXT = 'opsgenie-test-token-2026-0002';

describe('assertTokenMatches', () => {
  it('accepts the configured token, either one during a rotation, with header whitespace', () => {
    expect(() => assertTokenMatches(TOKEN, [TOKEN], 'x')).not.toThrow();
    expect(() => assertTokenMatches(NEXT, [TOKEN, NEXT], 'x')).not.toThrow();
    expect(() => assertTokenMatches(` ${TOKEN} `, [TOKEN], 'x')).not.toThrow();
  });

  it('refuses every one-character change, a prefix, a missing and an oversized token', () => {
    for (const t of everyOneCharChange(TOKEN)) expectUnauthorized(() => assertTokenMatches(t, [TOKEN, NEXT], 'x'));
    expectUnauthorized(() => assertTokenMatches(TOKEN.slice(0, -1), [TOKEN], 'x'));
    expectUnauthorized(() => assertTokenMatches(undefined, [TOKEN], 'x'));
    expectUnauthorized(() => assertTokenMatches('', [TOKEN], 'x'));
    expectUnauthorized(() => assertTokenMatches('a'.repeat(513), ['a'.repeat(513)], 'x'));
  });

  it('fails closed on an empty list or an empty secret', () => {
    expect(thrown(() => assertTokenMatches(TOKEN, [], 'x'))).toBeInstanceOf(ConfigError);
    expect(thrown(() => assertTokenMatches('', [''], 'x'))).toBeInstanceOf(ConfigError);
  });

  it('property: a token matches only itself', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), fc.string({ minLength: 1, maxLength: 100 }), (a, b) => {
        fc.pre(a.trim() !== '' && b.trim() !== '');
        assertTokenMatches(a, [a.trim()], 'x');
        if (a.trim() !== b.trim()) expectUnauthorized(() => assertTokenMatches(b, [a.trim()], 'x'));
      }),
    );
  });
});
