/**
 * Response compression as WireMock's Jetty (its GzipHandler) applies it: a 2xx answer with a body,
 * to a request that accepts gzip, is sent gzipped, unless the stub already set a Content-Encoding or
 * the type is one that is compressed already (images but SVG, audio, video, archives, event streams).
 * A stub's body is compressed once and the result kept with it; a rendered body is compressed per request.
 */
import { gzipSync } from 'node:zlib';
import type { WireResponse } from '../core/faults/plan.js';

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

function isCompressibleType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'image/svg+xml') return true;
  if (type.startsWith('image/') || type.startsWith('audio/') || type.startsWith('video/')) return false;
  return !EXCLUDED_TYPES.has(type);
}

/**
 * The request's Accept-Encoding, read from the raw header list: Node's `headers` object is built on
 * first use, and the hot path does not build it for this one header.
 */
function acceptEncodingOf(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 15 && name.toLowerCase() === 'accept-encoding') return rawHeaders[i + 1];
  }
  return undefined;
}

/** Compressed bodies of stubs' responses, by the body buffer (a stub's body is one buffer for its life). */
const compressed = new WeakMap<Buffer, Buffer>();

/**
 * The response as sent to this request: gzipped when WireMock would gzip it, else the same object.
 * Hot path: cheap when the request does not ask for gzip (a scan of the raw header names).
 */
export function gzipIfAccepted(method: string | undefined, rawHeaders: readonly string[], r: WireResponse): WireResponse {
  if (r.body.length === 0 || r.status < 200 || r.status > 299 || r.status === 204 || !acceptsGzip(acceptEncodingOf(rawHeaders))) return r;
  if (method === 'HEAD' || method === 'OPTIONS') return r;
  let contentType: string | undefined;
  const headers: string[] = [];
  for (let i = 0; i + 1 < r.headers.length; i += 2) {
    const name = r.headers[i]!.toLowerCase();
    if (name === 'content-encoding') return r;
    if (name === 'content-type') contentType = r.headers[i + 1];
    if (name !== 'content-length') headers.push(r.headers[i]!, r.headers[i + 1]!);
  }
  if (!isCompressibleType(contentType)) return r;
  let body = compressed.get(r.body);
  if (body === undefined) {
    body = gzipSync(r.body);
    compressed.set(r.body, body);
  }
  headers.push('Content-Encoding', 'gzip', 'Content-Length', String(body.length));
  return { ...r, headers, body };
}
