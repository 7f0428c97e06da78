/**
 * Each service's admin API is also reachable from every other one, under
 * `/__admin/decoy/services/<name>/...`: one admin address for a Decoy that serves several services.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An admin API as a plain node:http handler. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** One line of `GET /__admin/decoy/services`. */
export interface ServiceInfo {
  name: string;
  port: number;
  /** Where its stubs are served (`http://host:port`). */
  url: string;
  /** `https://host:port`, when it also serves HTTPS. */
  httpsUrl?: string;
  stubsDir: string | null;
  /**
   * Its admin API's path on any of the process's ports (`/__admin/decoy/services/<name>`, the main
   * service's too: plain `/__admin` on a service's port is that service's).
   */
  adminBase: string;
}

const PREFIX = '/__admin/decoy/services/';

/** Hands `/__admin/decoy/services/<name>/rest` to that service's admin API as `/__admin/rest`; the rest to `own`. */
export function routeServiceAdmin(find: (name: string) => AdminHandler | undefined, own: AdminHandler): AdminHandler {
  return (req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith(PREFIX)) {
      const rest = url.slice(PREFIX.length);
      const end = rest.search(/[/?]/);
      let name: string;
      try {
        name = decodeURIComponent(end < 0 ? rest : rest.slice(0, end));
      } catch {
        name = '';
      }
      const target = name === '' ? undefined : find(name);
      if (target !== undefined) {
        req.url = `/__admin${end < 0 ? '' : rest.slice(end)}`;
        target(req, res);
        return;
      }
    }
    own(req, res);
  };
}

/** A service's admin base, the same on every port of the process. */
export function adminBaseOf(name: string): string {
  return `/__admin/decoy/services/${encodeURIComponent(name)}`;
}
