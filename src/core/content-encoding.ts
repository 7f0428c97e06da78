/**
 * Content codings (RFC 9110 section 8.4.1) Decoy reads: request bodies are matched decoded, as WireMock
 * does, and a recorded body is decoded to redact it.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/**
 * The body decoded from `encoding` (gzip, deflate, br), or `undefined` for a coding Decoy does not
 * decode (identity, or unknown). Throws when the bytes do not decode, or decode beyond `maxOutputLength`
 * (no zip bombs).
 */
export function decodeContent(body: Buffer, encoding: string, maxOutputLength?: number): Buffer | undefined {
  const options = maxOutputLength === undefined ? {} : { maxOutputLength };
  switch (encoding.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body, options);
    case 'deflate':
      return inflateSync(body, options);
    case 'br':
      return brotliDecompressSync(body, options);
    default:
      return undefined;
  }
}
