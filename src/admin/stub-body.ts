/**
 * The body of a stub sent to the admin API (`POST /__admin/mappings`, `PUT /__admin/mappings/{id}`,
 * `POST /__admin/mappings/import`): WireMock's JSON, or Decoy's own YAML, so a sidecar can be loaded
 * with the stub files the documentation promotes. YAML is read when the Content-Type says so, or when the body
 * is not JSON but is a YAML mapping or list; anything else keeps WireMock's JSON error. Problems in a
 * YAML body name its line and column.
 */
import type { Request } from 'express';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { isDecoyError } from '../core/errors.js';
import { MAX_JSON_DEPTH, valueTooDeep } from '../core/json-depth.js';
import { locate } from '../sources/stub-file.js';
import { AdminProblem, isAdminProblem } from './problem.js';

/** A parsed body, and where its YAML source was, when it was YAML. */
export interface StubBody {
  value: unknown;
  yaml?: { doc: Document; lines: LineCounter };
}

const YAML_TYPE = /^(application|text)\/(x-)?yaml\b/i;

/** Whether a request says its body is YAML (`application/yaml`, `text/yaml`, and their `x-` forms). */
export function isYamlContentType(contentType: string | undefined): boolean {
  return YAML_TYPE.test((contentType ?? '').trim());
}

/** "line 3, column 5: " for a position. */
function at(pos: { line: number; column: number } | undefined): string {
  return pos ? `line ${pos.line}, column ${pos.column}: ` : '';
}

/**
 * Reads a YAML body. `sniffed`: the body was not JSON and the Content-Type did not say YAML, so a
 * body that is not a YAML mapping or list gives undefined (the caller keeps its JSON error).
 */
export function parseYamlBody(text: string, sniffed: boolean): StubBody | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (sniffed && (doc.errors.length > 0 || !(isMap(doc.contents) || isSeq(doc.contents)))) return undefined;
  if (doc.errors.length > 0) {
    throw new AdminProblem(422, 'Invalid YAML', doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { detail: `${at(pos ? { line: pos.line, column: pos.col } : undefined)}${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` };
    }), 10);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new AdminProblem(422, 'Invalid YAML', [{ detail: (e as Error).message }], 10);
  }
  if (valueTooDeep(value)) throw new AdminProblem(422, 'YAML nested too deeply', [{ detail: `the body nests lists and maps more than ${MAX_JSON_DEPTH} levels deep` }], 10);
  return { value, yaml: { doc, lines } };
}

/** Whether the request's body is meant as YAML by its Content-Type. */
export function saysYaml(req: Request): boolean {
  return isYamlContentType(req.headers['content-type']);
}

/**
 * Runs `fn` on a parsed body; a problem it reports about a YAML body gets the line and column of each
 * pointer in front of its detail (`sourcePointer` turns a reported pointer into one into the source).
 */
export async function withSourceLines<T>(body: StubBody, fn: () => T | Promise<T>, sourcePointer: (pointer: string) => string = (p) => p): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const yaml = body.yaml;
    if (!yaml) throw e;
    const where = (pointer: string | undefined): string => (pointer === undefined ? '' : at(locate(yaml.doc, yaml.lines, sourcePointer(pointer))));
    if (isAdminProblem(e)) {
      throw new AdminProblem(e.status, e.title, e.details.map((d) => ({ ...d, detail: where(d.pointer) + d.detail })), e.wireMockCode, e.isBodilessForWireMock);
    }
    if (isDecoyError(e)) {
      const pointer = e.source?.pointer;
      throw new AdminProblem(422, e.code, [{ ...(pointer !== undefined ? { pointer } : {}), code: e.code, detail: where(pointer) + e.message + (e.hint ? ` (hint: ${e.hint})` : '') }], 10);
    }
    throw e;
  }
}
