/**
 * ZPA error bodies (`{id, reason, params}`, docs/zscaler-api.md §2.10). Handlers throw `ZpaError` with a ready reply so
 * validation can happen at any depth; `index.ts` turns it back into the reply.
 */
import type { SimReply } from '../router.js';

export class ZpaError extends Error {
  constructor(readonly reply: SimReply) {
    super(`ZPA ${reply.status}`);
    this.name = 'ZpaError';
  }
}

const body = (id: string, reason: string, params?: string[]) => (params ? { id, reason, params } : { id, reason });

export const errors = {
  /** "Not found" is documented as HTTP 400 with id `resource.not.found` (docs/zscaler-api.md §2.10), not 404. */
  notFound: (id: string): SimReply => ({
    status: 400,
    body: body('resource.not.found', `No resource exists with the given id/name :${id}`, [id]),
  }),
  /** Jackson could not map the JSON onto the model (wrong type, bad enum value): sergitopereira/zscaler_api_talkers #35. */
  readFailed: (): SimReply => ({
    status: 400,
    body: body('read.message.failed', 'Failed to read http message, Please check the input/format of the message'),
  }),
  /** Wording of tf #472: `One or more input fields idpId are not valid.` with the field name in params. */
  invalidField: (field: string, params: string[] = [field]): SimReply => ({
    status: 400,
    body: body('invalid.resource.argument', `One or more input fields ${field} are not valid.`, params),
  }),
  invalid: (reason: string, params?: string[]): SimReply => ({
    status: 400,
    body: body('invalid.resource.argument', reason, params),
  }),
  /** A bare multi-word search produced this id before the SDKs switched to `name+EQ+value` (go PR #380, py PR #410). */
  badSearch: (search: string): SimReply => ({
    status: 400,
    body: body('filtering.input.invalid.operand', `Invalid filter operand in search string: ${search}`, [search]),
  }),
  coded: (status: number, id: string, reason: string, params?: string[]): SimReply => ({
    status,
    body: body(id, reason, params),
  }),
  /** Body and lowercase `retry-after: <N>s` header exactly as recorded (TestAccessPolicyReorderRule.yaml #18). */
  tooManyRequests: (retryAfterSec: number): SimReply => ({
    status: 429,
    body: {
      exception: 'invalid.toomanyrequests',
      id: 'invalid.toomanyrequests',
      reason: 'Exceeded the number of requests allowed.',
    },
    headers: { 'retry-after': `${retryAfterSec}s` },
  }),
  concurrentChange: (): SimReply => ({
    status: 409,
    body: body(
      'api.concurrent.access.error',
      'Unable to modify the resource due to concurrent change requests. Try again',
      ['com.zscaler.zpn.model.PolicySet'],
    ),
  }),
};

export function fail(reply: SimReply): never {
  throw new ZpaError(reply);
}
