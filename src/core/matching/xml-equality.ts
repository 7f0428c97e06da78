/**
 * Semantic XML equality for `equalToXml`, reproducing what WireMock asks of XMLUnit: whitespace
 * between elements and around text is ignored, comments are ignored, attribute order and namespace
 * prefixes do not matter (namespace URIs do), siblings with different names may come in any order
 * while same-named siblings keep their order (unless `ignoreOrderOfSameNode`), and only these
 * comparison types count as differences:
 *   ELEMENT_TAG_NAME, NAMESPACE_URI, NODE_TYPE, TEXT_VALUE, ATTR_VALUE, ATTR_NAME_LOOKUP,
 *   ELEMENT_NUM_ATTRIBUTES, CHILD_NODELIST_LENGTH, CHILD_LOOKUP, SCHEMA_LOCATION,
 *   NO_NAMESPACE_SCHEMA_LOCATION, PROCESSING_INSTRUCTION_TARGET, PROCESSING_INSTRUCTION_DATA
 * (minus any `exemptedComparisons`). As in XMLUnit, a comparison whose expected side is empty
 * (an attribute only the actual document has, an expected element without namespace) is not counted.
 *
 * Placeholders (`enablePlaceholders`) in expected text and attribute values, each occupying the whole
 * value: `${xmlunit.ignore}`, `${xmlunit.isNumber}`, `${xmlunit.matchesRegex(regex)}` (found
 * anywhere, as XMLUnit does), `${xmlunit.isDateTime}` / `${xmlunit.isDateTime(pattern)}`, with
 * configurable delimiter regexes.
 *
 * Both documents are first reduced to a small normalized tree; the expected one once, at load time.
 */
import type { Document, Element, Node } from '@xmldom/xmldom';
import { compileDateTimeFormat, DEFAULT_DATE_TIME_PARSER, type DateTimeParser } from './date-time.js';
import { compileFindRegex, regexModeOf, translateJavaRegex, type RegexMode } from './java-regex.js';
import { CDATA_SECTION_NODE, ELEMENT_NODE, PROCESSING_INSTRUCTION_NODE, TEXT_NODE, XMLNS_NAMESPACE } from './xml-document.js';

/** XMLUnit's ComparisonType names, as `exemptedComparisons` lists them. */
export const XML_COMPARISON_TYPES = [
  'ATTR_VALUE_EXPLICITLY_SPECIFIED', 'HAS_DOCTYPE_DECLARATION', 'DOCTYPE_NAME', 'DOCTYPE_PUBLIC_ID', 'DOCTYPE_SYSTEM_ID',
  'SCHEMA_LOCATION', 'NO_NAMESPACE_SCHEMA_LOCATION', 'NODE_TYPE', 'NAMESPACE_PREFIX', 'NAMESPACE_URI', 'TEXT_VALUE',
  'PROCESSING_INSTRUCTION_TARGET', 'PROCESSING_INSTRUCTION_DATA', 'ELEMENT_TAG_NAME', 'ELEMENT_NUM_ATTRIBUTES', 'ATTR_VALUE',
  'CHILD_NODELIST_LENGTH', 'CHILD_NODELIST_SEQUENCE', 'CHILD_LOOKUP', 'ATTR_NAME_LOOKUP', 'XML_VERSION', 'XML_STANDALONE',
  'XML_ENCODING',
] as const;
export type XmlComparisonType = (typeof XML_COMPARISON_TYPES)[number];

const COUNTED: readonly XmlComparisonType[] = [
  'ELEMENT_TAG_NAME', 'SCHEMA_LOCATION', 'NO_NAMESPACE_SCHEMA_LOCATION', 'NODE_TYPE', 'NAMESPACE_URI', 'TEXT_VALUE',
  'PROCESSING_INSTRUCTION_TARGET', 'PROCESSING_INSTRUCTION_DATA', 'ELEMENT_NUM_ATTRIBUTES', 'ATTR_VALUE',
  'CHILD_NODELIST_LENGTH', 'CHILD_LOOKUP', 'ATTR_NAME_LOOKUP',
];

