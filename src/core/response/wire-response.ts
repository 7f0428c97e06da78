/** The bytes of a response, as the wire needs them: what every renderer returns. */
export interface WireResponse {
  readonly status: number;
  readonly statusMessage?: string | undefined;
  /** Flat [name, value, ...], including Content-Length. */
  readonly headers: readonly string[];
  readonly body: Buffer;
}
