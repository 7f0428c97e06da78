/**
 * An immutable, indexed set of stubs. A reload builds a new StubSet and swaps it in at once, so a
 * request sees the old set or the new one, never a mix.
 *
 * Lookup cost does not grow with the number of exact-path stubs: a request looks only at
 *   1. the stubs whose exact path is the request's path (a Map lookup),
 *   2. the templates and regexes whose literal first segment is the request's first segment,
 *   3. the stubs that could match any path (no URL key, or a pattern with no certain prefix),
 *   4. the GraphQL stubs (exact path or none) that name the request's GraphQL operation: they are kept
 *      out of 1 and 3 and found by operation name, so a thousand GraphQL stubs on `/graphql` cost a
 *      thousand REST stubs' lookup, not a scan (the request's operation name is read once, and only
 *      when its path is one such a stub could match).
 * Each bucket is sorted once, at build time, in WireMock's order (priority ascending, then most
 * recently added first), and the four are merged on the fly.
 */
import type { DecoyRequest } from '../request.js';
import type { Stub } from '../stub.js';
import { firstSegment } from './url-matchers.js';

/** WireMock's order: lower priority number first; among equals, the most recently added first. */
export function compareStubs(a: Stub, b: Stub): number {
  return a.priority - b.priority || b.sequence - a.sequence;
}

const NONE: readonly Stub[] = [];

export class StubSet {
  /** Every stub, in matching order. */
  readonly all: readonly Stub[];
  readonly #exact = new Map<string, Stub[]>();
  readonly #segment = new Map<string, Stub[]>();
  readonly #any: Stub[] = [];
  readonly #graphql = new Map<string, Stub[]>();
  /** The exact paths the GraphQL bucket's stubs are on; undefined once one of them matches any path. */
  #graphqlPaths: Set<string> | undefined = new Set();
  readonly #byId = new Map<string, Stub>();

  constructor(stubs: Iterable<Stub>) {
    const all = [...stubs].sort(compareStubs);
    this.all = all;
    for (const stub of all) {
      this.#byId.set(stub.id, stub);
      const key = stub.request.indexKey;
      const operation = stub.request.graphqlOperation;
      if (operation !== undefined && key.kind !== 'segment') {
        push(this.#graphql, operation, stub);
        if (key.kind === 'exact') this.#graphqlPaths?.add(key.path);
        else this.#graphqlPaths = undefined;
      } else if (key.kind === 'exact') push(this.#exact, key.path, stub);
      else if (key.kind === 'segment') push(this.#segment, key.segment, stub);
      else this.#any.push(stub);
    }
  }

  get size(): number {
    return this.all.length;
  }

  get(id: string): Stub | undefined {
    return this.#byId.get(id);
  }

  /**
   * The first stub, in matching order, that matches the request and that `accept` allows (the
   * scenario check). Hot path: three cursors over presorted arrays, no intermediate array.
   */
  find(req: DecoyRequest, accept?: (stub: Stub) => boolean): Stub | undefined {
    const a = this.#exact.get(req.path) ?? NONE;
    const b = this.#segment.size === 0 ? NONE : this.#segment.get(firstSegment(req.path)) ?? NONE;
    const c = this.#any;
    const d = this.#graphql.size === 0 ? NONE : this.#graphqlCandidates(req);
    let i = 0, j = 0, k = 0, l = 0;
    for (;;) {
      let next: Stub | undefined = a[i];
      let from = 0;
      const sb = b[j];
      if (sb !== undefined && (next === undefined || compareStubs(sb, next) < 0)) { next = sb; from = 1; }
      const sc = c[k];
      if (sc !== undefined && (next === undefined || compareStubs(sc, next) < 0)) { next = sc; from = 2; }
      const sd = d[l];
      if (sd !== undefined && (next === undefined || compareStubs(sd, next) < 0)) { next = sd; from = 3; }
      if (next === undefined) return undefined;
      if (from === 0) i++; else if (from === 1) j++; else if (from === 2) k++; else l++;
      if (next.request.test(req) && (accept === undefined || accept(next))) return next;
    }
  }

  /** The GraphQL stubs named after the request's single operation, when its path is one they are on. */
  #graphqlCandidates(req: DecoyRequest): readonly Stub[] {
    if (this.#graphqlPaths !== undefined && !this.#graphqlPaths.has(req.path)) return NONE;
    const payload = req.graphql;
    if (payload === undefined || payload.batch) return NONE;
    const name = payload.calls[0]!.name;
    return name === undefined ? NONE : this.#graphql.get(name) ?? NONE;
  }
}

function push(map: Map<string, Stub[]>, key: string, stub: Stub): void {
  const list = map.get(key);
  if (list) list.push(stub);
  else map.set(key, [stub]);
}
