/**
 * Admin API errors: handlers throw an AdminProblem (or a DecoyError), and one middleware answers it.
 * By default the answer is exactly WireMock's error document, `{"errors":[{code, source, title,
 * detail}]}` and nothing else: WireMock's Java client parses it strictly, and any other member turns
 * its ClientError / InvalidInputException / NotRecordingException into "Error parsing JSON". A client
 * that asks for `application/problem+json` gets the richer RFC 9457 problem document (type, title,
 * status, detail) with the `errors` array in it, where Decoy also explains what WireMock only titles.
 */
import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { isDecoyError } from '../core/errors.js';

export interface ProblemDetail {
  pointer?: string;
  detail: string;
  /** WireMock's short `errors[].title`, when it differs from the detail. */
  title?: string;
  /** Decoy's error code (`DECOY_ERR_...`), when a DecoyError caused the problem. */
  code?: string;
  /** WireMock's error has only a title here: the detail is Decoy's, sent in the problem document only. */
  isDecoyDetail?: boolean;
}

export class AdminProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly details: ProblemDetail[];
  /** The `code` WireMock puts in its `errors` array (10: bad JSON or stub, 11: bad scenario state); the status otherwise. */
  readonly wireMockCode: number;
  /** WireMock answers this one with no body at all (an unknown id, an unknown path); the problem document only when asked for. */
  readonly isBodilessForWireMock: boolean;

  constructor(status: number, title: string, details: ProblemDetail[] = [], wireMockCode = status === 422 ? 10 : status, isBodilessForWireMock = false) {
    super(title);
    this.name = 'AdminProblem';
    this.status = status;
    this.title = title;
    this.details = details;
    this.wireMockCode = wireMockCode;
    this.isBodilessForWireMock = isBodilessForWireMock;
  }
}

/**
 * Recognizes an AdminProblem by its shape as well as its class: the admin API is loaded lazily, and a
 * problem thrown by code loaded through another module graph (a test loader, say) is still one.
 */
export function isAdminProblem(e: unknown): e is AdminProblem {
  return e instanceof AdminProblem || (e instanceof Error && e.name === 'AdminProblem' && typeof (e as AdminProblem).status === 'number' && Array.isArray((e as AdminProblem).details));
}

/**
 * An unknown id. On WireMock's paths WireMock answers it with an empty 404 (its Java client reads the
 * empty body as such); `onWireMockPath: false` for Decoy's own endpoints, which always explain.
 */
export function notFound(what: string, onWireMockPath = true): AdminProblem {
  return new AdminProblem(404, `${what} not found`, [], 404, onWireMockPath);
}

/**
 * WireMock's `errors` array. WireMock titles every body it cannot read (code 10 with a 422)
 * "Error parsing JSON" and says why in `detail`; its other errors carry only a title. A detail that
 * repeats the title is left out, as WireMock leaves it out.
 */
function wireMockErrors(status: number, title: string, details: ProblemDetail[], code: number, withDecoyDetails: boolean): Array<Record<string, unknown>> {
  const unreadable = status === 422 && code === 10;
  if (details.length === 0) return [{ code, title: unreadable ? 'Error parsing JSON' : title }];
  return details.map((d) => {
    const shown = d.title ?? (unreadable ? 'Error parsing JSON' : title);
    // WireMock's document has no room for Decoy's error code: it leads the detail.
    const detail = d.code !== undefined ? `${d.code}: ${d.detail}` : d.detail;
    return {
      code,
      ...(d.pointer !== undefined ? { source: { pointer: d.pointer } } : {}),
      title: shown,
      ...(detail !== shown && (withDecoyDetails || !d.isDecoyDetail) ? { detail } : {}),
    };
  });
}

/** Whether the client asked for RFC 9457's problem document (`Accept: application/problem+json`). */
export function wantsProblemJson(accept: string | undefined): boolean {
  return /application\/problem\+json/i.test(accept ?? '');
}

export function sendProblem(res: Response, status: number, title: string, details: ProblemDetail[], code = status, isBodilessForWireMock = false): void {
  const asked = wantsProblemJson(res.req?.headers.accept);
  const errors = wireMockErrors(status, title, details, code, asked);
  if (!asked && isBodilessForWireMock) {
    res.status(status).end();
    return;
  }
  if (!asked) {
    res.status(status).type('application/json').send(JSON.stringify({ errors }));
    return;
  }
  res.status(status).type('application/problem+json').send(JSON.stringify({
    type: 'about:blank',
    title,
    status,
    ...(details.length ? { detail: details.map((d) => (d.pointer ? `${d.pointer}: ${d.detail}` : d.detail)).join('; ') } : {}),
    errors,
  }));
}

/** The one error middleware: every failure becomes a problem document; nothing is half-applied before it. */
export function problemMiddleware(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (isAdminProblem(err)) {
    sendProblem(res, err.status, err.title, err.details, err.wireMockCode, err.isBodilessForWireMock);
    return;
  }
  if (isDecoyError(err)) {
    sendProblem(res, 422, err.code, [{ pointer: err.source?.pointer, code: err.code, detail: err.message + (err.hint ? ` (hint: ${err.hint})` : '') }], 10);
    return;
  }
  const e = err as { type?: string; status?: number; expose?: boolean; message?: string };
  if (e.type === 'entity.too.large') {
    sendProblem(res, 413, 'Request body too large', [{ detail: e.message ?? 'too large' }]);
    return;
  }
  // express and its body parsers mark the client's mistakes (a bad %-escape in a path parameter, an
  // unknown charset or Content-Encoding, a corrupt gzip body) with a 4xx status: answer that, not 500.
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose !== false) {
    sendProblem(res, e.status, STATUS_CODES[e.status] ?? 'Bad request', [{ detail: e.message ?? String(err) }]);
    return;
  }
  sendProblem(res, 500, 'Internal error', [{ detail: e.message ?? String(err) }]);
}
