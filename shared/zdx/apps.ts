/**
 * A device's apps and the probes ZDX runs for them: the inputs of a deep trace (`app_id`,
 * `web_probe_id`, `cloudpath_probe_id`). These are report endpoints (at most 2 hours per request), so each
 * lookup steps back range by range over the lookback until ZDX has something for the device.
 */
import * as z from 'zod/mini';
import type { ApiClient } from '../zscaler/http.js';
import { newestNonEmpty } from './reportRanges.js';

const deviceAppSchema = z.looseObject({ id: z.number(), name: z.string(), score: z.optional(z.nullable(z.number())) });
const webProbeSchema = z.looseObject({ id: z.number(), name: z.string() });
const cloudPathProbeSchema = z.looseObject({ id: z.number(), name: z.string() });

export const listDeviceApps = (c: ApiClient, deviceId: number, lookbackHours: number) =>
  newestNonEmpty(lookbackHours, async (range) =>
    z.array(deviceAppSchema).parse(await c.get(`/devices/${deviceId}/apps`, range)),
  );

export const listWebProbes = (c: ApiClient, deviceId: number, appId: number, lookbackHours: number) =>
  newestNonEmpty(lookbackHours, async (range) =>
    z.array(webProbeSchema).parse(await c.get(`/devices/${deviceId}/apps/${appId}/web-probes`, range)),
  );

export const listCloudPathProbes = (c: ApiClient, deviceId: number, appId: number, lookbackHours: number) =>
  newestNonEmpty(lookbackHours, async (range) =>
    z.array(cloudPathProbeSchema).parse(await c.get(`/devices/${deviceId}/apps/${appId}/cloudpath-probes`, range)),
  );
