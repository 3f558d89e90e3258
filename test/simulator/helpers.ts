/**
 * Helpers for driving the simulator over real HTTP from tests.
 */
import { createHash } from 'node:crypto';
import { SIM_CREDENTIALS } from '../../simulator/credentials.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/index.js';

/** ZDX only, no rate limiting unless asked: functional tests fire requests faster than 5/s. */
export function startZdxSim(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ products: ['zdx'], zdxRateLimit: false, ...opts });
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(url: string, init: RequestInit = {}): Promise<Reply<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // leave as text
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

export const postForm = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

export const zdxHash = (secret: string, timestamp: number) =>
  createHash('sha256').update(`${secret}:${timestamp}`, 'utf8').digest('hex');

/** A ZDX legacy token, hashed exactly as the SDKs do. */
export async function zdxToken(sim: RunningSimulator, secret: string = SIM_CREDENTIALS.zdx.keySecret): Promise<string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const r = await postJson(`${sim.url}/v1/oauth/token`, {
    key_id: SIM_CREDENTIALS.zdx.keyId,
    key_secret: zdxHash(secret, timestamp),
    timestamp,
  });
  if (r.status !== 200) throw new Error(`ZDX token failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token as string;
}

export async function oneApiToken(sim: RunningSimulator): Promise<string> {
  const c = SIM_CREDENTIALS.oneapi;
  const r = await postForm(`${sim.url}/oauth2/v1/token`, {
    grant_type: 'client_credentials',
    client_id: c.clientId,
    client_secret: c.clientSecret,
    audience: c.audience,
  });
  if (r.status !== 200) throw new Error(`OneAPI token failed: ${r.status}`);
  return r.body.access_token as string;
}

/** A GET/POST/DELETE client for the ZDX legacy API (`/v1`) with a fresh token. */
export async function zdxClient(sim: RunningSimulator) {
  const token = await zdxToken(sim);
  const auth = { authorization: `Bearer ${token}` };
  return {
    token,
    get: <T = any>(path: string, headers: Record<string, string> = {}) =>
      call<T>(`${sim.url}/v1${path}`, { headers: { ...auth, ...headers } }),
    post: (path: string, body: unknown) => postJson(`${sim.url}/v1${path}`, body, auth),
    del: (path: string) => call(`${sim.url}/v1${path}`, { method: 'DELETE', headers: auth }),
  };
}

export function decodeJwtPart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