/** WireMock's `namespaceAwareness`: STRICT (default), NONE (names as written), LEGACY (element namespaces ignored). */
export type NamespaceAwareness = 'STRICT' | 'NONE' | 'LEGACY';

export interface XmlEqualityOptions {
  readonly enablePlaceholders: boolean;
  readonly placeholderOpeningDelimiterRegex: string | undefined;
  readonly placeholderClosingDelimiterRegex: string | undefined;
  readonly exemptedComparisons: readonly XmlComparisonType[];
  readonly ignoreOrderOfSameNode: boolean;
  readonly namespaceAwareness: NamespaceAwareness;
}

type Placeholder =
  | { kind: 'ignore' }
  | { kind: 'isNumber' }
  | { kind: 'matchesRegex'; regex: RegExp }
  | { kind: 'isDateTime'; parser: DateTimeParser };

interface XAttr {
  readonly key: string;
  readonly value: string;
  readonly placeholder: Placeholder | undefined;
}

interface XElement {
  readonly kind: 'element';
  /** The key elements are paired by: `{ns}local`, the qualified name, or the local name. */
  readonly key: string;
  readonly local: string;
  readonly ns: string;
  readonly attributes: readonly XAttr[];
  readonly schemaLocation: XAttr | undefined;
  readonly noNamespaceSchemaLocation: XAttr | undefined;
  readonly children: readonly XNode[];
  readonly sortText: string;
}

interface XText {
  readonly kind: 'text' | 'cdata';
  readonly value: string;
  readonly placeholder: Placeholder | undefined;
}

interface XPi {
  readonly kind: 'pi';
  readonly target: string;
  readonly data: string;
}

type XNode = XElement | XText | XPi;

const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Records comparisons: stops at the first counted difference when testing, counts when measuring. */
class Tally {
  total = 0;
  differences = 0;

  constructor(
    private readonly counted: ReadonlySet<XmlComparisonType>,
    private readonly stopEarly: boolean,
  ) {}

  /** Returns false when the comparison should stop. */
  record(type: XmlComparisonType, equal: boolean): boolean {
    if (!this.counted.has(type)) return true;
    this.total++;
    if (equal) return true;
    this.differences++;
    return !this.stopEarly;
  }
}

/**
 * Normalized actual documents, per document and normalization flavour, so that several equalToXml
 * stubs tried against one request body normalize it once. Weak: it lives as long as the request.
 */
const normalizedCache = new WeakMap<Document, Map<string, readonly XNode[]>>();

export class XmlEquality {
  private readonly counted: ReadonlySet<XmlComparisonType>;
  private readonly flavour: string;
  private readonly placeholderPattern: RegExp | undefined;
  private readonly expectedRoot: readonly XNode[];

  /** Throws a SyntaxError for a bad delimiter regex or placeholder regex. */
  constructor(
    expected: Document,
    private readonly options: XmlEqualityOptions,
  ) {
    const exempt = new Set(options.exemptedComparisons);
    this.counted = new Set(COUNTED.filter((type) => !exempt.has(type)));
    if (options.enablePlaceholders) {
      const open = blankToUndefined(options.placeholderOpeningDelimiterRegex);
      const close = blankToUndefined(options.placeholderClosingDelimiterRegex);
      this.placeholderPattern = placeholderPattern(open ?? '\\$\\{', close ?? '\\}');
    }
    this.expectedRoot = this.normalizeChildren(expected, true);
    this.flavour = `${options.namespaceAwareness}/${options.ignoreOrderOfSameNode}`;
  }

  private normalizedActual(actual: Document): readonly XNode[] {
    let byFlavour = normalizedCache.get(actual);
    if (byFlavour === undefined) {
      byFlavour = new Map();
      normalizedCache.set(actual, byFlavour);
    }
    let nodes = byFlavour.get(this.flavour);
    if (nodes === undefined) {
      nodes = this.normalizeChildren(actual, false);
      byFlavour.set(this.flavour, nodes);
    }
    return nodes;
  }

