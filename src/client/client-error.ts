/**
 * The error every failed admin call throws. The server answers errors as a problem document (`application/problem+json` when asked for)
 * (RFC 9457) carrying WireMock's `errors` array; this error keeps its title and the per-field details,
 * and says in its message which call failed and why.
 */

/** One problem the server found, usually with a JSON pointer to the offending field of what was sent. */
export interface ProblemDetail {
  /** RFC 6901 JSON pointer into the request body (`/response/status`), or `?name` for a query parameter. */
  pointer?: string;
  /** What is wrong, in one sentence. */
  title: string;
}

/** Thrown by every `DecoyClient` method when the server answers with a non-2xx status, or does not answer. */
export class DecoyClientError extends Error {
  /** The HTTP status; 0 when no answer came (connection refused, DNS failure, ...). */
  readonly status: number;
  /** The problem's title (`Invalid stub`), or the status text when the answer was not a problem document. */
  readonly title: string;
  /** The problems the server listed, in order; empty when it gave none beyond the title. */
  readonly details: readonly ProblemDetail[];
  /** The method of the failed call. */
  readonly method: string;
  /** The path (and query) of the failed call, e.g. `/__admin/mappings`. */
  readonly path: string;

  /**
   * @param init.cause the underlying error, when no answer came
   */
  constructor(init: { method: string; path: string; status: number; title: string; details?: readonly ProblemDetail[]; cause?: unknown }) {
    const details = init.details ?? [];
    const reasons = details.map((d) => (d.pointer ? `${d.pointer}: ${d.title}` : d.title)).join('; ');
    const answer = init.status === 0 ? 'no answer' : String(init.status);
    super(`${init.method} ${init.path} → ${answer} ${init.title}${reasons ? `: ${reasons}` : ''}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'DecoyClientError';
    this.status = init.status;
    this.title = init.title;
    this.details = details;
    this.method = init.method;
    this.path = init.path;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads title and details from an error answer. WireMock's own errors carry only `errors[]`; Decoy's
 * also carry RFC 9457's `title`. A detail that only repeats the title is dropped, so the message does
 * not say it twice.
 */
export function problemOf(body: unknown, statusText: string): { title: string; details: ProblemDetail[] } {
  if (!isObject(body)) return { title: statusText, details: [] };
  const errors = Array.isArray(body.errors) ? body.errors.filter(isObject) : [];
  const details: ProblemDetail[] = errors.map((e) => {
    // Decoy's `detail` is the full reason; WireMock's errors mostly have only a title.
    const text = typeof e.detail === 'string' ? e.detail : typeof e.title === 'string' ? e.title : JSON.stringify(e);
    const pointer = isObject(e.source) && typeof e.source.pointer === 'string' && e.source.pointer !== '' ? e.source.pointer : undefined;
    return pointer === undefined ? { title: text } : { pointer, title: text };
  });
  const title = typeof body.title === 'string' ? body.title : details.length === 1 && details[0]!.pointer === undefined ? details[0]!.title : statusText;
  return { title, details: details.filter((d) => d.pointer !== undefined || d.title !== title) };
}
