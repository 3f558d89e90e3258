/**
 * Validation of `POST /devices/{id}/deeptraces` bodies (docs/zscaler-api.md §3.3). Lenient where clients are known to
 * differ: the Go SDK sends `cloud_path_probe_id`, everyone else `cloudpath_probe_id` (docs/zscaler-api.md §5.13); ids may
 * arrive as numbers or numeric strings.
 */
import type { ZdxApp } from './seed.js';

export const SESSION_LENGTHS = [5, 15, 30, 60] as const;
const MAX_SESSION_NAME = 128;

export interface StartRequest {
  sessionName: string;
  appId: number | null;
  webProbeId: number | null;
  cloudpathProbeId: number | null;
  sessionLengthMin: number;
  probeDevice: boolean;
}

type Parsed = { ok: true; value: StartRequest } | { ok: false; message: string };

class Invalid extends Error {}

function optionalId(body: Record<string, unknown>, ...names: string[]): number | null {
  for (const name of names) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    throw new Invalid(`${name} must be a positive integer`);
  }
  return null;
}

export function parseStartRequest(raw: unknown, apps: readonly ZdxApp[]): Parsed {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, message: 'Request body must be a JSON object' };
  const body = raw as Record<string, unknown>;
  try {
    const name = body.session_name;
    if (typeof name !== 'string' || name.trim() === '') throw new Invalid('session_name is required');
    if (name.length > MAX_SESSION_NAME)
      throw new Invalid(`session_name must be at most ${MAX_SESSION_NAME} characters`);

    const length = body.session_length_minutes ?? 5;
    if (!SESSION_LENGTHS.includes(length as (typeof SESSION_LENGTHS)[number])) {
      throw new Invalid(`session_length_minutes must be one of ${SESSION_LENGTHS.join(', ')}`);
    }
    const probeDevice = body.probe_device ?? false;
    if (typeof probeDevice !== 'boolean') throw new Invalid('probe_device must be a boolean');

    let appId = optionalId(body, 'app_id');
    const webProbeId = optionalId(body, 'web_probe_id');
    const cloudpathProbeId = optionalId(body, 'cloudpath_probe_id', 'cloud_path_probe_id');
    // A probe implies its app; when both are given they must agree.
    const owner = (probe: number | null, has: (a: ZdxApp, id: number) => boolean, label: string) => {
      if (probe === null) return;
      const app = apps.find((a) => has(a, probe));
      if (!app) throw new Invalid(`${label} ${probe} does not exist`);
      if (appId !== null && app.id !== appId) throw new Invalid(`${label} ${probe} does not belong to app ${appId}`);
      appId = app.id;
    };
    owner(webProbeId, (a, id) => a.webProbes.some((w) => w.id === id), 'web_probe_id');
    owner(cloudpathProbeId, (a, id) => a.cloudPathProbe.id === id, 'cloudpath_probe_id');
    if (appId !== null && !apps.some((a) => a.id === appId)) throw new Invalid(`app_id ${appId} does not exist`);

    return {
      ok: true,
      value: {
        sessionName: name,
        appId,
        webProbeId,
        cloudpathProbeId,
        sessionLengthMin: length as number,
        probeDevice,
      },
    };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, message: err.message };
    throw err;
  }
}