  // Hot path: walks both normalized trees and stops at the first counted difference.
  test(actual: Document): boolean {
    const tally = new Tally(this.counted, true);
    this.compareChildren(this.expectedRoot, this.normalizedActual(actual), tally);
    return tally.differences === 0;
  }

  /** The share of counted comparisons that differ, as WireMock's XML near-miss distance. */
  distance(actual: Document): number {
    const tally = new Tally(this.counted, false);
    this.compareChildren(this.expectedRoot, this.normalizedActual(actual), tally);
    return tally.total === 0 ? 0 : tally.differences / tally.total;
  }

  private parsePlaceholder(text: string): Placeholder | undefined {
    if (this.placeholderPattern === undefined) return undefined;
    const m = this.placeholderPattern.exec(text);
    if (m === null) return undefined;
    const keyword = m.groups!['keyword']!.trim();
    const call = /^([A-Za-z]+)(?:\(([\s\S]*)\))?$/.exec(keyword);
    if (call === null) return undefined;
    const [, name, args] = call;
    switch (name) {
      case 'ignore':
        return { kind: 'ignore' };
      case 'isNumber':
        return { kind: 'isNumber' };
      case 'matchesRegex':
        if (args === undefined || args.trim() === '') return undefined;
        return { kind: 'matchesRegex', regex: compileFindRegex(args.trim()) };
      case 'isDateTime':
        return { kind: 'isDateTime', parser: args === undefined || args.trim() === '' ? DEFAULT_DATE_TIME_PARSER : compileDateTimeFormat(args.trim()) };
      default:
        return undefined;
    }
  }

  private evaluatePlaceholder(placeholder: Placeholder, actual: string | undefined): boolean {
    if (placeholder.kind === 'ignore') return true;
    if (actual === undefined) return false;
    const text = actual.trim();
    switch (placeholder.kind) {
      case 'isNumber':
        return NUMBER.test(text);
      case 'matchesRegex':
        return placeholder.regex.test(text);
      case 'isDateTime': {
        const parsed = placeholder.parser.parse(text);
        return parsed.zoned !== undefined || parsed.local !== undefined;
      }
    }
  }

  private attributeKey(attribute: { namespaceURI: string | null; localName: string | null; nodeName: string }): string {
    if (this.options.namespaceAwareness === 'STRICT') return `{${attribute.namespaceURI ?? ''}}${attribute.localName ?? attribute.nodeName}`;
    return attribute.nodeName;
  }

  private normalizeElement(element: Element, expected: boolean): XElement {
    const mode = this.options.namespaceAwareness;
    const attributes: XAttr[] = [];
    let schemaLocation: XAttr | undefined;
    let noNamespaceSchemaLocation: XAttr | undefined;
    const list = element.attributes;
    for (let i = 0; i < list.length; i++) {
      const attribute = list.item(i);
      if (attribute === null) continue;
      const isDeclaration = attribute.namespaceURI === XMLNS_NAMESPACE;
      if (isDeclaration && mode === 'STRICT') continue;
      if (isDeclaration && mode === 'LEGACY' && attribute.nodeName !== 'xmlns') continue;
      const value = attribute.value;
      const entry: XAttr = { key: this.attributeKey(attribute), value, placeholder: expected ? this.parsePlaceholder(value) : undefined };
      if (attribute.namespaceURI === XSI_NAMESPACE && attribute.localName === 'schemaLocation') schemaLocation = entry;
      else if (attribute.namespaceURI === XSI_NAMESPACE && attribute.localName === 'noNamespaceSchemaLocation') noNamespaceSchemaLocation = entry;
      else attributes.push(entry);
    }
    const local = element.localName ?? element.nodeName;
    const ns = mode === 'STRICT' ? element.namespaceURI ?? '' : '';
    const key = mode === 'STRICT' ? `{${ns}}${local}` : mode === 'NONE' ? element.nodeName : local;
    const children = this.normalizeChildren(element, expected);
    return {
      kind: 'element',
      key,
      local: mode === 'NONE' ? element.nodeName : local,
      ns,
      attributes,
      schemaLocation,
      noNamespaceSchemaLocation,
      children,
      sortText: this.options.ignoreOrderOfSameNode ? (element.textContent ?? '').trim() : '',
    };
  }

