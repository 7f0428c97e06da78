/**
 * Imports a browser's HAR export (HTTP Archive 1.2, as Chrome, Firefox and Safari write it) as stubs:
 * each API call becomes an ordinary stub, through the same conversion and redaction as a recording.
 *
 * What is skipped, because it is page noise rather than an API a service depends on:
 * - static assets: entries whose resource type (Chrome's `_resourceType`) is a document, script,
 *   stylesheet, image, font, media, manifest or ping, or, without a resource type, whose response is
 *   HTML, CSS, JavaScript, an image, a font, audio or video;
 * - what cannot be replayed: `data:`, `blob:` and browser-extension URLs, aborted requests (status 0),
 *   WebSocket upgrades (101), `304 Not Modified` (the body lives in the browser's cache), and CORS
 *   preflights (`OPTIONS` with `Access-Control-Request-Method`: Decoy answers what a stub says);
 * - repeats: the same method, URL and body again is imported once (the first answer).
 * Secrets are masked as in a recording (a HAR export is full of cookies and tokens): the same defaults,
 * the same two passes over every entry, the same report.
 */
import { DecoyError } from '../../core/errors.js';
import { describeRequest, requestKey, toStub, type RecordOptions, type RecordedExchange } from '../../core/recording/to-stub.js';
import { DEFAULT_REDACTION, Redactor, type RedactionSettings } from '../../core/recording/redaction.js';
import { readJsonFile } from './read-json.js';
import type { ImportResult } from './import-result.js';

export interface HarImportOptions {
  /** More to mask than the defaults (names, patterns, headers, query parameters, JSONPath fields), personal data, or no defaults. */
  redaction?: Partial<RedactionSettings>;
  /** Import static assets (HTML, scripts, styles, images, fonts) too. Default false. */
  includeStatic?: boolean;
}

interface HarHeader { name: string; value: string }
interface HarEntry {
  _resourceType?: string;
  request?: { method?: string; url?: string; headers?: HarHeader[]; postData?: { mimeType?: string; text?: string; encoding?: string } };
  response?: { status?: number; headers?: HarHeader[]; content?: { mimeType?: string; text?: string; encoding?: string } };
}

const STATIC_RESOURCE_TYPES = new Set(['document', 'script', 'stylesheet', 'image', 'font', 'media', 'manifest', 'ping', 'texttrack', 'websocket', 'csp_violation_report', 'prefetch']);
const STATIC_MIME = /^(text\/(html|css|javascript)|application\/(javascript|x-javascript|ecmascript|wasm)|image\/|font\/|audio\/|video\/|application\/(font|x-font)-)/i;
/** Per-transfer headers: HAR bodies are stored decoded, so the encoding and length no longer apply; Date is the browsing session's. */
const TRANSFER_HEADERS = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'date']);

function flat(headers: HarHeader[] | undefined, drop?: Set<string>): string[] {
  const out: string[] = [];
  for (const h of headers ?? []) {
    // HTTP/2 pseudo-headers (:authority, :path) are not headers a client sends over HTTP/1.1.
    if (typeof h?.name !== 'string' || h.name.startsWith(':') || drop?.has(h.name.toLowerCase())) continue;
    out.push(h.name, String(h.value ?? ''));
  }
  return out;
}

function header(headers: HarHeader[] | undefined, name: string): string | undefined {
  return headers?.find((h) => h?.name?.toLowerCase() === name)?.value;
}

function bodyOf(text: string | undefined, encoding: string | undefined): Buffer {
  if (text === undefined || text === null) return Buffer.alloc(0);
  return encoding === 'base64' ? Buffer.from(text, 'base64') : Buffer.from(String(text), 'utf8');
}

/** Why an entry is not imported, or undefined to import it. */
function skipReason(e: HarEntry, url: URL, includeStatic: boolean): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `a ${url.protocol} URL`;
  const status = e.response?.status ?? 0;
  if (status === 0) return 'aborted (status 0)';
  if (status === 101) return 'a WebSocket upgrade';
  if (status === 304) return '304 Not Modified (no body to replay)';
  if (e.request?.method?.toUpperCase() === 'OPTIONS' && header(e.request.headers, 'access-control-request-method') !== undefined) return 'a CORS preflight';
  if (includeStatic) return undefined;
  const type = e._resourceType?.toLowerCase();
  if (type !== undefined && STATIC_RESOURCE_TYPES.has(type)) return `a static asset (${type})`;
  if (type === undefined && STATIC_MIME.test(e.response?.content?.mimeType ?? '')) return `a static asset (${e.response!.content!.mimeType})`;
  return undefined;
}

