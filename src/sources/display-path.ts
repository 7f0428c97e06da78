/**
 * How a file is named in messages and logs: relative to the working directory when it is inside it,
 * else absolute. (`..data/x.yaml`, a Kubernetes ConfigMap's data folder, is inside: only `..` itself
 * is a way up.)
 */
import path from 'node:path';
import { relativePath } from './is-inside.js';

export function displayPath(abs: string): string {
  const rel = relativePath(process.cwd(), abs);
  const inside = rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
  return inside ? rel : path.resolve(abs);
}