  /** Children without comments, blank text, the XML declaration or doctype; text trimmed; sorted by name. */
  private normalizeChildren(parent: Node, expected: boolean): XNode[] {
    const out: XNode[] = [];
    for (let child = parent.firstChild; child !== null; child = child.nextSibling) {
      switch (child.nodeType) {
        case ELEMENT_NODE:
          out.push(this.normalizeElement(child as Element, expected));
          break;
        case TEXT_NODE:
        case CDATA_SECTION_NODE: {
          const value = (child.nodeValue ?? '').trim();
          if (value === '') break;
          out.push({
            kind: child.nodeType === TEXT_NODE ? 'text' : 'cdata',
            value,
            placeholder: expected ? this.parsePlaceholder(value) : undefined,
          });
          break;
        }
        case PROCESSING_INSTRUCTION_NODE:
          if (child.nodeName !== 'xml') out.push({ kind: 'pi', target: child.nodeName, data: child.nodeValue ?? '' });
          break;
        default:
          break;
      }
    }
    // XMLUnit (as WireMock configures it) pairs children after sorting them by local name, which is
    // why differently named siblings may come in any order. The sort is stable.
    out.sort(compareForPairing);
    return out;
  }

  private compareChildren(expected: readonly XNode[], actual: readonly XNode[], tally: Tally): boolean {
    const onlyPlaceholderText =
      expected.length === 1 && expected[0]!.kind !== 'element' && expected[0]!.kind !== 'pi' && expected[0]!.placeholder !== undefined && actual.length === 0;
    const lengthEqual = expected.length === actual.length || (onlyPlaceholderText && this.evaluatePlaceholder((expected[0] as XText).placeholder!, undefined));
    if (!tally.record('CHILD_NODELIST_LENGTH', lengthEqual)) return false;

    const pairs = pairNodes(expected, actual);
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!;
      const a = pairs[i];
      if (a === undefined) {
        const ignored = e.kind !== 'element' && e.kind !== 'pi' && e.placeholder !== undefined && this.evaluatePlaceholder(e.placeholder, undefined);
        if (!tally.record('CHILD_LOOKUP', ignored)) return false;
        continue;
      }
      if (!this.compareNodes(e, a, tally)) return false;
    }
    return true;
  }

  private compareNodes(expected: XNode, actual: XNode, tally: Tally): boolean {
    if (expected.kind === 'element') {
      if (actual.kind !== 'element') return tally.record('NODE_TYPE', false);
      return this.compareElements(expected, actual, tally);
    }
    if (expected.kind === 'pi') {
      if (actual.kind !== 'pi') return tally.record('NODE_TYPE', false);
      return tally.record('PROCESSING_INSTRUCTION_TARGET', expected.target === actual.target) && tally.record('PROCESSING_INSTRUCTION_DATA', expected.data === actual.data);
    }
    if (actual.kind !== 'text' && actual.kind !== 'cdata') return tally.record('NODE_TYPE', false);
    if (expected.placeholder !== undefined) return tally.record('TEXT_VALUE', this.evaluatePlaceholder(expected.placeholder, actual.value));
    return tally.record('NODE_TYPE', expected.kind === actual.kind) && tally.record('TEXT_VALUE', expected.value === actual.value);
  }

  private compareElements(expected: XElement, actual: XElement, tally: Tally): boolean {
    if (!tally.record('ELEMENT_TAG_NAME', expected.local === actual.local)) return false;
    if (expected.ns !== '' && !tally.record('NAMESPACE_URI', expected.ns === actual.ns)) return false;
    if (!tally.record('ELEMENT_NUM_ATTRIBUTES', expected.attributes.length === actual.attributes.length)) return false;
    for (const attribute of expected.attributes) {
      const match = actual.attributes.find((candidate) => candidate.key === attribute.key);
      if (!tally.record('ATTR_NAME_LOOKUP', match !== undefined)) return false;
      if (match !== undefined && !this.compareAttributeValue(attribute, match, tally)) return false;
    }
    for (const [type, e, a] of [
      ['SCHEMA_LOCATION', expected.schemaLocation, actual.schemaLocation],
      ['NO_NAMESPACE_SCHEMA_LOCATION', expected.noNamespaceSchemaLocation, actual.noNamespaceSchemaLocation],
    ] as const) {
      if (e !== undefined && !tally.record(type, a !== undefined && e.value === a.value)) return false;
    }
    return this.compareChildren(expected.children, actual.children, tally);
  }

  private compareAttributeValue(expected: XAttr, actual: XAttr, tally: Tally): boolean {
    const equal = expected.placeholder !== undefined ? this.evaluatePlaceholder(expected.placeholder, actual.value) : expected.value === actual.value;
    return tally.record('ATTR_VALUE', equal);
  }
}

