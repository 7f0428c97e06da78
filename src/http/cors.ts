/**
 * `--cors`: answers browsers' CORS preflights and adds the CORS headers to every stub answer, so a
 * front end on another origin can call Decoy (the Fetch standard's CORS protocol). Without it, Decoy
 * adds nothing, as WireMock does. Stub traffic only: the admin API never gets CORS headers, or any
 * web page a developer opens could read the journal and rewrite the stubs.
 */
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { sendPlainText } from './plain-text.js';

export interface CorsOptions {
  /** Origins allowed to call; `undefined` or `['*']` allows any origin. */
  origins?: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. Default 600. */
  maxAgeSeconds?: number;
}

/** Decides, per request, what CORS headers an answer gets. */
export interface CorsPolicy {
  /**
   * Answers a preflight (returns true: the request is done), or sets the CORS headers on `res` for the
   * answer to come (returns false). Requests without an `Origin` header are left alone. `res` is a
   * CorsResponse when the server was created with `ServerResponse: CorsResponse`, which exposes the
   * answer's headers too.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export function createCorsPolicy(options: CorsOptions = {}): CorsPolicy {
  const any = options.origins === undefined || options.origins.includes('*');
  const allowed = new Set(options.origins ?? []);
  const maxAge = String(options.maxAgeSeconds ?? 600);
  return {
    handle(req, res) {
      const origin = req.headers.origin;
      if (origin === undefined) return false;
      const isPreflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      if (!any && !allowed.has(origin)) {
        if (!isPreflight) return false; // the browser blocks the answer; the server still serves it
        sendPlainText(res, 403, `CORS: origin ${origin} is not in --cors-origins (${[...allowed].join(', ')})\n`, ['Vary', 'Origin']);
        return true;
      }
      // The origin is echoed rather than "*", so that requests with credentials (cookies) work too.
      if (isPreflight) {
        const headers: OutgoingHttpHeaders = {
          'Access-Control-Allow-Origin': origin,
          'Access-Control-Allow-Credentials': 'true',
          'Access-Control-Allow-Methods': req.headers['access-control-request-method'],
          'Access-Control-Max-Age': maxAge,
          Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
          'Content-Length': '0',
        };
        const requested = req.headers['access-control-request-headers'];
        if (requested !== undefined) headers['Access-Control-Allow-Headers'] = requested;
        res.writeHead(204, headers).end();
        req.resume();
        return true;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
      if (res instanceof CorsResponse) res.exposeHeaders = true;
      return false;
    },
  };
}

/**
 * Scripts only see the "safelisted" response headers unless the rest are exposed by name ("*" does not
 * count when credentials are allowed), so the names are taken from the answer as it is written. A
 * subclass given to the server (`ServerResponse: CorsResponse`) rather than a wrapper per request.
 */
export class CorsResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  /** Set for answers to a cross-origin request. */
  exposeHeaders = false;

  override writeHead(status: number, ...rest: unknown[]): this {
    if (this.exposeHeaders) {
      const headers = rest[rest.length - 1];
      const names = Array.isArray(headers)
        ? headers.filter((_, i) => i % 2 === 0).map(String)
        : headers !== null && typeof headers === 'object' ? Object.keys(headers) : [];
      const exposed = names.filter((n) => !n.toLowerCase().startsWith('access-control-'));
      if (exposed.length) this.setHeader('Access-Control-Expose-Headers', [...new Set(exposed)].join(', '));
    }
    return (super.writeHead as (...args: unknown[]) => this)(status, ...rest);
  }
}
