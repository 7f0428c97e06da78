/**
 * `$ref`s from a stub's `response.schema` to other files, resolved before the stub compiles (the core
 * reads no files). A reference names a file the way `bodyFileName` does (under `__files/`, else beside
 * the stub file), optionally with a fragment: `pet.schema.yaml`, `schemas/pet.yaml#/Pet`. Schema files
 * belong under `__files/` (the stubbing guide says so): the loader reads every other .yaml/.yml/.json file of
 * the stubs folder as a stub file, so one beside a stub would also be reported as a bad stub. Each file
 * is read once and bundled into the schema under `$defs` (references inside it are rewritten to
 * match), so recursive schemas stay references and the result is one self-contained schema.
 */
import path from 'node:path';
import { yamlLib } from './yaml-lib.js';
import { DecoyError, escapePointerToken, joinPointer } from '../core/errors.js';
import type { StubDefinition } from '../core/stub-definition.js';

type ReadFile = (name: string, pointer: string) => Buffer;

function hasExternalRef(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (!Array.isArray(node) && typeof (node as { $ref?: unknown }).$ref === 'string' && !(node as { $ref: string }).$ref.startsWith('#')) return true;
  return Object.values(node).some(hasExternalRef);
}

/** The stub with its schemas' file references bundled in; the same object when it has none. */
export function resolveSchemaFiles(def: StubDefinition, read: ReadFile): StubDefinition {
  const responses = def.responses ?? (def.response ? [def.response] : []);
  if (!responses.some((r) => hasExternalRef(r?.schema))) return def;
  const bundle = (schema: unknown, pointer: string): unknown => (hasExternalRef(schema) ? bundleSchema(schema, read, pointer) : schema);
  if (def.responses) return { ...def, responses: def.responses.map((r, i) => ({ ...r, schema: bundle(r.schema, `/responses/${i}/schema`) })) };
  return { ...def, response: { ...def.response, schema: bundle(def.response!.schema, '/response/schema') } };
}

function bundleSchema(schema: unknown, read: ReadFile, pointer: string): unknown {
  const defs: Record<string, unknown> = {};
  const loaded = new Map<string, unknown>();
  const load = (name: string, at: string): void => {
    if (loaded.has(name)) return;
    loaded.set(name, undefined);
    const bytes = read(name, at);
    let doc: unknown;
    try {
      doc = yamlLib().parse(bytes.toString('utf8'));
    } catch (e) {
      throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `schema file ${name} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`, { source: { pointer: at } });
    }
    loaded.set(name, doc);
    defs[name] = rewrite(doc, name, at);
  };
  /** Rewrites references inside a document: `#/x` of file `f` → `#/$defs/f/x`, `other.yaml#/x` → `#/$defs/other.yaml/x`. */
  const rewrite = (node: unknown, file: string | undefined, at: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => rewrite(n, file, at));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const [target, fragment = ''] = v.split('#', 2) as [string, string?];
        if (target === '') {
          out[k] = file === undefined ? v : `#/$defs/${escapePointerToken(file)}${fragment}`;
          continue;
        }
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `$ref ${JSON.stringify(v)}: Decoy resolves references to files only, not URLs`, { source: { pointer: file === undefined ? at : pointer } });
        }
        const name = path.posix.normalize(path.posix.join(file === undefined ? '' : path.posix.dirname(file), target));
        load(name, file === undefined ? at : pointer);
        out[k] = `#/$defs/${escapePointerToken(name)}${fragment}`;
      } else {
        out[k] = rewrite(v, file, joinPointer(at, k));
      }
    }
    return out;
  };
  const root = rewrite(schema, undefined, pointer);
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return root;
  const own = (root as { $defs?: Record<string, unknown> }).$defs ?? {};
  return { ...root, $defs: { ...own, ...defs } };
}
