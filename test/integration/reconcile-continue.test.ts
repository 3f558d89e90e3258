/**
 * A reconcile that runs out of time continues at once: the reconciler function, on the policy queue, puts a
 * `reconcile` behind the message it is handling, so a long window does not wait a tick (up to a minute) per
 * invocation. Real handler chain, the simulator over HTTP with ZPA's limits (1 s windows here), the real client.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/reconciler/app.js';
import type { Command } from '../../shared/commands/contract.js';
import { parseWindowsFile } from '../../shared/bypass/windows.js';
import { zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import { createLogger } from '../../shared/logger.js';
import { zpaPacer } from '../../shared/zscaler/pacer.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';

const CUSTOMER = '216196257331281920';
const LIMITS = { getPer10s: 20, writePer10s: 10, windowMs: 1000 };
let env: Awaited<ReturnType<typeof zscalerTestEnv>>;

beforeAll(async () => {
  env = await zscalerTestEnv({ sim: { zpaRateLimits: LIMITS }, pacers: { zpa: zpaPacer(LIMITS) } });
});
afterAll(() => env.close());

const names = Array.from({ length: 30 }, (_, i) => `app-${String(i + 1).padStart(3, '0')}`);
const file = parseWindowsFile({
  guardrails: { allowedSegments: ['app-*'], maxWindowMinutes: 240 },
  windows: [
    {
      id: 'big',
      segments: names,
      mode: 'bypassType',
      reason: 'patching',
      schedule: {
        start: new Date(Date.now() - 60_000).toISOString(),
        end: new Date(Date.now() + 3_600_000).toISOString(),
      },
    },
  ],
});
const message = (cmd: Command) => ({
  messageId: cmd.id,
  receiptHandle: cmd.id,
  body: JSON.stringify(cmd),
  attributes: { SentTimestamp: String(Date.now()), ApproximateReceiveCount: '1' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:policy.fifo',
  awsRegion: 'us-east-1',
});

describe('the reconciler continues a run that ran out of time', () => {
  it('puts one continuation behind a deferred tick, none once the window is done', async () => {
    const sent: Command[] = [];
    const handler = makeHandler({
      port: zpaBypassPort({ api: env.clients.zpa, customerId: CUSTOMER }),
      windows: () => file,
      logger: createLogger({ level: 'error', sink: () => undefined }),
      reporter: { report: async () => undefined },
      dryRun: false,
      policyQueue: { send: async (c) => void sent.push(c) },
    });
    // 4 s: the reads and a window or two of 10 writes, not all 30.
    const short = { getRemainingTimeInMillis: () => 4_000, awsRequestId: 'short' } as Context;
    const tick: Command = { id: 'tick-1', type: 'reconcile', requestedBy: { kind: 'schedule', id: 'tick-1' } };
    expect(await handler({ Records: [message(tick)] } as never, short)).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual([
      expect.objectContaining({ type: 'reconcile', requestedBy: { kind: 'schedule', id: 'continues tick-1' } }),
    ]);
    const bypassed = () =>
      (env.sim.state().products.zpa as { segments: Array<{ name: string; bypassType: string }> }).segments.filter(
        (x) => names.includes(x.name) && x.bypassType === 'ALWAYS',
      ).length;
    expect(bypassed()).toBeGreaterThan(0);
    expect(bypassed()).toBeLessThan(30);
    const long = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'long' } as Context;
    await handler({ Records: [message(sent[0]!)] } as never, long);
    expect(bypassed()).toBe(30);
    expect(sent).toHaveLength(1);
  }, 60_000);
});
