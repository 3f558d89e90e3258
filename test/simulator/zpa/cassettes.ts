/**
 * The recorded cassettes the ZPA contract tests replay, and EVERY interaction they deliberately do not replay,
 * each with its reason. A skip entry also pins the request it expects, so a skip can never hide a different
 * interaction. Shared by contract.test.ts (direct) and contract-http.test.ts (over HTTP).
 */
import { expect, it, vi } from 'vitest';
import type { ZpaSimulatorOptions } from '../../../simulator/zpa/index.js';
import { CUSTOMER_ID } from './helpers.js';
import { loadCassette, replay, type Transport } from './replay.js';

export interface NotSimulated {
  index: number;
  request: RegExp;
  reason: string;
}

export interface CassetteCase {
  file: string;
  notSimulated: NotSimulated[];
  simOptions?: Partial<ZpaSimulatorOptions>;
  /** Why the options differ from the defaults. */
  note?: string;
}

const TOKEN: Omit<NotSimulated, 'index'> = {
  request: /^POST https:\/\/identity\.test\.zscaler\.com\/oauth2\/v1\/token$/,
  reason:
    'ZIdentity OAuth token request: authentication belongs to the server core (simulator/auth), not the ZPA product',
};

export const CASSETTES: CassetteCase[] = [
  { file: 'TestAccessPolicyForwardingRuleV1.yaml', notSimulated: [{ index: 0, ...TOKEN }] },
  { file: 'TestAccessPolicyForwardingRuleV2.yaml', notSimulated: [] },
  {
    file: 'TestAccessPolicyReorderRule.yaml',
    notSimulated: [],
    // The recorded 429 (#18) hit because earlier tests of the same session had already spent that IP's GET
    // budget. A budget of 9 GETs makes #18 the first GET over it here too; after the 429 the test moves the
    // clock forward by `retry-after` and #19 succeeds, as the recorded retry did. Writes get headroom because
    // the recording (15 writes in ~10 s) was not write-limited.
    simOptions: { rateLimits: { getPer10s: 9, writePer10s: 20 } },
    note: 'tight GET budget reproduces the recorded 429',
  },
  { file: 'TestAccessPolicyBulkReorderRule.yaml', notSimulated: [] },
  { file: 'TestApplicationSegment.yaml', notSimulated: [] },
  { file: 'TestSegmentGroup.yaml', notSimulated: [{ index: 0, ...TOKEN }] },
  { file: 'TestServerGroup.yaml', notSimulated: [] },
];

/** Registers one `it` per cassette replaying it through `transport(options)`. */
export function contractCases(
  transport: (opts: Partial<ZpaSimulatorOptions>) => Promise<{ send: Transport; close(): Promise<void> }>,
): void {
  for (const c of CASSETTES) {
    it(`replays ${c.file}${c.note ? ` (${c.note})` : ''}`, async () => {
      // Every skip names the exact request it stands for.
      const all = loadCassette(c.file);
      for (const s of c.notSimulated) {
        const it = all[s.index];
        expect(it && `${it.method} ${it.uri}`, `${c.file} #${s.index}: ${s.reason}`).toMatch(s.request);
      }
      const { send, close } = await transport({ rateLimits: false, concurrencyWindowMs: 0, ...c.simOptions });
      try {
        const outcomes = await replay(c.file, send, {
          customerId: CUSTOMER_ID,
          skip: new Set(c.notSimulated.map((s) => s.index)),
          onRateLimited: (seconds) => vi.setSystemTime(Date.now() + seconds * 1000),
        });
        expect(outcomes.length + c.notSimulated.length).toBe(all.length);
        const failures = outcomes
          .filter((o) => o.problems.length > 0)
          .map((o) => `#${o.index} ${o.request}\n  ${o.problems.join('\n  ')}`);
        expect(failures, failures.join('\n')).toEqual([]);
        for (const o of outcomes.filter((x) => x.simStatus === 429)) expect(o.retryAfter).toMatch(/^\d+s$/);
        const recorded429 = all.filter((i) => i.status === 429).map((i) => i.index);
        expect(outcomes.filter((o) => o.simStatus === 429).map((o) => o.index)).toEqual(recorded429);
      } finally {
        vi.useRealTimers();
        await close();
      }
    });
  }
}
