/**
 * Reading one stub file: parse (YAML or JSON, with positions), find the stubs in it (one stub, a list,
 * or WireMock's `{ "mappings": [...] }`), validate each against the schema and compile it. Every
 * problem in the file is reported with file:line:column, not only the first; the stubs that are good
 * are returned beside the problems, and the caller decides whether to serve them or to keep the file's
 * previous version. A `.json` file is read as WireMock reads it (comments, numbers as strings, ...),
 * with a warning for each leniency used; YAML is read strictly.
 */
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { yamlLib } from './yaml-lib.js';
import { DecoyError, type DecoyErrorCode, type ErrorSource } from '../core/errors.js';
import { jsonTextTooDeep, MAX_JSON_DEPTH, valueTooDeep } from '../core/json-depth.js';
import { compileStub, deriveStubId, type Stub, type StubOrigin } from '../core/stub.js';
import { applyContract, checkAnswersWhenServed, fieldPointer, markViolations, stubLabel, type ContractChecker } from '../core/contract/check-stub.js';
import type { StubDefinition } from '../core/stub-definition.js';
import { validateStubDefinition } from '../core/stub-schema.js';
import { expandResource, isResourceDefinition, validateResourceDefinition, type ResourceDefinition } from '../core/resources/resource.js';
import { nodeAt, nodeToJson } from './json-source.js';
import { resolveSchemaFiles } from './schema-refs.js';
import { lineColumn, LoadWarning, relaxJsonText, relaxWireMockStub } from './wiremock-leniency.js';
import { jsonEntryLines } from './json-entry-lines.js';

export interface ParsedStubFile {
  stubs: Stub[];
  errors: DecoyError[];
  /** What loaded only because WireMock's reader is lenient (`.json` files), to be shown to the user. */
  warnings: LoadWarning[];
  /** How many stub definitions the file holds, good or not. */
  definitions: number;
  /** Absolute paths of the body files its stubs read, so a change to one reloads this file. */
  bodyFiles: Set<string>;
}

export interface StubFileContext {
  /** The file's path as shown in messages. */
  displayPath: string;
  /** The file's absolute path. */
  absolutePath?: string;
  /** A name for the file that does not depend on the working directory (its path inside the stubs folder), for stable ids. */
  idSeed: string;
  /** The insertion sequence number for a stub with this id (the same id keeps its place across reloads). */
  sequenceFor: (id: string) => number;
  /** Resolves and reads a body file; records it as a dependency; throws DecoyError. */
  readBodyFile: (name: string, pointer: string) => { bytes: Buffer; path: string };
  /** Reads a body file named by a templated bodyFileName, per request (not a reload dependency). */
  readBodyFileAtRequest?: (name: string) => Buffer;
  /** Changes whenever the files folder may have changed: body files read per request are cached until then. */
  bodyFilesVersion?: () => number;
  /** Template every response (`--global-templating`). */
  globalTemplating?: boolean;
  /** Check every stub against API contracts (`--contract`): refused in strict mode, else loaded with warnings and marked. */
  contract?: ContractChecker;
}

type Position = { line: number; column: number };

/**
 * Finds the source position of a JSON pointer: a scalar value's own position, else its key's (or,
 * with `atKey`, always the key's, for problems with the key itself).
 */
export function locate(doc: Document, lines: LineCounter, pointer: string, atKey = false): Position | undefined {
  const { isMap, isPair, isScalar, isSeq } = yamlLib();
  let node: unknown = doc.contents;
  let best: number | undefined = (node as YamlNode | null)?.range?.[0];
  const tokens = pointer === '' ? [] : pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const token of tokens) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === token);
      if (!pair) break;
      best = (pair.key as YamlNode).range?.[0] ?? best;
      node = pair.value;
      // Point at the value when it is a scalar (`status: "200"`), at the key otherwise.
      if (!atKey && isScalar(node) && token === tokens[tokens.length - 1]) best = node.range?.[0] ?? best;
    } else if (isSeq(node)) {
      const item = node.items[Number(token)];
      if (item === undefined) break;
      node = item;
      best = (item as YamlNode).range?.[0] ?? best;
    } else break;
  }
  if (best === undefined) return undefined;
  const p = lines.linePos(best);
  return { line: p.line, column: p.col };
}

/** Where things are in a stub file's source: positions for messages, numbers as written for JSON bodies. */
interface SourceMap {
  position(pointer: string, atKey?: boolean): Position | undefined;
  rawJson(pointer: string): string | undefined;
}