/**
 * `${xmlunit.keyword}` with the delimiters as (Java) regexes. Both delimiters are written for the
 * same JavaScript mode, with distinct generated group names, so that they can share one regex.
 */
function placeholderPattern(open: string, close: string): RegExp {
  const translate = (pattern: string, prefix: string, mode?: RegexMode) => translateJavaRegex(pattern, '', { groupPrefix: prefix, mode });
  let opening = translate(open, '__open');
  let closing = translate(close, '__close');
  const modes = [regexModeOf(opening.flags), regexModeOf(closing.flags)];
  const mode: RegexMode = modes.includes('v') ? 'v' : modes.includes('u') ? 'u' : '';
  if (regexModeOf(opening.flags) !== mode) opening = translate(open, '__open', mode);
  if (regexModeOf(closing.flags) !== mode) closing = translate(close, '__close', mode);
  return new RegExp(`^\\s*${opening.source}\\s*xmlunit\\.(?<keyword>.+?)\\s*${closing.source}\\s*$`, `s${mode}`);
}

function blankToUndefined(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

function sortName(node: XNode): string {
  return node.kind === 'element' ? node.local : '';
}

function compareForPairing(a: XNode, b: XNode): number {
  const byName = sortName(a) < sortName(b) ? -1 : sortName(a) > sortName(b) ? 1 : 0;
  if (byName !== 0 || a.kind !== 'element' || b.kind !== 'element') return byName;
  return a.sortText < b.sortText ? -1 : a.sortText > b.sortText ? 1 : 0;
}

/**
 * Pairs each expected child with an actual one: elements by name (namespace and local name), then
 * leftover elements by local name only, then any leftover elements in order, text with text (CDATA included), processing instructions
 * with processing instructions; each in document order after sorting. Index i of the result is the
 * partner of expected[i], or undefined.
 */
function pairNodes(expected: readonly XNode[], actual: readonly XNode[]): Array<XNode | undefined> {
  const used = new Uint8Array(actual.length);
  const pairs: Array<XNode | undefined> = new Array<XNode | undefined>(expected.length);
  const pass = (accept: (e: XNode, a: XNode) => boolean): void => {
    for (let i = 0; i < expected.length; i++) {
      if (pairs[i] !== undefined) continue;
      const e = expected[i]!;
      for (let j = 0; j < actual.length; j++) {
        if (used[j] || !accept(e, actual[j]!)) continue;
        used[j] = 1;
        pairs[i] = actual[j];
        break;
      }
    }
  };
  pass((e, a) => (e.kind === 'element' ? a.kind === 'element' && a.key === e.key : e.kind === 'pi' ? a.kind === 'pi' : a.kind === 'text' || a.kind === 'cdata'));
  pass((e, a) => e.kind === 'element' && a.kind === 'element' && a.local === e.local);
  // Whatever is left is paired in order, so that a renamed element is reported as a different name
  // (and is equal when ELEMENT_TAG_NAME is exempted), not as a missing child.
  pass((e, a) => e.kind === 'element' && a.kind === 'element');
  return pairs;
}
