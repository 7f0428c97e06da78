/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1): meaningful for one connection only. A proxy does not
 * forward them, and a recording does not keep them.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/**
 * The other header names a `Connection` header lists (RFC 9110 section 7.6.1: a proxy removes them too, as
 * meant for this connection only), lower-cased, from a flat [name, value, ...] list; undefined when it names
 * none (the usual `keep-alive` or `close`), so the common case allocates nothing.
 */
export function connectionListed(headers: readonly string[]): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const token of headers[i + 1]!.split(',')) {
      const option = token.trim().toLowerCase();
      if (option !== '' && option !== 'close' && !HOP_BY_HOP_HEADERS.has(option)) (listed ??= new Set()).add(option);
    }
  }
  return listed;
}