function yamlSourceMap(doc: Document, lines: LineCounter): SourceMap {
  return {
    position: (pointer, atKey) => locate(doc, lines, pointer, atKey),
    rawJson: (pointer) => {
      const node = nodeAt(doc, pointer);
      return node === undefined ? undefined : nodeToJson(node, doc);
    },
  };
}

/**
 * A number whose JavaScript value may print differently from its source (`1.0`, `2.5e-7`, a 16+ digit
 * integer). Files without one can be read with JSON.parse and lose nothing.
 */
const PRECISE_NUMBER = /\d\.\d|\d[eE][+-]?\d|\d{16}/;

/**
 * Parses a stub file. A `.json` file goes through JSON.parse (several times faster than the YAML
 * parser) when that is exact; the YAML parser, which knows lines and columns, reads YAML files, files
 * with numbers to keep as written, and any file with a problem (so every message has its position).
 * A `.json` file that JSON.parse refuses is first made strict JSON the way WireMock's reader would
 * read it (comments and trailing text blanked out, lines and columns kept), with a warning per use.
 * Stub line numbers of JSON-parsed files are found on first use.
 */
export function parseStubFile(text: string, ctx: StubFileContext): ParsedStubFile {
  // The parsers, validation and compilation are recursive: refuse what would overflow the stack.
  if (jsonTextTooDeep(text)) return tooDeep(ctx);
  const isJson = ctx.displayPath.toLowerCase().endsWith('.json');
  if (!isJson) {
    const data = PRECISE_NUMBER.test(text) ? NOT_PARSED : parseYamlFast(text);
    if (data !== NOT_PARSED) {
      const fast = buildStubs(data, ctx, lazySourceMap(text, true), true, [], false);
      if (fast.errors.length === 0) return fast;
    }
    return parseWithPositions(text, ctx, false, []);
  }
  if (!PRECISE_NUMBER.test(text)) {
    let data: unknown;
    let parsed = true;
    try {
      data = JSON.parse(text);
    } catch {
      parsed = false;
    }
    if (parsed) {
      // JSON.parse nests values as deep as the text's brackets, which were counted above.
      const fast = buildStubs(data, ctx, lazySourceMap(text, false), jsonLines(text, data) ?? true, [], true, true);
      if (fast.errors.length === 0) return fast;
    }
  }
  const relaxed = relaxJsonText(text);
  const at = (offset: number): ErrorSource => {
    const { line, column } = lineColumn(text, offset);
    return { file: ctx.displayPath, line, column };
  };
  if (relaxed.problems.length) {
    return empty({ errors: relaxed.problems.map((p) => new DecoyError('DECOY_ERR_STUB_SYNTAX', p.message, { source: at(p.offset) })) });
  }
  return parseWithPositions(relaxed.text, ctx, true, relaxed.leniencies.map((l) => new LoadWarning(l.message, at(l.offset))));
}

/**
 * The line of each stub of a file JSON.parse read, found in its text now, so the stubs need not keep the
 * text to find them later; undefined when only the YAML parser can say.
 */
function jsonLines(text: string, data: unknown): number[] | undefined {
  if (Array.isArray(data)) return jsonEntryLines(text, 'list', data.length);
  if (typeof data !== 'object' || data === null) return undefined;
  if (!('mappings' in data)) return jsonEntryLines(text, 'single', 1);
  const mappings = (data as { mappings: unknown }).mappings;
  return Array.isArray(mappings) ? jsonEntryLines(text, 'mappings', mappings.length) : undefined;
}

/** Positions found by the YAML parser on first use: a file that loads without a problem may never need one. */
function lazySourceMap(text: string, uniqueKeys: boolean): SourceMap {
  let lazy: SourceMap | undefined;
  const map = (): SourceMap => {
    if (!lazy) {
      const { LineCounter, parseDocument } = yamlLib();
      const lines = new LineCounter();
      lazy = yamlSourceMap(parseDocument(text, { lineCounter: lines, uniqueKeys }), lines);
    }
    return lazy;
  };
  return { position: (p, k) => map().position(p, k), rawJson: () => undefined };
}

const NOT_PARSED = Symbol('not parsed');

/**
 * What can make `yaml` and js-yaml read the same text differently (both read YAML 1.2's core schema
 * otherwise, and js-yaml refuses what `yaml` would report or read otherwise: keys that are lists or
 * maps, unknown tags, several documents, a repeated key): a `%YAML 1.1` directive (`yaml` then reads
 * `yes` as true), an anchor or alias (`yaml` limits how often aliases expand; js-yaml does not), a key
 * spelt as null, left empty (`: x`) or an empty explicit one (`?`) (`yaml` makes it "", js-yaml "null"),
 * and lines of only spaces or a block scalar with an indentation indicator (`|2`), which the two keep
 * differently at the end of a block scalar. Such a file is read by `yaml` alone. A test compares the two
 * readers on thousands of generated documents.
 */
