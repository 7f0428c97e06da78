/**
 * Response compression as WireMock's Jetty (its GzipHandler) applies it: a 2xx answer with a body,
 * to a request that accepts gzip, is sent gzipped, unless the stub already set a Content-Encoding or
 * the type is one that is compressed already (images but SVG, audio, video, archives, event streams).
 * A stub's response is compressed once and the result kept with it; a rendered body is compressed per request.
 */
import { rawHeader } from '../core/raw-headers.js';
import type { WireResponse } from '../core/response/wire-response.js';

const EXCLUDED_TYPES = new Set([
  'application/compress', 'application/zip', 'application/gzip', 'application/brotli', 'application/x-xz',
  'application/x-rar-compressed', 'text/event-stream',
]);

/** Whether an Accept-Encoding value accepts gzip (named with a non-zero weight; `*` is not enough for Jetty). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined || !/gzip/i.test(acceptEncoding)) return false;
  for (const part of acceptEncoding.split(',')) {
    const [coding, ...params] = part.split(';');
    if (coding!.trim().toLowerCase() !== 'gzip') continue;
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
    return q === undefined || Number(q) > 0;
  }
  return false;
}

/** The bytes in an ArrayBuffer of their own size. */
function copyOut(bytes: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return own;
}

function isCompressibleType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'image/svg+xml') return true;
  if (type.startsWith('image/') || type.startsWith('audio/') || type.startsWith('video/')) return false;
  return !EXCLUDED_TYPES.has(type);
}

/**
 * The verdict for the last Accept-Encoding value seen: a client sends the same value on every request,
 * so the parse runs once per distinct value in a row rather than once per request.
 */
let lastAcceptEncoding: string | undefined;
let lastAcceptsGzip = false;

function requestAcceptsGzip(rawHeaders: readonly string[]): boolean {
  const value = rawHeader(rawHeaders, 'accept-encoding');
  if (value === undefined) return false;
  if (value !== lastAcceptEncoding) {
    lastAcceptsGzip = acceptsGzip(value);
    lastAcceptEncoding = value;
  }
  return lastAcceptsGzip;
}

/**
 * The headers a gzipped answer is sent with (no Content-Length yet), or undefined when WireMock would
 * send this response as it is: a Content-Encoding already set, or a type that is compressed already.
 */
function gzippedHeaders(r: WireResponse): string[] | undefined {
  let contentType: string | undefined;
  const headers: string[] = [];
  for (let i = 0; i + 1 < r.headers.length; i += 2) {
    const name = r.headers[i]!.toLowerCase();
    if (name === 'content-encoding') return undefined;
    if (name === 'content-type') contentType = r.headers[i + 1];
    if (name !== 'content-length') headers.push(r.headers[i]!, r.headers[i + 1]!);
  }
  if (!isCompressibleType(contentType)) return undefined;
  headers.push('Content-Encoding', 'gzip');
  return headers;
}

function isGzipCandidate(method: string | undefined, rawHeaders: readonly string[], r: WireResponse): boolean {
  return r.body.length > 0 && r.status >= 200 && r.status <= 299 && r.status !== 204
    && method !== 'HEAD' && method !== 'OPTIONS' && requestAcceptsGzip(rawHeaders);
}

/**
 * Each response object's gzipped form (null: sent as it is), kept with it: a stub's response is one
 * object for its life, so its body is compressed and its header list built once, not per request.
 */
const compressed = new WeakMap<WireResponse, WireResponse | null>();

/**
 * The response as sent to this request: gzipped when WireMock would gzip it, else the same object.
 * Hot path: cheap when the request does not ask for gzip (a scan of the raw header names), and for a
 * stub's response one WeakMap lookup when it does.
 */
export function gzipIfAccepted(method: string | undefined, rawHeaders: readonly string[], r: WireResponse): WireResponse {
  if (!isGzipCandidate(method, rawHeaders, r)) return r;
  let z = compressed.get(r);
  if (z === undefined) {
    const headers = gzippedHeaders(r);
    if (headers === undefined) {
      z = null;
    } else {
      // node:zlib is loaded on the first body compressed, not at start (it cost a start some 2 ms of CPU).
      const zipped = process.getBuiltinModule('node:zlib').gzipSync(r.body);
      // zlib hands back a view into a larger chunk (its 16 KiB output chunk on Node 20; on Node 24 a 64 KiB
      // slab): kept as it is, every stub served gzipped once would hold that chunk for a body of a few
      // bytes. A copy into memory of its own (not Buffer's pool, which is such a slab too) holds only its bytes.
      const body = zipped.buffer.byteLength > 2 * zipped.length ? copyOut(zipped) : zipped;
      headers.push('Content-Length', String(body.length));
      z = { ...r, headers, body };
    }
    compressed.set(r, z);
  }
  return z ?? r;
}

/**
 * For a response whose body is streamed rather than held (`r.body` is only a part of it): the headers
 * to send it gzipped with, chunked and compressed off the event loop, or undefined to send it as it is.
 */
export function gzipHeadersForStream(method: string | undefined, rawHeaders: readonly string[], r: WireResponse): string[] | undefined {
  return isGzipCandidate(method, rawHeaders, r) ? gzippedHeaders(r) : undefined;
}
