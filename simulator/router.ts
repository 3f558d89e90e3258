/**
 * The simulator's tiny router. Route handlers are pure functions of a parsed request that return a reply;
 * cross-cutting concerns (auth, rate limits, call log) run in server.ts before a route is reached.
 */
export interface SimRequest {
  method: string;
  /** Path without the query string and without the product prefix that selected the route table. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body text ('' when none). */
  rawBody: string;
  /** JSON-parsed body when the content type is JSON and the body parsed, else undefined. */
  body: unknown;
}

export interface SimReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: SimRequest) => SimReply | Promise<SimReply>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

/** Routes written as `/devices/:deviceId/deeptraces/:traceId`. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const source = path.replace(/:([A-Za-z_]+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /** Returns the handler and path params, `'method'` when the path exists with another method, or undefined. */
  match(
    method: string,
    path: string,
  ): { handler: RouteHandler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method.toUpperCase()) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

export const json = (status: number, body?: unknown, headers?: Record<string, string>): SimReply => ({
  status,
  body,
  headers,
});

/**
 * One simulated product (ZDX, ZPA). server.ts authenticates the caller, strips the product prefix
 * (`/zdx/v1` or `/v1` for ZDX; `/zpa` for ZPA over OneAPI) and hands the request over. Each product owns
 * its own routes, rate limits and state.
 */
export interface SimProduct {
  readonly name: 'zdx' | 'zpa';
  handle(req: SimRequest, ctx: { clientIp: string }): Promise<SimReply>;
  /**
   * Counts a request the product's rate limit covers although another part of the server answers it (ZDX's
   * legacy token endpoint is on the ZDX API host): a 429 reply when over the limit, else the headers to add.
   */
  admit?(clientIp: string): { refused?: SimReply; headers?: Record<string, string> };
  /** A JSON-serialisable snapshot for `GET /__sim/state`. */
  state(): unknown;
  /** Back to the seeded state (tests call this between cases). */
  reset(): void;
}
