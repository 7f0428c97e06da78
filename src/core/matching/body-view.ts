/**
 * A request body seen through lazily computed, memoized views: the bytes as given, the text decoded
 * once, JSON parsed at most once, XML parsed at most once. Matchers that never look at the body
 * cost nothing; several body matchers on one stub share one parse.
 */
import type { Buffer } from 'node:buffer';
import type { BodyView } from './types.js';
import { jsonTextTooDeep } from '../json-depth.js';
import { parsePermissiveJson } from './permissive-json.js';
import { parseXml } from './xml-document.js';

const NOT_COMPUTED = Symbol('not computed');

class LazyBodyView implements BodyView {
  private textValue: string | undefined;
  private jsonValue: { ok: true; value: unknown } | { ok: false } | undefined;
  private permissiveJsonValue: { ok: true; value: unknown } | { ok: false } | undefined;
  private xmlValue: unknown = NOT_COMPUTED;

  constructor(
    readonly bytes: Buffer,
    private readonly decode: (bytes: Buffer) => string = (b) => b.toString('utf8'),
  ) {}

  get text(): string {
    if (this.textValue === undefined) this.textValue = this.decode(this.bytes);
    return this.textValue;
  }

  json(): { ok: true; value: unknown } | { ok: false } {
    if (this.jsonValue === undefined) {
      // Nested deeper than the matchers can walk: matched as not JSON, instead of overflowing the stack.
      if (jsonTextTooDeep(this.text)) this.jsonValue = { ok: false };
      else {
        try {
          this.jsonValue = { ok: true, value: JSON.parse(this.text) as unknown };
        } catch {
          this.jsonValue = { ok: false };
        }
      }
    }
    return this.jsonValue;
  }

  permissiveJson(): { ok: true; value: unknown } | { ok: false } {
    if (this.permissiveJsonValue === undefined) {
      const strict = this.json();
      this.permissiveJsonValue = strict.ok ? strict : jsonTextTooDeep(this.text) ? { ok: false } : parsePermissiveJson(this.text);
    }
    return this.permissiveJsonValue;
  }

  xml(): unknown | undefined {
    if (this.xmlValue === NOT_COMPUTED) this.xmlValue = parseXml(this.text);
    return this.xmlValue;
  }
}

/**
 * Wraps body bytes in a BodyView; nothing is decoded or parsed until asked for. `decode` turns the
 * bytes into text (default UTF-8; the request passes one for the charset its Content-Type declares).
 */
export function createBodyView(bytes: Buffer, decode?: (bytes: Buffer) => string): BodyView {
  return new LazyBodyView(bytes, decode);
}
