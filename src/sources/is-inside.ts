import path from 'node:path';

/** A POSIX absolute path that path.resolve would leave as it is (no `//`, `.` or `..` segment, no trailing slash). */
function isPlainPosix(p: string): boolean {
  return path.sep === '/' && p.startsWith('/') && (p.length === 1 || !p.endsWith('/')) && !/\/\/|\/\.\.?(?:\/|$)/.test(p);
}

/**
 * `abs` relative to `root` (both absolute), as path.relative gives it. A path plainly under `root` (what a
 * folder walk yields) is a slice of it: path.relative resolves both paths first, which was a measurable part
 * of loading each of 1,000 stub files.
 */
export function relativePath(root: string, abs: string): string {
  if (isPlainPosix(root) && isPlainPosix(abs)) {
    const prefix = root === '/' ? '/' : `${root}/`;
    if (abs.startsWith(prefix)) return abs.slice(prefix.length);
  }
  return path.relative(root, abs);
}

/** Whether `candidate` is `root` or under it (both absolute). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  // `..2026_11_22_10_00_00.123/x.yaml` (a Kubernetes ConfigMap's data folder) is inside: only `..` itself is a way up.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
