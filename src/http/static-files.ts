/**
 * WireMock serves the files folder (`__files/`) as static content to GET requests that no stub
 * matches: `/a/b.json` answers `__files/a/b.json` with a Content-Type from its extension, a folder
 * answers its `index.html` or 403 (Jetty's DefaultServlet, which WireMock forwards unmatched GETs to).
 * Decoy does the same, confined to the folder; hidden names are not served.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/** A response as the server sends and the journal keeps it. */
export interface StaticResponse {
  status: number;
  headers: string[];
  body: Buffer;
}

/**
 * What a static lookup found: a file to send, or a folder (403); undefined is nothing (the usual 404).
 * `response` and `journal` are shared by every request for the same version of a file, so a file
 * asked for many times is held once, and so is its gzipped form.
 */
export interface StaticAnswer {
  kind: 'file' | 'folder';
  /** What is sent. For a streamed file, its headers, with only the file's start as body. */
  response: StaticResponse;
  /** What the journal keeps: the response with its body cut to JOURNAL_BODY_LIMIT bytes. */
  journal: StaticResponse;
  /** Whether it is sent from `stream`. */
  streamed: boolean;
  /** A file too large to hold: sent from this open descriptor (the caller closes it, or a stream does). */
  stream?: { fd: number; size: number };
}

/** Files up to this size are read whole and kept (while they fit in the cache); larger ones are streamed. */
export const STREAM_OVER_BYTES = 1024 * 1024;
/** How many bytes of files the cache holds at most. */
export const CACHE_BYTES = 32 * 1024 * 1024;
/** How much of a file's body the journal keeps, as for a proxied body. */
export const JOURNAL_BODY_LIMIT = 64 * 1024;

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

interface Held {
  mtimeMs: number;
  size: number;
  answer: StaticAnswer;
  /** The bytes the entry holds, counted against CACHE_BYTES. */
  bytes: number;
}

/**
 * A lookup of request paths in a files folder. Each call looks at the disk (the folder may change at any
 * time, and only unmatched GETs get here); a file's bytes are read again only when its modification
 * time or size changed. A file that vanishes or changes while it is looked up is not found (404).
 */
export function createStaticFiles(filesRoot: string): (rawPath: string) => StaticAnswer | undefined {
  // Least recently used first: a Map iterates in insertion order and a hit is moved to the end.
  const held = new Map<string, Held>();
  let heldBytes = 0;

  const forget = (file: string, entry: Held) => {
    held.delete(file);
    heldBytes -= entry.bytes;
  };

  const keep = (file: string, entry: Held) => {
    if (entry.bytes > CACHE_BYTES) return;
    held.set(file, entry);
    heldBytes += entry.bytes;
    for (const [f, e] of held) {
      if (heldBytes <= CACHE_BYTES) break;
      forget(f, e);
    }
  };

  /** The held answer for this version of a file (same modification time and size), moved to the recent end. */
  const recall = (file: string, stat: Stats): StaticAnswer | undefined => {
    const cached = held.get(file);
    if (cached === undefined) return undefined;
    forget(file, cached);
    if (cached.mtimeMs !== stat.mtimeMs || cached.size !== stat.size) return undefined;
    keep(file, cached);
    return cached.answer;
  };

  const headersOf = (contentType: string, stat: Stats, length: number) =>
    ['Content-Type', contentType, 'Last-Modified', stat.mtime.toUTCString(), 'Content-Length', String(length)];

  const fileAnswer = (file: string, stat: Stats, contentType: string): StaticAnswer => {
    if (stat.size <= STREAM_OVER_BYTES) {
      const known = recall(file, stat);
      if (known !== undefined) return known;
      const body = readFileSync(file);
      const response = { status: 200, headers: headersOf(contentType, stat, body.length), body };
      const journal = body.length <= JOURNAL_BODY_LIMIT ? response : { ...response, body: Buffer.from(body.subarray(0, JOURNAL_BODY_LIMIT)) };
      const answer: StaticAnswer = { kind: 'file', response, journal, streamed: false };
      keep(file, { mtimeMs: stat.mtimeMs, size: stat.size, answer, bytes: body.length + (journal === response ? 0 : journal.body.length) });
      return answer;
    }
    // Opened before anything is promised: a file renamed away after this is still sent as it was.
    const fd = openSync(file, 'r');
    try {
      const opened = fstatSync(fd);
      let known = recall(file, opened);
      if (known === undefined) {
        const start = Buffer.alloc(Math.min(JOURNAL_BODY_LIMIT, opened.size));
        const read = readSync(fd, start, 0, start.length, 0);
        const response = { status: 200, headers: headersOf(contentType, opened, opened.size), body: start.subarray(0, read) };
        known = { kind: 'file', response, journal: response, streamed: false };
        keep(file, { mtimeMs: opened.mtimeMs, size: opened.size, answer: known, bytes: start.length });
      }
      return { ...known, streamed: true, stream: { fd, size: opened.size } };
    } catch (e) {
      closeSync(fd);
      throw e;
    }
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
    try {
      const stat = statSync(real);
      if (stat.isFile()) return fileAnswer(real, stat, contentTypeOf(real));
      if (!stat.isDirectory()) return undefined;
      const index = path.join(real, 'index.html');
      const s = statSync(index, { throwIfNoEntry: false });
      // Jetty's welcome file carries a charset; a file asked for by name does not.
      if (s !== undefined && s.isFile()) return fileAnswer(index, s, 'text/html;charset=utf-8');
    } catch {
      // Renamed or removed while it was looked at (an editor's atomic save), or unreadable: not found.
      return undefined;
    }
    const body = forbiddenPage(rawPath);
    const response = { status: 403, headers: ['Content-Type', 'text/html;charset=ISO-8859-1', 'Cache-Control', 'must-revalidate,no-cache,no-store', 'Content-Length', String(body.length)], body };
    return { kind: 'folder', response, journal: response, streamed: false };
  };
}
