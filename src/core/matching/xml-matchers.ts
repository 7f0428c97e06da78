/**
 * `equalToXml` and `matchesXPath`.
 *
 * matchesXPath follows WireMock 3: without `xPathNamespaces` the document is read namespace-blind
 * (an unprefixed name test such as `/a/b` matches elements in a default namespace; a prefixed one
 * resolves through the document's own declarations, where WireMock would find nothing), with them
 * exactly the given prefixes apply. The simple form matches when the expression selects at least one node (a
 * number or non-empty string result counts as found; a boolean result counts when true). The
 * advanced form `{ expression, <pattern> }` matches when the pattern matches any selected node,
 * rendered as WireMock renders it (text and attributes as text, elements as indented XML).
 */
import type { Document, Node } from '@xmldom/xmldom';
import { createRequire } from 'node:module';
import { joinPointer } from '../errors.js';
import {
  abbreviate,
  asClause,
  compileError,
  describeType,
  isPlainObject,
  quote,
  readOptionalBoolean,
  readOptionalString,
  readStringOperand,
  type CompileContext,
  type OperatorSpec,
} from './matcher-support.js';
import type { BodyView, ValueMatcher } from './types.js';
import { isXmlDocument, parseXml, parseXmlDetailed, renderXPathNode } from './xml-document.js';
import { XML_COMPARISON_TYPES, XmlEquality, type NamespaceAwareness, type XmlComparisonType } from './xml-equality.js';

/** The request's XML document: the body's memoized parse when there is a body, else a parse of the value. */
function documentOf(value: string | undefined, body: BodyView | undefined): Document | undefined {
  if (body !== undefined && body.text === value) {
    const parsed = body.xml();
    return isXmlDocument(parsed) ? parsed : undefined;
  }
  return value === undefined ? undefined : parseXml(value);
}

class EqualToXmlMatcher implements ValueMatcher {
  readonly type = 'equalToXml';

  constructor(
    readonly definition: unknown,
    private readonly expectedText: string,
    private readonly equality: XmlEquality,
    private readonly placeholders: boolean,
  ) {}

  test(value: string | undefined, body?: BodyView): boolean {
    if (value === undefined || value === '') return false;
    const document = documentOf(value, body);
    return document !== undefined && this.equality.test(document);
  }

  distance(value: string | undefined, body?: BodyView): number {
    if (value === undefined || value === '') return 1;
    const document = documentOf(value, body);
    return document === undefined ? 1 : this.equality.distance(document);
  }

  explain(): string {
    return `is XML equal to ${abbreviate(this.expectedText)}${this.placeholders ? ' (with placeholders)' : ''}`;
  }
}

/** The parts of the xpath package its type declarations leave out: parsed expressions and result types. */
interface XPathResultValue {
  booleanValue(): boolean;
  numberValue(): number;
  stringValue(): string;
}
interface XPathNodeSet extends XPathResultValue {
  toArray(): unknown[];
}
interface XPathExpression {
  evaluate(options: { node: unknown; namespaces?: Readonly<Record<string, string>>; allowAnyNamespaceForNoPrefix?: boolean }): XPathResultValue;
}
interface XPathRuntime {
  parse(expression: string): XPathExpression;
  select(expression: string, node: unknown): unknown;
  XNodeSet: abstract new (...args: never[]) => unknown;
  XBoolean: abstract new (...args: never[]) => unknown;
  XNumber: abstract new (...args: never[]) => unknown;
}
let loadedXPath: XPathRuntime | undefined;
/**
 * The xpath package, loaded on first use: most stub sets have no XPath, and start-up should not pay
 * for importing it. It is CommonJS, so a synchronous require keeps compilation synchronous.
 */
export function xpathRuntime(): XPathRuntime {
  return (loadedXPath ??= createRequire(import.meta.url)('xpath') as XPathRuntime);
}

