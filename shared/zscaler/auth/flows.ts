/**
 * The three token flows, exactly as Zscaler defines them (docs/zscaler-api.md §1). Each returns a token and its
 * lifetime; reply quirks are handled here and nowhere else.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { AppError } from '../../errors.js';
import type { Transport } from '../transport.js';
import { parseErrorBody } from '../errors.js';
import { CredentialsRejected, type FetchedToken } from './provider.js';

/** `expires_in` arrives as a number (ZDX, ZIdentity) or a string (ZPA legacy `/signin`). */
const expiresIn = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((v) => Number(v)),
);

const zpaLegacyReply = z.object({ access_token: z.string(), expires_in: z._default(expiresIn, 3600) });
const zdxLegacyReply = z.object({ token: z.string(), expires_in: z._default(expiresIn, 3600) });
const oneApiReply = z.object({ access_token: z.string(), expires_in: z._default(expiresIn, 3600) });

export interface ZpaLegacyCredentials {
  clientId: string;
  clientSecret: string;
}
export interface ZdxLegacyCredentials {
  keyId: string;
  keySecret: string;
}
export interface OneApiCredentials {
  clientId: string;
  clientSecret: string;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** ZPA legacy API key: `POST {base}/signin`, form fields, reply `expires_in` is a string. */
export const zpaLegacyFlow = (transport: Transport, baseUrl: string) => async (c: ZpaLegacyCredentials) => {
  const text = await post(
    transport,
    `${baseUrl}/signin`,
    'application/x-www-form-urlencoded',
    form({ client_id: c.clientId, client_secret: c.clientSecret }),
    'ZPA signin',
  );
  const r = parseReply(zpaLegacyReply, text, 'ZPA signin');
  return { token: r.access_token, expiresInSec: r.expires_in };
};

/**
 * ZDX legacy API key: `POST {base}/v1/oauth/token` with the secret hashed as both official SDKs do:
 * lowercase hex SHA-256 of `secret:epoch`, with `timestamp: epoch` (an integer) beside it.
 */
export const zdxLegacyFlow =
  (transport: Transport, baseUrl: string, nowSec = () => Math.floor(Date.now() / 1000)) =>
  async (c: ZdxLegacyCredentials): Promise<FetchedToken> => {
    const timestamp = nowSec();
    const keySecret = createHash('sha256').update(`${c.keySecret}:${timestamp}`, 'utf8').digest('hex');
    const text = await post(
      transport,
      `${baseUrl}/v1/oauth/token`,
      'application/json',
      JSON.stringify({ key_id: c.keyId, key_secret: keySecret, timestamp }),
      'ZDX token',
    );
    const r = parseReply(zdxLegacyReply, text, 'ZDX token');
    return { token: r.token, expiresInSec: r.expires_in };
  };

/** OneAPI through ZIdentity: OAuth 2.0 client credentials; `audience` is required. */
export const oneApiFlow =
  (transport: Transport, tokenUrl: string, audience = 'https://api.zscaler.com') =>
  async (c: OneApiCredentials): Promise<FetchedToken> => {
    const text = await post(
      transport,
      tokenUrl,
      'application/x-www-form-urlencoded',
      form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, audience }),
      'ZIdentity token',
    );
    const r = parseReply(oneApiReply, text, 'ZIdentity token');
    return { token: r.access_token, expiresInSec: r.expires_in };
  };

async function post(
  transport: Transport,
  url: string,
  contentType: string,
  body: string,
  label: string,
): Promise<string> {
  // A second token request is harmless (the first token simply goes unused), so a lost answer is re-sent.
  const res = await transport.send({
    method: 'POST',
    url,
    body,
    label,
    idempotent: true,
    headers: { 'content-type': contentType, accept: 'application/json' },
  });
  if (res.status === 200) return res.text;
  const { id, reason } = parseErrorBody(res.text);
  // 400 (ZIdentity), 401 and 403 mean the credentials were refused; anything else is transient.
  if ([400, 401, 403].includes(res.status))
    throw new CredentialsRejected(`${label} refused the credentials (${res.status}${id ? ` ${id}` : ''})`);
  throw new AppError('zscaler_auth_unavailable', `${label} failed with ${res.status}: ${reason}`, 502, true, {
    expose: false,
  });
}

function parseReply<T>(schema: z.ZodMiniType<T>, text: string, label: string): T {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AppError('zscaler_auth_bad_reply', `${label} reply is not JSON`, 502, true, { expose: false });
  }
  const r = schema.safeParse(data);
  if (!r.success)
    throw new AppError('zscaler_auth_bad_reply', `${label} reply lacks a token`, 502, true, { expose: false });
  return r.data;
}
