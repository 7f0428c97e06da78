/**
 * Content codings (RFC 9110 section 8.4.1) Decoy reads: request bodies are matched decoded, as WireMock
 * does, and a recorded body is decoded to redact it.
 */
// node:zlib is loaded on the first encoded body (process.getBuiltinModule), not when Decoy starts: loading it
// cost a start some 2 ms of CPU before the first request, which needs it only for an encoded body.

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
      return process.getBuiltinModule('node:zlib').gunzipSync(body, options);
    case 'deflate':
      return process.getBuiltinModule('node:zlib').inflateSync(body, options);
    case 'br':
      return process.getBuiltinModule('node:zlib').brotliDecompressSync(body, options);
    default:
      return undefined;
  }
}