class MatchesXPathMatcher implements ValueMatcher {
  readonly type = 'matchesXPath';

  constructor(
    readonly definition: unknown,
    private readonly expression: string,
    private readonly compiled: XPathExpression,
    private readonly namespaces: Readonly<Record<string, string>> | undefined,
    private readonly nested: ValueMatcher | undefined,
  ) {}

  /** The selected nodes rendered as strings, or undefined when nothing was selected. */
  private select(document: Document): string[] | undefined {
    let result: XPathResultValue;
    try {
      result = this.compiled.evaluate({
        node: document,
        ...(this.namespaces === undefined ? { allowAnyNamespaceForNoPrefix: true } : { namespaces: this.namespaces }),
      });
    } catch {
      // An unbound prefix or a function applied to the wrong type: no match, as in WireMock.
      return undefined;
    }
    if (result instanceof xpathRuntime().XNodeSet) {
      const nodes = (result as XPathNodeSet).toArray() as Node[];
      return nodes.length === 0 ? undefined : nodes.map(renderXPathNode);
    }
    if (result instanceof xpathRuntime().XBoolean) return result.booleanValue() ? ['true'] : undefined;
    if (result instanceof xpathRuntime().XNumber) return [formatXPathNumber(result.numberValue())];
    const text = result.stringValue();
    return this.nested === undefined && text === '' ? undefined : [text];
  }

  test(value: string | undefined, body?: BodyView): boolean {
    const document = documentOf(value, body);
    if (document === undefined) return false;
    const selected = this.select(document);
    if (selected === undefined) return false;
    if (this.nested === undefined) return true;
    for (const text of selected) if (this.nested.test(text)) return true;
    return false;
  }

  distance(value: string | undefined, body?: BodyView): number {
    const document = documentOf(value, body);
    if (document === undefined) return 1;
    const selected = this.select(document);
    if (selected === undefined) return 1;
    if (this.nested === undefined) return 0;
    let best = 1;
    for (const text of selected) best = Math.min(best, this.nested.distance(text));
    return best;
  }

  explain(): string {
    const ns = this.namespaces === undefined ? '' : ` (namespaces ${Object.entries(this.namespaces).map(([p, u]) => `${p}=${u}`).join(', ')})`;
    return this.nested === undefined ? `has XPath ${this.expression}${ns}` : `has XPath ${this.expression}${ns} ${asClause(this.nested.explain())}`;
  }
}

/**
 * Java's NumberFormat.getInstance() (en-US): grouping separators, at most three decimals. Made on first
 * use: the first Intl formatter of a process costs some 10 ms, which start-up should not pay.
 */
let numberFormat: Intl.NumberFormat | undefined;

function formatXPathNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  return (numberFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 })).format(n);
}