const YAML_ONLY = /^%|(?:^|[\s[{,])[&*]\S|(?:^|[\s{,?-])(?:~|null|Null|NULL)\s*:|(?:^|[\s{,?-]):(?=\s|$)|(?:^|[\s[{,-])\?(?=[\s,\]}]|$)|[|>][-+]?[1-9]|^[ \t]+$/m;

let jsYaml: typeof import('js-yaml') | undefined;
let jsYamlLoading: Promise<void> | undefined;

/**
 * Loads js-yaml, which reads a YAML stub file several times as fast as `yaml` (that builds a document
 * with every position). The stub folder loads it before it reads its first YAML file; until it is
 * loaded, `yaml` reads every YAML file, with the same result.
 */
export function loadFastYamlReader(): Promise<void> {
  return (jsYamlLoading ??= import('js-yaml').then((m) => {
    jsYaml = m;
  }));
}

/**
 * A YAML text read by js-yaml (once `loadFastYamlReader` has loaded it), or undefined when it is not
 * loaded, when the text does not parse or may read differently than `yaml` reads it.
 */
export function readYamlFast(text: string): { value: unknown } | undefined {
  if (jsYaml === undefined || YAML_ONLY.test(text)) return undefined;
  try {
    return { value: jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA }) };
  } catch {
    return undefined;
  }
}

/**
 * A YAML stub file read by js-yaml; `NOT_PARSED` when js-yaml is not loaded, when the text does not parse
 * or may read differently, and then `yaml` reads it, reporting every problem where it is.
 */
function parseYamlFast(text: string): unknown {
  const read = readYamlFast(text);
  return read === undefined ? NOT_PARSED : read.value;
}

function empty(parts: Partial<ParsedStubFile>): ParsedStubFile {
  return { stubs: [], errors: [], warnings: [], definitions: 0, bodyFiles: new Set(), ...parts };
}

function parseWithPositions(text: string, ctx: StubFileContext, lenient: boolean, warnings: LoadWarning[]): ParsedStubFile {
  const { isAlias, isScalar, LineCounter, parseDocument, visit } = yamlLib();
  const lines = new LineCounter();
  const errors: DecoyError[] = [];
  // JSON lets a key repeat, and WireMock's reader (like JSON.parse) takes the last; YAML does not.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: !lenient });
  for (const e of doc.errors) {
    const pos = e.linePos?.[0];
    errors.push(new DecoyError('DECOY_ERR_STUB_SYNTAX', e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), {
      source: { file: ctx.displayPath, line: pos?.line, column: pos?.col },
    }));
  }
  // A key that is a list or a map (`? [a, b]: x`, `{ {a: 1}: x }`) has no JSON spelling: the YAML library
  // would stringify it and print a process warning; a stub file has no use for it, so it is an error.
  visit(doc, {
    Pair: (_key, pair) => {
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (key !== null && key !== undefined && !isScalar(key)) {
        const pos = (pair.key as YamlNode).range ? lines.linePos((pair.key as YamlNode).range![0]) : undefined;
        errors.push(new DecoyError('DECOY_ERR_STUB_SYNTAX', 'a key must be a plain value (a string), not a list or a map', {
          source: { file: ctx.displayPath, line: pos?.line, column: pos?.col },
        }));
      }
    },
  });
  if (errors.length) return empty({ errors, warnings });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    errors.push(new DecoyError('DECOY_ERR_STUB_SYNTAX', (e as Error).message, { source: { file: ctx.displayPath } }));
    return empty({ errors, warnings });
  }
  return buildStubs(data, ctx, yamlSourceMap(doc, lines), false, warnings, lenient);
}

function tooDeep(ctx: StubFileContext): ParsedStubFile {
  return empty({ errors: [new DecoyError('DECOY_ERR_STUB_INVALID', `the file nests lists and objects more than ${MAX_JSON_DEPTH} levels deep`, {
    source: { file: ctx.displayPath }, hint: 'no stub needs that many levels; was the file generated by mistake?',
  })] });
}

/**
 * A stub's origin whose line is looked up when first asked for. A class, not a getter defined on each
 * object: that costs a closure, its contexts and a dictionary-mode object per stub (about 0.5 KB).
 */
