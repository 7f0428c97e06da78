import path from 'node:path';

/** Whether `candidate` is `root` or under it (both absolute). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  // `..2026_11_22_10_00_00.123/x.yaml` (a Kubernetes ConfigMap's data folder) is inside: only `..` itself is a way up.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
