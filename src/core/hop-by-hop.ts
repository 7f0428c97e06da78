/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1): meaningful for one connection only. A proxy does not
 * forward them, and a recording does not keep them.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
]);
