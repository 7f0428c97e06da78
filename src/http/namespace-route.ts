/**
 * Which namespace a stub request is for: the namespace header (`X-Decoy-Namespace` unless configured
 * otherwise), or, with `--namespace-path-prefix /ns`, a path `/ns/<name>/rest...`, served as `/rest...`.
 * A request with neither is the default namespace's: one header lookup is all it costs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDecoyError } from '../core/errors.js';
import { rawHeaderJoined } from '../core/raw-headers.js';
import type { Namespaces } from '../core/namespaces/namespaces.js';
import { sendPlainText } from './plain-text.js';

export const DEFAULT_NAMESPACE_HEADER = 'X-Decoy-Namespace';

export interface NamespaceRouting {
  readonly namespaces: Namespaces;
  /** The header that names the namespace, lower-case (as Node keys `req.headers`). */
  readonly header: string;
  /** `/ns`: a path under it names the namespace in its next segment. */
  readonly pathPrefix: string | undefined;
}

/** A request's namespace: its name, where the name came from (for errors), and the URL the namespace serves. */
export interface RoutedRequest {
  readonly name: string;
  readonly where: string;
  readonly url: string;
}

/** The namespace a request names, or undefined for the default namespace. Hot path: one header lookup without a prefix. */
export function routeNamespace(routing: NamespaceRouting, req: IncomingMessage): RoutedRequest | undefined {
  const url = req.url ?? '/';
  const prefix = routing.pathPrefix;
  if (prefix !== undefined && url.startsWith(prefix) && url.charCodeAt(prefix.length) === 47 /* / */) {
    const start = prefix.length + 1;
    let end = start;
    while (end < url.length && url[end] !== '/' && url[end] !== '?') end++;
    const rest = url.slice(end);
    return { name: url.slice(start, end), where: `the path prefix ${prefix}/<name>`, url: rest.startsWith('/') ? rest : `/${rest}` };
  }
  const named = rawHeaderJoined(req.rawHeaders, routing.header);
  if (named === undefined) return undefined;
  return { name: named, where: `the ${routing.header} header`, url };
}

/** Answers a request whose namespace cannot be used (a bad name: 400; too many namespaces: 429); false for any other error. */
export function answerNamespaceRefusal(res: ServerResponse, e: unknown): boolean {
  if (!isDecoyError(e)) return false;
  const status = e.code === 'DECOY_ERR_NAMESPACE_INVALID' ? 400 : e.code === 'DECOY_ERR_NAMESPACE_LIMIT' ? 429 : 0;
  if (status === 0) return false;
  sendPlainText(res, status, `${e.code} ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`);
  return true;
}
