/**
 * XML parsing and rendering for the XML matchers, on @xmldom/xmldom.
 *
 * Safe by construction: xmldom never fetches external entities or DTDs and does not expand entity
 * declarations at all (an undeclared entity reference is a parse error here), so neither XXE nor
 * entity-expansion bombs apply. WireMock likewise refuses to resolve external entities.
 */
import { MAX_JSON_DEPTH, xmlTextTooDeep } from '../json-depth.js';
import { createRequire } from 'node:module';
import type { Document, DOMParser as DOMParserType, Element, Node } from '@xmldom/xmldom';

let loadedParser: typeof DOMParserType | undefined;
/** @xmldom/xmldom, loaded on first use (CommonJS, so synchronously): start-up does not pay for it. */
function domParser(): typeof DOMParserType {
  return (loadedParser ??= (createRequire(import.meta.url)('@xmldom/xmldom') as { DOMParser: typeof DOMParserType }).DOMParser);
}

export const ELEMENT_NODE = 1;
export const ATTRIBUTE_NODE = 2;
export const TEXT_NODE = 3;
export const CDATA_SECTION_NODE = 4;
export const PROCESSING_INSTRUCTION_NODE = 7;
export const COMMENT_NODE = 8;
export const DOCUMENT_NODE = 9;

export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

export type XmlParseResult = { ok: true; document: Document } | { ok: false; reason: string };

/** Parses XML, reporting why it is not well-formed. */
export function parseXmlDetailed(text: string): XmlParseResult {
  // Cheap rejection of JSON and plain text bodies before running a parser (WireMock does the same).
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  if (text[i] !== '<') return { ok: false, reason: 'it does not start with <' };
  if (xmlTextTooDeep(text)) return { ok: false, reason: `it nests elements more than ${MAX_JSON_DEPTH} levels deep` };
  try {
    const parser = new (domParser())({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    });
    const document = parser.parseFromString(text, 'application/xml');
    if (document.documentElement === null) return { ok: false, reason: 'it has no root element' };
    return { ok: true, document };
  } catch (err) {
    // xmldom wraps what onError threw: `Reporting fatalError "..." caused Error: <message>`.
    const message = (err as Error).message;
    const cause = /caused (?:\w*Error: )?(.*)$/s.exec(message)?.[1] ?? message.replace(/^\[xmldom \w+\]\s*/, '');
    return { ok: false, reason: cause.split('\n')[0]!.trim() };
  }
}

/** Parses XML, or answers `undefined` when the text is not well-formed XML. */
export function parseXml(text: string): Document | undefined {
  const result = parseXmlDetailed(text);
  return result.ok ? result.document : undefined;
}

/** True when `value` looks like a parsed xmldom document (what BodyView.xml() returns). */
export function isXmlDocument(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && (value as { nodeType?: unknown }).nodeType === DOCUMENT_NODE;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function isBlank(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}

/**
 * Renders an XPath result node as WireMock does before handing it to a nested pattern: text and
 * attribute nodes as their text, elements (and documents) as XML indented by two spaces with a
 * trailing newline, no XML declaration (Java's Transformer with INDENT=yes, indent-number=2).
 */
export function renderXPathNode(node: Node): string {
  switch (node.nodeType) {
    case TEXT_NODE:
    case CDATA_SECTION_NODE:
    case ATTRIBUTE_NODE:
      return node.nodeValue ?? '';
    case DOCUMENT_NODE: {
      const root = (node as Document).documentElement;
      return root === null ? '' : renderElement(root, 0) + '\n';
    }
    case ELEMENT_NODE:
      return renderElement(node as Element, 0) + '\n';
    default:
      return node.nodeValue ?? '';
  }
}

function renderElement(element: Element, depth: number): string {
  let out = '<' + element.nodeName;
  const attributes = element.attributes;
  for (let i = 0; i < attributes.length; i++) {
    const attribute = attributes.item(i);
    if (attribute !== null) out += ` ${attribute.nodeName}="${escapeAttribute(attribute.value)}"`;
  }
  const children: Node[] = [];
  let hasElement = false;
  let hasText = false;
  for (let child = element.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === ELEMENT_NODE) hasElement = true;
    else if ((child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) && !isBlank(child.nodeValue ?? '')) hasText = true;
    children.push(child);
  }
  if (children.length === 0) return out + '/>';
  out += '>';
  const indentChildren = hasElement && !hasText;
  for (const child of children) {
    if (indentChildren && (child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE)) continue;
    if (indentChildren) out += '\n' + '  '.repeat(depth + 1);
    out += renderChild(child, depth + 1);
  }
  if (indentChildren) out += '\n' + '  '.repeat(depth);
  return out + `</${element.nodeName}>`;
}

function renderChild(node: Node, depth: number): string {
  switch (node.nodeType) {
    case ELEMENT_NODE:
      return renderElement(node as Element, depth);
    case TEXT_NODE:
      return escapeText(node.nodeValue ?? '');
    case CDATA_SECTION_NODE:
      return `<![CDATA[${node.nodeValue ?? ''}]]>`;
    case COMMENT_NODE:
      return `<!--${node.nodeValue ?? ''}-->`;
    case PROCESSING_INSTRUCTION_NODE:
      return `<?${node.nodeName} ${node.nodeValue ?? ''}?>`;
    default:
      return '';
  }
}
