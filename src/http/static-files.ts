/**
 * WireMock serves the files folder (`__files/`) as static content to GET requests that no stub
 * matches: `/a/b.json` answers `__files/a/b.json` with a Content-Type from its extension, a folder
 * answers its `index.html` or 403 (Jetty's DefaultServlet, which WireMock forwards unmatched GETs to).
 * Decoy does the same, confined to the folder; hidden names are not served.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** What a static lookup found: a file to send, a folder (403), or nothing (the usual 404). */
export type StaticAnswer =
  | { kind: 'file'; status: 200; headers: string[]; body: Buffer }
  | { kind: 'folder'; status: 403; headers: string[]; body: Buffer };

/** Jetty's types for the extensions WireMock users serve; any other extension gets WireMock's default, JSON. */
const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json', html: 'text/html', htm: 'text/html', xhtml: 'application/xhtml+xml',
  txt: 'text/plain', csv: 'text/csv', tsv: 'text/tab-separated-values', css: 'text/css',
  js: 'text/javascript', mjs: 'text/javascript', xml: 'application/xml', pdf: 'application/pdf',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml',
  ico: 'image/x-icon', webp: 'image/webp', woff: 'font/woff', woff2: 'font/woff2', wasm: 'application/wasm',
  gz: 'application/gzip', zip: 'application/zip', tar: 'application/x-tar', jar: 'application/java-archive',
  bin: 'application/octet-stream', mp3: 'audio/mpeg', mp4: 'video/mp4',
  doc: 'application/msword', xls: 'application/vnd.ms-excel',
};
const DEFAULT_TYPE = 'application/json';

function contentTypeOf(file: string): string {
  const ext = path.extname(file).slice(1).toLowerCase();
  return CONTENT_TYPES[ext] ?? DEFAULT_TYPE;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Jetty's error page for a folder without an index, as WireMock sends it. */
function forbiddenPage(uri: string): Buffer {
  const escaped = uri.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return Buffer.from(`<html>
<head>
<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>
<title>Error 403 Forbidden</title>
</head>
<body><h2>HTTP ERROR 403 Forbidden</h2>
<table>
<tr><th>URI:</th><td>${escaped}</td></tr>
<tr><th>STATUS:</th><td>403</td></tr>
<tr><th>MESSAGE:</th><td>Forbidden</td></tr>
</table>

</body>
</html>
`, 'latin1');
}

/**
 * A lookup of request paths in a files folder. Each call reads the disk (the folder may change at any
 * time, and only unmatched GETs get here).
 */
export function createStaticFiles(filesRoot: string): (rawPath: string) => StaticAnswer | undefined {
  const send = (file: string, size: number, mtime: Date, contentType: string): StaticAnswer => {
    const body = readFileSync(file);
    return { kind: 'file', status: 200, headers: ['Content-Type', contentType, 'Last-Modified', mtime.toUTCString(), 'Content-Length', String(body.length)], body };
  };
  return (rawPath) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
    const normalized = path.posix.normalize(`/${decoded}`);
    if (normalized.split('/').some((part) => part.startsWith('.') && part !== '')) return undefined;
    const abs = path.join(filesRoot, normalized);
    let real: string;
    let realRoot: string;
    try {
      realRoot = realpathSync(filesRoot);
      real = realpathSync(abs);
    } catch {
      return undefined;
    }
    if (!isInside(realRoot, real)) return undefined;
    const stat = statSync(real);
    if (stat.isFile()) return send(real, stat.size, stat.mtime, contentTypeOf(real));
    if (!stat.isDirectory()) return undefined;
    const index = path.join(real, 'index.html');
    try {
      const s = statSync(index);
      // Jetty's welcome file carries a charset; a file asked for by name does not.
      if (s.isFile()) return send(index, s.size, s.mtime, 'text/html;charset=utf-8');
    } catch { /* no index: the folder is forbidden */ }
    const body = forbiddenPage(rawPath);
    return { kind: 'folder', status: 403, headers: ['Content-Type', 'text/html;charset=ISO-8859-1', 'Cache-Control', 'must-revalidate,no-cache,no-store', 'Content-Length', String(body.length)], body };
  };
}
