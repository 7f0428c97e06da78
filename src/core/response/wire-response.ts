import type { Random } from '../faults/random.js';
import type { DecoyRequest } from '../request.js';

/** The bytes of a response, as the wire needs them: what every renderer returns. */
export interface WireResponse {
  readonly status: number;
  readonly statusMessage?: string | undefined;
  /** Flat [name, value, ...], including Content-Length. */
  readonly headers: readonly string[];
  readonly body: Buffer;
}

/** What a dynamic response sees when it is worked out for one request. */
export interface RenderContext {
  readonly request: DecoyRequest;
  /** The engine's random source: `--seed` makes generated values reproducible. */
  readonly random: Random;
  readonly stub: { readonly id: string; readonly name: string | undefined };
  /**
   * Set with `--stable-data`: generated values then depend only on the request and this number
   * (the seed, or 0), not on the order of requests.
   */
  readonly stableSeed?: number | undefined;
  /** The connection the request came on, when the transport tells (templates read `request.scheme`, `request.clientIp`). */
  readonly connection?: { readonly scheme: string; readonly clientIp: string } | undefined;
  /** A resource's items by collection path, as templates read them (`{{resource '/orders'}}`); set by the engine. */
  readonly resourceItems?: ((name: string) => readonly unknown[]) | undefined;
  /** A scenario's current state by name, as templates read it (`{{scenarioState 'checkout'}}`); set by the engine. */
  readonly scenarioState?: ((name: string) => string) | undefined;
}

/**
 * Works out status, headers and body for one request (templates, data generated from a schema).
 * Compiled at load like everything else; a renderer only fills in what depends on the request.
 * The headers it returns include Content-Length, in a list of its own made for this request, which
 * the caller may extend (the stub appends Matched-Stub-Id to it rather than copying it again).
 */
export type ResponseRenderer = (ctx: RenderContext) => WireResponse;
