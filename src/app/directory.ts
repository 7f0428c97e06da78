/**
 * The services of one process by name: what `GET /__admin/decoy/services` lists, and where
 * `/__admin/decoy/services/<name>/...` on any port finds that service's admin API.
 */
import type { AdminHandler, ServiceInfo } from '../services/service-admin.js';
import type { Decoy } from './decoy.js';

export interface ServiceEntry {
  readonly decoy: Decoy;
  /** Its own admin API, once started. */
  admin: AdminHandler | undefined;
  info(): ServiceInfo;
}

export class ServiceDirectory {
  readonly #entries = new Map<string, ServiceEntry>();

  /** Adds a service (the main one first: the list keeps that order). */
  add(name: string, entry: ServiceEntry): void {
    this.#entries.set(name, entry);
  }

  remove(name: string): void {
    this.#entries.delete(name);
  }

  decoy(name: string): Decoy | undefined {
    return this.#entries.get(name)?.decoy;
  }

  admin(name: string): AdminHandler | undefined {
    return this.#entries.get(name)?.admin;
  }

  list(): ServiceInfo[] {
    return [...this.#entries.values()].map((e) => e.info());
  }
}
