/**
 * What the kubelet does to a ConfigMap volume on each update (its "atomic writer"): a new hidden
 * timestamped folder with the files, a new `..data_tmp` symlink to it renamed over `..data`, visible
 * `name -> ..data/name` links added for new keys and removed for gone ones, then the old folder deleted.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

let swaps = 0;

/** Writes `files` (key → content) into the ConfigMap volume `dir` as the kubelet does; `keepOldFolder` stops before the last step. */
export function configMapWrite(dir: string, files: Record<string, string>, options: { keepOldFolder?: boolean } = {}): void {
  const stamp = `..2026_11_22_10_00_00.${String(++swaps).padStart(9, '0')}`;
  mkdirSync(path.join(dir, stamp));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, stamp, name), content);
  const data = path.join(dir, '..data');
  const old = existsSync(data) ? readdirSync(dir).find((e) => e.startsWith('..2026') && e !== stamp) : undefined;
  symlinkSync(stamp, path.join(dir, '..data_tmp'));
  renameSync(path.join(dir, '..data_tmp'), data);
  for (const name of Object.keys(files)) {
    if (!existsSync(path.join(dir, name))) symlinkSync(path.join('..data', name), path.join(dir, name));
  }
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith('.') && !(entry in files) && lstatSync(path.join(dir, entry)).isSymbolicLink()) unlinkSync(path.join(dir, entry));
  }
  if (old && !options.keepOldFolder) rmSync(path.join(dir, old), { recursive: true });
}
