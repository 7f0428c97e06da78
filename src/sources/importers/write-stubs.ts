/**
 * Writes imported stubs as stub files: one file per operation (or per stub name), a list of its
 * stubs, YAML or JSON, each written atomically. Existing files of the same name are replaced, so
 * importing again after the document changed updates the folder.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import type { StubDefinition } from '../../core/stub-definition.js';
import { writeFileAtomic } from '../atomic-write.js';

function groupName(def: StubDefinition): string {
  const meta = (def.metadata as { openapi?: { operationId?: string } } | undefined)?.openapi;
  const raw = meta?.operationId ?? def.name ?? def.id ?? 'stub';
  // No leading dot: the loader skips hidden files, so `.well-known` would be written and never served.
  return raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 100) || 'stub';
}

/** Writes the stubs into `dir`; returns the files written, relative to `dir`. */
export async function writeImported(stubs: StubDefinition[], dir: string, format: 'yaml' | 'json'): Promise<string[]> {
  const groups = new Map<string, StubDefinition[]>();
  for (const def of stubs) {
    const name = groupName(def);
    const list = groups.get(name) ?? [];
    list.push(def);
    groups.set(name, list);
  }
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, defs] of groups) {
    const file = `${name}.${format}`;
    const text = format === 'json' ? JSON.stringify(defs, null, 2) + '\n' : stringifyYaml(defs, { aliasDuplicateObjects: false });
    await writeFileAtomic(path.join(dir, file), text);
    written.push(file);
  }
  return written;
}