function readNamespaces(value: unknown, pointer: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw compileError(`xPathNamespaces must be an object of prefix: URI (got ${describeType(value)})`, pointer);
  const out: Record<string, string> = {};
  for (const [prefix, uri] of Object.entries(value)) {
    if (typeof uri !== 'string') throw compileError(`xPathNamespaces.${prefix} must be a namespace URI string`, joinPointer(pointer, prefix));
    out[prefix] = uri;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function compileXPath(expression: string, pointer: string): XPathExpression {
  try {
    return xpathRuntime().parse(expression);
  } catch (err) {
    throw compileError(`matchesXPath has an invalid XPath ${quote(expression)}: ${(err as Error).message}`, pointer);
  }
}

function compileMatchesXPath(def: Readonly<Record<string, unknown>>, pointer: string, ctx: CompileContext): ValueMatcher {
  const operand = def['matchesXPath'];
  const at = joinPointer(pointer, 'matchesXPath');
  let namespaces = readNamespaces(def['xPathNamespaces'], joinPointer(pointer, 'xPathNamespaces'));
  if (typeof operand === 'string') {
    return new MatchesXPathMatcher(def, operand, compileXPath(operand, at), namespaces, undefined);
  }
  if (!isPlainObject(operand)) {
    throw compileError(`matchesXPath must be an XPath string or { expression, <pattern> } (got ${describeType(operand)})`, at);
  }
  const expression = operand['expression'];
  if (typeof expression !== 'string') {
    throw compileError('matchesXPath needs an expression string in its advanced form', joinPointer(at, 'expression'));
  }
  // WireMock also finds xPathNamespaces written inside the advanced form.
  const { expression: _expression, xPathNamespaces, ...nestedDef } = operand;
  namespaces ??= readNamespaces(xPathNamespaces, joinPointer(at, 'xPathNamespaces'));
  const nested = ctx.compile(nestedDef, at);
  return new MatchesXPathMatcher(def, expression, compileXPath(expression, joinPointer(at, 'expression')), namespaces, nested);
}

function compileEqualToXml(def: Readonly<Record<string, unknown>>, pointer: string): ValueMatcher {
  const text = readStringOperand(def, 'equalToXml', pointer);
  const parsed = parseXmlDetailed(text);
  if (!parsed.ok) throw compileError(`equalToXml is not well-formed XML: ${parsed.reason}`, joinPointer(pointer, 'equalToXml'));

  const exemptedRaw = def['exemptedComparisons'];
  const exempted: XmlComparisonType[] = [];
  if (exemptedRaw !== undefined && exemptedRaw !== null) {
    if (!Array.isArray(exemptedRaw)) throw compileError('exemptedComparisons must be an array of comparison types', joinPointer(pointer, 'exemptedComparisons'));
    exemptedRaw.forEach((item, index) => {
      if (typeof item !== 'string' || !(XML_COMPARISON_TYPES as readonly string[]).includes(item)) {
        throw compileError(
          `exemptedComparisons[${index}] ${typeof item === 'string' ? quote(item) : describeType(item)} must be one of ${XML_COMPARISON_TYPES.join(', ')}`,
          joinPointer(pointer, 'exemptedComparisons', index),
        );
      }
      exempted.push(item as XmlComparisonType);
    });
  }
  const awarenessText = readOptionalString(def, 'namespaceAwareness', pointer) ?? 'STRICT';
  if (awarenessText !== 'STRICT' && awarenessText !== 'NONE' && awarenessText !== 'LEGACY') {
    throw compileError(`namespaceAwareness ${quote(awarenessText)} must be one of STRICT, NONE, LEGACY`, joinPointer(pointer, 'namespaceAwareness'));
  }
  const enablePlaceholders = readOptionalBoolean(def, 'enablePlaceholders', pointer);
  let equality: XmlEquality;
  try {
    equality = new XmlEquality(parsed.document, {
      enablePlaceholders,
      placeholderOpeningDelimiterRegex: readOptionalString(def, 'placeholderOpeningDelimiterRegex', pointer),
      placeholderClosingDelimiterRegex: readOptionalString(def, 'placeholderClosingDelimiterRegex', pointer),
      exemptedComparisons: exempted,
      ignoreOrderOfSameNode: readOptionalBoolean(def, 'ignoreOrderOfSameNode', pointer),
      namespaceAwareness: awarenessText as NamespaceAwareness,
    });
  } catch (err) {
    throw compileError(`equalToXml placeholders cannot be compiled: ${(err as Error).message}`, joinPointer(pointer, 'equalToXml'));
  }
  return new EqualToXmlMatcher(def, text, equality, enablePlaceholders);
}

export const XML_OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  equalToXml: {
    options: [
      'enablePlaceholders', 'placeholderOpeningDelimiterRegex', 'placeholderClosingDelimiterRegex', 'exemptedComparisons',
      'ignoreOrderOfSameNode', 'namespaceAwareness',
    ],
    compile: compileEqualToXml,
  },
  matchesXPath: { options: ['xPathNamespaces'], compile: compileMatchesXPath },
};
