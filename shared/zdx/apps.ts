/**
 * A device's apps and the probes ZDX runs for them: the inputs of a deep trace (`app_id`,
 * `web_probe_id`, `cloudpath_probe_id`).
 */
import * as z from 'zod/mini';
import type { ApiClient } from '../zscaler/http.js';

export const deviceAppSchema = z.looseObject({ id: z.number(), name: z.string(), score: z.optional(z.nullable(z.number())) });
export const webProbeSchema = z.looseObject({ id: z.number(), name: z.string() });
export const cloudPathProbeSchema = z.looseObject({ id: z.number(), name: z.string() });
export type DeviceApp = z.infer<typeof deviceAppSchema>;
export type WebProbe = z.infer<typeof webProbeSchema>;
export type CloudPathProbe = z.infer<typeof cloudPathProbeSchema>;

const window = (lookbackHours: number) => {
  const to = Math.floor(Date.now() / 1000);
  return { from: to - lookbackHours * 3600, to };
};

export const listDeviceApps = async (c: ApiClient, deviceId: number, lookbackHours = 2) =>
  z.array(deviceAppSchema).parse(await c.get(`/devices/${deviceId}/apps`, window(lookbackHours)));

export const listWebProbes = async (c: ApiClient, deviceId: number, appId: number, lookbackHours = 2) =>
  z.array(webProbeSchema).parse(await c.get(`/devices/${deviceId}/apps/${appId}/web-probes`, window(lookbackHours)));

export const listCloudPathProbes = async (c: ApiClient, deviceId: number, appId: number, lookbackHours = 2) =>
  z.array(cloudPathProbeSchema).parse(await c.get(`/devices/${deviceId}/apps/${appId}/cloudpath-probes`, window(lookbackHours)));