class LazyLineOrigin implements StubOrigin {
  readonly path?: string;
  #line: number | undefined | null = null;
  readonly #source: SourceMap;
  constructor(readonly file: string, path: string | undefined, readonly pointer: string, source: SourceMap) {
    if (path !== undefined) this.path = path;
    this.#source = source;
  }
  get line(): number | undefined {
    if (this.#line === null) this.#line = this.#source.position(this.pointer)?.line;
    return this.#line;
  }
}

/**
 * Finds the stubs in a parsed file, validates and compiles each; `lines`: each stub's line (in the order
 * of the file's stubs), or `true` to look lines up in `source` when first asked, or `false` to look them
 * up now. `lenient` (a `.json` file) reads each definition as WireMock's reader does, with a warning per use.
 * `depthChecked`: the value is known not to nest too deeply (its text was checked).
 */
function buildStubs(data: unknown, ctx: StubFileContext, source: SourceMap, lines: readonly number[] | boolean, textWarnings: LoadWarning[], lenient: boolean, depthChecked = false): ParsedStubFile {
  if (!depthChecked && valueTooDeep(data)) return tooDeep(ctx);
  const errors: DecoyError[] = [];
  const warnings = [...textWarnings];
  const bodyFiles = new Set<string>();
  const fileError = (pointer: string, message: string, atKey = false, code: DecoyErrorCode = 'DECOY_ERR_STUB_INVALID'): DecoyError => {
    const pos = source.position(pointer, atKey) ?? source.position(pointer.replace(/\/[^/]*$/, ''), atKey);
    return new DecoyError(code, message, { source: { file: ctx.displayPath, line: pos?.line, column: pos?.column, pointer } });
  };

  const entries: Array<{ def: unknown; pointer: string }> = [];
  if (data === null || data === undefined) {
    // An empty file holds no stubs; that is not an error (a file being created is often empty first).
  } else if (Array.isArray(data)) {
    data.forEach((def, i) => entries.push({ def, pointer: `/${i}` }));
  } else if (typeof data === 'object' && 'mappings' in data) {
    const mappings = (data as { mappings: unknown }).mappings;
    if (!Array.isArray(mappings)) errors.push(fileError('/mappings', 'mappings must be a list of stubs'));
    else mappings.forEach((def, i) => entries.push({ def, pointer: `/mappings/${i}` }));
  } else if (typeof data === 'object') {
    entries.push({ def: data, pointer: '' });
  } else {
    errors.push(fileError('', 'a stub file must hold a stub, a list of stubs, or { "mappings": [...] }'));
  }

  const stubs: Stub[] = [];
  for (let entry = 0; entry < entries.length; entry++) {
    const { def, pointer } = entries[entry]!;
    if (lenient) {
      for (const l of relaxWireMockStub(def)) {
        const pos = source.position(pointer + l.pointer, l.atKey);
        warnings.push(new LoadWarning(l.message, { file: ctx.displayPath, line: pos?.line, column: pos?.column, pointer: pointer + l.pointer }));
      }
    }
    if (isResourceDefinition(def)) {
      const built = buildResourceStubs(def, pointer, ctx, source, fileError, (name, at) => {
        const { bytes, path } = ctx.readBodyFile(name, at);
        bodyFiles.add(path);
        return bytes;
      });
      stubs.push(...built.stubs);
      errors.push(...built.errors);
      continue;
    }
    const problems = typeof def === 'object' && def !== null && !Array.isArray(def)
      ? validateStubDefinition(def)
      : [{ pointer: '', message: 'a stub must be an object with request and response' }];
    if (problems.length) {
      for (const p of problems) errors.push(fileError(pointer + p.pointer, p.message, p.atKey));
      continue;
    }
    try {
      const origin: StubOrigin = lines === true
        ? new LazyLineOrigin(ctx.displayPath, ctx.absolutePath, pointer, source)
        : { file: ctx.displayPath, ...(ctx.absolutePath ? { path: ctx.absolutePath } : {}), pointer, line: lines === false ? source.position(pointer)?.line : lines[entry] };
      const readFile = (name: string, at: string): Buffer => {
        const { bytes, path } = ctx.readBodyFile(name, at);
        bodyFiles.add(path);
        return bytes;
      };
      const resolved = resolveSchemaFiles(def as StubDefinition, readFile);
      const checked = ctx.contract ? applyContract(resolved, ctx.contract) : undefined;
      if (checked?.refused) {
        for (const v of checked.violations) errors.push(fileError(pointer + fieldPointer(v.field), `${stubLabel(resolved)} breaks the contract (${v.rule}): ${v.message} [${v.contract}]`, false, 'DECOY_ERR_CONTRACT_VIOLATION'));
        continue;
      }
      const d = checked?.definition ?? resolved;
      // The stub's id, derived from its place (once) when it names none: it also keys its place in the order.
      const id = d.id ?? d.uuid ?? deriveStubId(`${ctx.idSeed}#${pointer}`);
      const compiled = compileStub(d, {
        sequence: ctx.sequenceFor(id),
        pointer,
        derivedId: id,
        origin,
        rawJson: (at) => source.rawJson(pointer + at),
        ...(ctx.readBodyFileAtRequest ? { readBodyFileAtRequest: ctx.readBodyFileAtRequest } : {}),
        ...(ctx.bodyFilesVersion ? { bodyFilesVersion: ctx.bodyFilesVersion } : {}),
        ...(ctx.globalTemplating ? { globalTemplating: true } : {}),
        readBodyFile: readFile,
      });
      const contractWarnings = checked?.violations.map((v) => `breaks the contract (${v.rule}): ${v.message} [${v.contract}]`) ?? [];
      const withWarnings = contractWarnings.length ? { ...compiled, warnings: [...compiled.warnings, ...contractWarnings] } : compiled;
      const served = ctx.contract ? checkAnswersWhenServed(withWarnings, ctx.contract, { globalTemplating: ctx.globalTemplating === true }) : withWarnings;
      // Shown and saved as written: file references stay references (with the contract's marks).
      stubs.push(resolved === def ? served : { ...served, definition: checked?.violations.length ? markViolations(def as StubDefinition, checked.violations) : def as StubDefinition });
    } catch (e) {
      if (!(e instanceof DecoyError)) throw e;
      const at = e.source?.pointer ?? pointer;
      const pos = source.position(at);
      e.source = { file: ctx.displayPath, line: pos?.line, column: pos?.column, pointer: at };
      errors.push(e);
    }
  }
  return { stubs, errors, warnings, definitions: entries.length, bodyFiles };
}

/**
 * A resource declaration (`resource: /orders`): its seed file read here (JSON or YAML, found as body files
 * are), then one ordinary stub per operation. A problem inside the generated stubs is reported at the
 * declaration's own key.
 */
function buildResourceStubs(def: ResourceDefinition, pointer: string, ctx: StubFileContext, source: SourceMap,
  fileError: (pointer: string, message: string, atKey?: boolean, code?: DecoyErrorCode) => DecoyError, readFile: (name: string, pointer: string) => Buffer): { stubs: Stub[]; errors: DecoyError[] } {
  const problems = validateResourceDefinition(def as unknown as Record<string, unknown>);
  if (problems.length > 0) return { stubs: [], errors: problems.map((p) => fileError(pointer + p.pointer, p.message, true)) };
  const stubs: Stub[] = [];
  try {
    let items = def.items;
    if (def.seed !== undefined) {
      let parsed: unknown;
      try {
        parsed = yamlLib().parse(readFile(def.seed, `${pointer}/seed`).toString('utf8'));
      } catch (e) {
        if (e instanceof DecoyError) throw e;
        throw new DecoyError('DECOY_ERR_STUB_INVALID', `seed file ${def.seed} is not JSON or YAML: ${(e as Error).message.split('\n')[0]}`, { source: { pointer: `${pointer}/seed` } });
      }
      if (!Array.isArray(parsed)) throw new DecoyError('DECOY_ERR_STUB_INVALID', `seed file ${def.seed} must hold a list of items`, { source: { pointer: `${pointer}/seed` } });
      items = parsed;
    }
    // No `path`: a save never writes an API edit of a generated stub over the declaration it came from.
    const origin: StubOrigin = { file: ctx.displayPath, pointer, line: source.position(pointer)?.line };
    for (const { operation, definition } of expandResource(def, items)) {
      const derivedId = deriveStubId(`${ctx.idSeed}#${pointer}#${operation}`);
      let compiled: Stub;
      try {
        compiled = compileStub(definition, { sequence: ctx.sequenceFor(derivedId), derivedId, origin, readBodyFile: readFile });
      } catch (e) {
        // Generated stubs hold the declaration under response.resource: point into the declaration itself.
        if (e instanceof DecoyError) {
          const inner = (e.source?.pointer ?? '').replace(/^\/response\/resource/, '');
          // An item read from the seed file: the message names the file and the item; the position is the seed key.
          e.source = { ...e.source, pointer: pointer + (def.seed !== undefined && inner.startsWith('/items') ? '/seed' : inner) };
        }
        throw e;
      }
      // Shown with the seed's items beside the file's name: an edit over the admin API (the UI's editor) compiles without the file.
      stubs.push(compiled);
    }
  } catch (e) {
    if (!(e instanceof DecoyError)) throw e;
    return { stubs: [], errors: [fileError(e.source?.pointer ?? pointer, e.message, false, e.code)] };
  }
  return { stubs, errors: [] };
}
