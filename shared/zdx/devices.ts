/**
 * ZDX devices. ZDX only returns devices active in the requested window, and the default window is the
 * last 2 hours — a user whose laptop slept since lunch has "no device" unless we widen `from`.
 */
import * as z from 'zod/mini';
import type { ApiClient } from '../zscaler/http.js';
import { collect, zdxPages } from '../zscaler/paginate.js';

/** Numeric ids in ZDX payloads are small enough for JS numbers; unknown fields are kept. */
export const deviceSchema = z.looseObject({ id: z.number(), name: z.string(), userid: z.optional(z.number()) });
export type Device = z.infer<typeof deviceSchema>;

const devicesPage = z.looseObject({ devices: z.array(deviceSchema) });

/**
 * All devices of the users with these emails, active within the last `lookbackHours`.
 * @example await findDevicesByEmail(zdx, ['alice@corp.example'], { lookbackHours: 24 })
 */
export async function findDevicesByEmail(
  client: ApiClient,
  emails: readonly string[],
  opts: { lookbackHours: number; nowSec?: number },
): Promise<Device[]> {
  const to = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const from = to - opts.lookbackHours * 3600;
  return collect(zdxPages(client, '/devices', { emails, from, to }, (page) => devicesPage.parse(page).devices));
}
