/**
 * The contracts every matcher keeps.
 *
 * A matcher answers two questions. `test()` is the hot path: a yes/no, synchronous, allocating as
 * little as it can. `distance()` is asked only when no stub matched, to rank near misses: 0 means a
 * perfect match, 1 means nowhere near (WireMock's MatchResult distance has the same scale).
 * `explain()` is one sentence that near-miss reports, logs and the UI show.
 */

/** A request body (or any value) seen through lazily computed, memoized views. */
export interface BodyView {
  readonly bytes: Buffer;
  /** The body decoded as UTF-8. */
  readonly text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. Parsed at most once. */
  json(): { ok: true; value: unknown } | { ok: false };
  /**
   * The body as matchesJsonPath reads it (json-smart's permissive mode): the JSON parse when there
   * is one, else the permissive reading, in which text that is not JSON is one string. Parsed at
   * most once.
   */
  permissiveJson(): { ok: true; value: unknown } | { ok: false };
  /** The body parsed as XML, or `undefined` when it is not well-formed XML. Parsed at most once. */
  xml(): unknown | undefined;
}

/** A pattern over one (possibly missing) string value: WireMock's StringValuePattern. */
export interface ValueMatcher {
  /** The operator name as written, e.g. `equalTo`, `matchesJsonPath`, `and`. */
  readonly type: string;
  /** The definition as written, for reports. */
  readonly definition: unknown;
  /** `value` is undefined when the header/parameter/cookie/body is absent. `body` is given for bodies. */
  test(value: string | undefined, body?: BodyView): boolean;
  distance(value: string | undefined, body?: BodyView): number;
  explain(): string;
  /** Why a value does not match, more precisely than "does not match" (the JSON path that differed); for near-miss reports. */
  mismatch?(value: string | undefined, body?: BodyView): string | undefined;
}

/** A pattern over a multi-valued field (headers, query parameters, form parameters): WireMock's MultiValuePattern. */
export interface MultiValueMatcher {
  readonly type: string;
  readonly definition: unknown;
  test(values: readonly string[] | undefined): boolean;
  distance(values: readonly string[] | undefined): number;
  explain(): string;
}
