/**
 * One error type for everything Decoy reports to a user: a stable code, a message, an optional hint
 * on how to fix it, and where the problem is (file, line, column, JSON pointer).
 * Every code is listed in docs/errors.md.
 */
export type DecoyErrorCode =
  | 'DECOY_ERR_STUB_SYNTAX'
  | 'DECOY_ERR_STUB_INVALID'
  | 'DECOY_ERR_STUB_COMPILE'
  | 'DECOY_ERR_BODY_FILE_ESCAPE'
  | 'DECOY_ERR_BODY_FILE_NOT_FOUND'
  | 'DECOY_ERR_STUBS_DIR'
  | 'DECOY_ERR_OPTION_INVALID'
  | 'DECOY_ERR_SAVE_CONFLICT'
  | 'DECOY_ERR_TEMPLATE_INVALID'
  | 'DECOY_ERR_TEMPLATE_RENDER'
  | 'DECOY_ERR_IMPORT_INVALID'
  | 'DECOY_ERR_TLS'
  | 'DECOY_ERR_SERVICE_INVALID'
  | 'DECOY_ERR_SCHEMA_INVALID'
  | 'DECOY_ERR_OPENAPI_INVALID'
  | 'DECOY_ERR_CONTRACT_VIOLATION'
  | 'DECOY_ERR_WRITE_ESCAPE'
  | 'DECOY_ERR_INIT_EXISTS'
  | 'DECOY_ERR_STORE'
  | 'DECOY_ERR_STORE_UNAVAILABLE'
  | 'DECOY_ERR_NAMESPACE_INVALID'
  | 'DECOY_ERR_NAMESPACE_LIMIT';

export interface ErrorSource {
  /** The file as shown to the user: relative to the working directory when inside it, else absolute. */
  file?: string;
  line?: number;
  column?: number;
  /** RFC 6901 JSON pointer into the document, e.g. `/response/status`. */
  pointer?: string;
}

export class DecoyError extends Error {
  readonly code: DecoyErrorCode;
  readonly hint: string | undefined;
  source: ErrorSource | undefined;

  constructor(code: DecoyErrorCode, message: string, options: { hint?: string; source?: ErrorSource; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DecoyError';
    this.code = code;
    this.hint = options.hint;
    this.source = options.source;
  }

  /** `file:line:column CODE message (at /pointer)`: the one-line form used in logs and the CLI. */
  format(): string {
    const s = this.source;
    let where = '';
    if (s?.file) {
      where = s.file;
      if (s.line !== undefined) where += `:${s.line}` + (s.column !== undefined ? `:${s.column}` : '');
      where += ' ';
    }
    // With a line to go to, the message's own wording names the field; the pointer would repeat it.
    const pointer = s?.pointer !== undefined && s.pointer !== '' && s.line === undefined ? ` (at ${s.pointer})` : '';
    const hint = this.hint ? ` (hint: ${this.hint})` : '';
    return `${where}${this.code} ${this.message}${pointer}${hint}`;
  }
}

/**
 * Whether `e` is a DecoyError, by class or by shape: code loaded through another module graph (the
 * lazily loaded admin API under a test loader, say) throws DecoyErrors of another class object.
 */
export function isDecoyError(e: unknown): e is DecoyError {
  return e instanceof DecoyError || (e instanceof Error && e.name === 'DecoyError' && typeof (e as DecoyError).code === 'string' && (e as DecoyError).code.startsWith('DECOY_ERR_'));
}

/** Escape one JSON-pointer reference token (RFC 6901 section 3). */
export function escapePointerToken(token: string | number): string {
  const s = String(token);
  // Most tokens need no escape: no regex replace for them (pointers are joined for every stub at load).
  return s.includes('~') || s.includes('/') ? s.replace(/~/g, '~0').replace(/\//g, '~1') : s;
}

export function joinPointer(base: string, ...tokens: Array<string | number>): string {
  let out = base;
  for (let i = 0; i < tokens.length; i++) out += '/' + escapePointerToken(tokens[i]!);
  return out;
}

/** The value a JSON pointer names inside `root`, or undefined when the path does not exist (RFC 6901). */
export function valueAtPointer(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}
