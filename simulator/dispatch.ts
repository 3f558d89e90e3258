/**
 * Which part of the simulator a path belongs to. Legacy hosts and the OneAPI gateway are one server here,
 * told apart by path prefix exactly as the SDKs map them (docs/zscaler-api.md §1.3: OneAPI = `/zpa` or `/zdx` + legacy path).
 */
import type { AuthEndpoint } from './auth/endpoints.js';
import type { TokenKind } from './auth/tokens.js';
import type { SimReply } from './router.js';

/** The error dialect of a surface: legacy ZDX, legacy ZPA, or the OneAPI gateway. */
export type Surface = 'zdx' | 'zpa' | 'oneapi';

export type Destination =
  | { kind: 'control'; path: string }
  | { kind: 'auth'; endpoint: AuthEndpoint; method: string }
  | { kind: 'product'; product: 'zdx' | 'zpa'; path: string; token: TokenKind; surface: Surface }
  | { kind: 'unknown' };

const AUTH_PATHS: Record<string, { endpoint: AuthEndpoint; method: string }> = {
  '/signin': { endpoint: 'zpa-signin', method: 'POST' },
  '/signout': { endpoint: 'zpa-signout', method: 'POST' },
  '/v1/oauth/token': { endpoint: 'zdx-token', method: 'POST' },
  '/v1/oauth/validate': { endpoint: 'zdx-validate', method: 'GET' },
  '/oauth2/v1/token': { endpoint: 'oneapi-token', method: 'POST' },
};

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

export function classify(pathname: string): Destination {
  if (under(pathname, '/__sim')) return { kind: 'control', path: pathname.slice('/__sim'.length) || '/' };
  const auth = AUTH_PATHS[pathname.replace(/\/+$/, '')];
  if (auth) return { kind: 'auth', ...auth };
  if (under(pathname, '/v1/oauth')) return { kind: 'unknown' };
  if (under(pathname, '/v1')) {
    return { kind: 'product', product: 'zdx', path: pathname.slice(3) || '/', token: 'zdx', surface: 'zdx' };
  }
  if (under(pathname, '/zdx/v1')) {
    return { kind: 'product', product: 'zdx', path: pathname.slice(7) || '/', token: 'oneapi', surface: 'oneapi' };
  }
  // ZPA keeps the full legacy path (`/mgmtconfig/...`, `/userconfig/...`); OneAPI only adds `/zpa`.
  if (under(pathname, '/mgmtconfig') || under(pathname, '/userconfig')) {
    return { kind: 'product', product: 'zpa', path: pathname, token: 'zpa', surface: 'zpa' };
  }
  if (under(pathname, '/zpa/mgmtconfig') || under(pathname, '/zpa/userconfig')) {
    return { kind: 'product', product: 'zpa', path: pathname.slice(4), token: 'oneapi', surface: 'oneapi' };
  }
  return { kind: 'unknown' };
}

/** 401 in each surface's own dialect (docs/zscaler-api.md §1.3 [rec] for OneAPI; ZPA and ZDX legacy bodies). */
export function unauthorized(surface: Surface, reason: string): SimReply {
  switch (surface) {
    case 'oneapi':
      return { status: 401, body: { detail: 'unauthorized', type: '', title: '', status: '' } };
    case 'zpa':
      return { status: 401, body: { id: 'access.denied', reason: 'Access denied' } };
    case 'zdx':
      return { status: 401, body: { code: 401, message: `Unauthorized: ${reason}` } };
  }
}

/** Errors raised by the server itself (not a product) use the product's error shape. */
export function productError(product: 'zdx' | 'zpa', status: number, message: string): SimReply {
  return product === 'zpa'
    ? { status, body: { id: status === 404 ? 'resource.not.found' : 'bad.request', reason: message } }
    : { status, body: { code: status, message } };
}