/** Reads HAR files and turns their API calls into stub definitions. */
export async function importHar(files: string[], options: HarImportOptions = {}): Promise<ImportResult> {
  const redaction: RedactionSettings = { ...DEFAULT_REDACTION, ...options.redaction };
  // Bodies stay in the stub (an import writes stub files only), and the request body is matched as a recording matches it.
  const recordOptions: RecordOptions = {
    captureHeaders: new Map(), requestBodyPattern: 'auto', redaction,
    extractTextOver: Number.POSITIVE_INFINITY, extractBinaryOver: Number.POSITIVE_INFINITY,
  };
  const stubs: ImportResult['stubs'] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const kept: Array<{ exchange: RecordedExchange; host: string }> = [];
  const skipped = new Map<string, number>();
  const hosts = new Set<string>();
  for (const file of files) {
    const har = await readJsonFile(file, 'a HAR file') as { log?: { entries?: HarEntry[] } } | null;
    const entries = har?.log?.entries;
    if (!Array.isArray(entries)) throw new DecoyError('DECOY_ERR_IMPORT_INVALID', `${file} is not a HAR file: it has no log.entries list`, { source: { file, pointer: '/log/entries' } });
    entries.forEach((entry, i) => {
      let url: URL;
      try {
        url = new URL(String(entry?.request?.url));
      } catch {
        warnings.push(`${file}: entry ${i} has no valid request.url; skipped`);
        return;
      }
      const reason = skipReason(entry, url, options.includeStatic ?? false);
      if (reason) {
        const group = reason.startsWith('a static asset') ? 'a static asset (HTML, script, style, image, font, media)' : reason;
        skipped.set(group, (skipped.get(group) ?? 0) + 1);
        return;
      }
      hosts.add(url.host);
      const exchange: RecordedExchange = {
        method: (entry.request?.method ?? 'GET').toUpperCase(),
        url: url.pathname + url.search,
        requestHeaders: flat(entry.request?.headers),
        requestBody: bodyOf(entry.request?.postData?.text, entry.request?.postData?.encoding),
        status: entry.response!.status!,
        responseHeaders: flat(entry.response?.headers, TRANSFER_HEADERS),
        responseBody: bodyOf(entry.response?.content?.text, entry.response?.content?.encoding),
      };
      kept.push({ exchange, host: url.host });
    });
  }
  // Every secret of every entry is known before any stub is made (a token one answer hands out is masked where later requests carry it).
  const redactor = new Redactor(redaction);
  // Redaction is CPU work per entry: the event loop gets a turn every few entries (an import over the admin API runs inside a serving Decoy).
  for (let i = 0; i < kept.length; i++) {
    if (i > 0 && i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    redactor.learn(kept[i]!.exchange);
  }
  for (let i = 0; i < kept.length; i++) {
    if (i > 0 && i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    const { exchange, host } = kept[i]!;
    const { exchange: redacted, counts } = redactor.redact(exchange);
    const key = requestKey(redacted, recordOptions);
    if (seen.has(key)) {
      skipped.set('a repeat of an earlier request', (skipped.get('a repeat of an earlier request') ?? 0) + 1);
      continue;
    }
    seen.add(key);
    redactor.count(counts);
    const { definition } = toStub({ original: exchange, redacted }, recordOptions, `har-${stubs.length + 1}`);
    stubs.push({ ...definition, name: describeRequest(redacted), metadata: { importedFrom: 'har', host } });
  }
  for (const [reason, count] of skipped) warnings.push(`skipped ${count} entr${count === 1 ? 'y' : 'ies'}: ${reason}`);
  if (hosts.size > 1) warnings.push(`the entries come from ${hosts.size} hosts (${[...hosts].join(', ')}); their stubs match on path only, so one Decoy serves them all`);
  return { stubs, warnings, notes: [redactor.report().summary] };
}
