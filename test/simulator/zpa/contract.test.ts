/**
 * Contract: every recorded interaction of the cassettes in cassettes.ts, replayed straight into the ZPA
 * product's `handle` (as server.ts calls it), must get the recorded status and a response of the recorded shape.
 */
import { describe } from 'vitest';
import { SimClock } from '../../../simulator/clock.js';
import { createZpaSimulator } from '../../../simulator/zpa/index.js';
import { contractCases } from './cassettes.js';
import { CUSTOMER_ID } from './helpers.js';
import type { Transport } from './replay.js';

describe('ZPA simulator contract (direct handle)', () => {
  contractCases(async (opts) => {
    const sim = createZpaSimulator(new SimClock(), { customerId: CUSTOMER_ID, ...opts });
    const send: Transport = async (req) => {
      let body: unknown;
      try {
        body = req.rawBody === '' ? undefined : JSON.parse(req.rawBody);
      } catch {
        body = undefined;
      }
      const reply = await sim.handle(
        {
          method: req.method,
          path: req.path,
          params: {},
          query: new URLSearchParams(req.query),
          headers: {},
          rawBody: req.rawBody,
          body,
        },
        { clientIp: '192.0.2.10' },
      );
      return {
        status: reply.status,
        headers: reply.headers ?? {},
        body: reply.body === undefined ? '' : JSON.stringify(reply.body),
      };
    };
    return { send, close: async () => {} };
  });
});
