/**
 * Writing stub files: the name and text of a saved stub, edits and deletions applied inside a file
 * that already exists, and the check that a write stays inside the stubs folder.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Node as YamlNode } from 'yaml';
import { yamlLib } from './yaml-lib.js';
import { DecoyError } from '../core/errors.js';
import type { Stub } from '../core/stub.js';
import { displayPath } from './display-path.js';
import { isInside } from './is-inside.js';
import { relaxJsonText } from './wiremock-leniency.js';

/** A stub definition as the text of a file of its own: JSON (pretty, with a final newline) or YAML. */
export function stubFileText(definition: unknown, ext: '.json' | '.yaml'): string {
  return ext === '.json' ? JSON.stringify(definition, null, 2) + '\n' : yamlLib().stringify(definition);
}

/**
 * Refuses to write outside the stubs folder: the target must resolve inside it, and so must the
 * real path of its nearest existing folder (a `__files` or `mappings` folder that is a symlink to
 * elsewhere) and of the target itself when it exists (a stub file that is a symlink out).
 */
export function confineWrite(root: string, abs: string): void {
  const refuse = (why: string) => new DecoyError('DECOY_ERR_WRITE_ESCAPE', `not written: ${displayPath(abs)} ${why}, outside the stubs folder ${displayPath(root)}`, {
    hint: 'saved stubs, recordings and body files are written only inside the stubs folder; replace the symlink with a real folder',
  });
  if (!isInside(root, path.resolve(abs))) throw refuse('resolves');
  let dir = path.dirname(abs);
  while (!existsSync(dir) && isInside(root, path.dirname(dir)) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  let realDir: string;
  try { realDir = realpathSync(dir); } catch { realDir = dir; }
  if (!isInside(root, realDir)) throw refuse(`is in ${realDir} (a symlink)`);
  let realTarget: string | undefined;
  try { realTarget = realpathSync(abs); } catch { /* not there yet, or a dangling link that the rename replaces */ }
  if (realTarget !== undefined && !isInside(root, realTarget)) throw refuse(`is a symlink to ${realTarget}`);
}

/** A readable, stable file name for a saved stub: its name or method and path, and the start of its id. */
export function stubFileName(stub: Stub): string {
  const req = stub.definition.request ?? {};
  const url = req.path ?? req.url ?? req.urlPath ?? req.urlPathTemplate ?? req.urlPattern ?? req.urlPathPattern ?? 'any';
  const method = Array.isArray(req.method) ? req.method.join('-') : req.method ?? 'any';
  const base = (stub.name ?? `${method}-${url}`).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'stub';
  return `${base}-${stub.id.slice(0, 8)}`;
}

function pointerPath(pointer: string): Array<string | number> {
  return pointer === '' ? [] : pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')).map((t) => (/^\d+$/.test(t) ? Number(t) : t));
}

/**
 * Applies edits and deletions to a stub file's text; `undefined` means the file is left with no stubs
 * and is removed. YAML is edited through its document model, so comments and layout elsewhere stay.
 */
export function applyToFile(text: string, abs: string, edits: Array<{ pointer: string; def: unknown }>, deletions: string[]): string | undefined {
  // Deletions from the end first, so earlier indexes stay valid.
  const byIndexDesc = [...deletions].sort((a, b) => {
    const ia = Number(a.split('/').pop()); const ib = Number(b.split('/').pop());
    return ib - ia;
  });
  if (path.extname(abs).toLowerCase() === '.json') {
    // Written back as plain JSON: WireMock-only comments and trailing text do not survive a save.
    let data = JSON.parse(relaxJsonText(text).text) as unknown;
    for (const e of edits) {
      const p = pointerPath(e.pointer);
      if (p.length === 0) data = e.def;
      else setAt(data, p, e.def);
    }
    for (const d of byIndexDesc) {
      const p = pointerPath(d);
      if (p.length === 0) return undefined;
      const parent = getAt(data, p.slice(0, -1)) as unknown[];
      parent.splice(Number(p[p.length - 1]), 1);
    }
    return JSON.stringify(data, null, 2) + '\n';
  }
  const doc = yamlLib().parseDocument(text);
  for (const e of edits) {
    const p = pointerPath(e.pointer);
    const old = (p.length === 0 ? doc.contents : doc.getIn(p, true)) as YamlNode | null;
    const node = doc.createNode(e.def);
    // The comments around the stub belong to the file, not to the stub's old content: keep them.
    if (old && typeof old === 'object') {
      node.commentBefore = old.commentBefore;
      node.comment = old.comment;
      node.spaceBefore = old.spaceBefore;
    }
    if (p.length === 0) doc.contents = node as typeof doc.contents;
    else doc.setIn(p, node);
  }
  for (const d of byIndexDesc) {
    const p = pointerPath(d);
    if (p.length === 0) return undefined;
    doc.deleteIn(p);
  }
  return doc.toString();
}

function getAt(data: unknown, p: Array<string | number>): unknown {
  return p.reduce<unknown>((cur, k) => (cur as Record<string | number, unknown>)[k], data);
}

function setAt(data: unknown, p: Array<string | number>, value: unknown): void {
  (getAt(data, p.slice(0, -1)) as Record<string | number, unknown>)[p[p.length - 1]!] = value;
}
