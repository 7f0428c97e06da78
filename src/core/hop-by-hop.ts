/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1): meaningful for one connection only. A proxy does not
 * forward them, and a recording does not keep them.
 */
import { rawHeaderJoined } from './raw-headers.js';

export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/**
 * The other header names a `Connection` header lists (RFC 9110 section 7.6.1: a proxy removes them too, as
 * meant for this connection only), lower-cased, from a flat [name, value, ...] list (every `Connection` header
 * of it, as raw-headers joins them); undefined when it names none (the usual `keep-alive` or `close`).
 */
export function connectionListed(headers: readonly string[]): Set<string> | undefined {
  const value = rawHeaderJoined(headers, 'connection');
  if (value === undefined) return undefined;
  let listed: Set<string> | undefined;
  for (const token of value.split(',')) {
    const option = token.trim().toLowerCase();
    if (option !== '' && option !== 'close' && !HOP_BY_HOP_HEADERS.has(option)) (listed ??= new Set()).add(option);
  }
  return listed;
}
