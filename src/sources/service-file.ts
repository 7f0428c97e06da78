/**
 * Several virtual services in one Decoy: each is a folder of stubs with its own port, declared by a
 * `decoy.service.yaml` in a subfolder of the stubs root, or by `--service name=port:dir`.
 *
 * ```yaml
 * # stubs/payments/decoy.service.yaml
 * name: payments      # optional: the folder's name by default
 * port: 8081
 * httpsPort: 8444     # optional, as are journalSize, seed, proxyAll, cors
 * contract: openapi.yaml   # optional: the API contract this service's stubs are checked against (one or a list)
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { yamlLib } from './yaml-lib.js';
import { DecoyError } from '../core/errors.js';
import { isPlainObject } from '../core/matching/matcher-support.js';
import { displayPath } from './display-path.js';

/** File names that declare a service (never read as stub files). */
export const SERVICE_FILE_NAMES: readonly string[] = ['decoy.service.yaml', 'decoy.service.yml', 'decoy.service.json'];

/** A service as declared: which folder, which port, and the settings it sets for itself. */
export interface ServiceDefinition {
  name: string;
  /** Port for its stubs and its own `/__admin`; 0 picks a free one. */
  port: number;
  stubsDir: string;
  httpsPort?: number;
  journalSize?: number;
  seed?: number;
  proxyAll?: string;
  cors?: boolean;
  /** API contracts its stubs are checked against (`--contract` of this service), resolved against its folder. */
  contract?: string[];
  contractStrict?: boolean;
}

/** A service's name is a path segment of its admin base (`/__admin/decoy/services/<name>`). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const KEYS: Record<string, 'port' | 'count' | 'string' | 'boolean' | 'name' | 'files'> = {
  name: 'name', port: 'port', httpsPort: 'port', journalSize: 'count', seed: 'count', proxyAll: 'string', cors: 'boolean',
  contract: 'files', contractStrict: 'boolean',
};

export function isServiceFile(file: string): boolean {
  return SERVICE_FILE_NAMES.includes(path.basename(file));
}

function invalid(message: string, source?: { file: string; line?: number; column?: number }, hint?: string): DecoyError {
  return new DecoyError('DECOY_ERR_SERVICE_INVALID', message, { ...(source ? { source } : {}), ...(hint ? { hint } : {}) });
}

/** Reads one service file; every problem in it is reported at once. */
export function readServiceFile(file: string, display = file): ServiceDefinition {
  const text = readFileSync(file, 'utf8');
  const { LineCounter, parseDocument } = yamlLib();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const at = lines.linePos(e.pos[0]);
    throw invalid(`not well-formed YAML/JSON: ${e.message.split('\n')[0]}`, { file: display, line: at.line, column: at.col });
  }
  const data: unknown = doc.toJS();
  if (!isPlainObject(data)) throw invalid('a service file must be a mapping with at least a port, e.g. "port: 8081"', { file: display });
  const problems: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const kind = KEYS[key];
    const ok = kind === undefined ? false
      : kind === 'port' ? Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535
        : kind === 'count' ? Number.isSafeInteger(value) && (value as number) >= 0
          : kind === 'boolean' ? typeof value === 'boolean'
            : kind === 'name' ? typeof value === 'string' && NAME.test(value)
              : kind === 'files' ? (Array.isArray(value) ? value : [value]).every((v) => typeof v === 'string' && v !== '') && (!Array.isArray(value) || value.length > 0)
                : typeof value === 'string' && value !== '';
    if (kind === undefined) problems.push(`unknown key ${key} (valid keys: ${Object.keys(KEYS).join(', ')})`);
    else if (!ok) problems.push(`${key} must be ${describe(kind)} (got ${JSON.stringify(value)})`);
  }
  if (data.port === undefined) problems.push('port is required (the port this service listens on; 0 picks a free one)');
  if (problems.length) throw invalid(problems.join('; '), { file: display });
  const dir = path.dirname(file);
  // A service's contract is its own (the main service's `--contract` describes another API), read from its folder.
  const contract = data.contract === undefined ? undefined : (Array.isArray(data.contract) ? data.contract as string[] : [data.contract as string]).map((f) => path.resolve(dir, f));
  return { ...(data as Omit<ServiceDefinition, 'name' | 'stubsDir' | 'contract'>), ...(contract ? { contract } : {}), name: (data.name as string | undefined) ?? path.basename(dir), stubsDir: dir };
}

function describe(kind: string): string {
  return kind === 'port' ? 'a whole number from 0 to 65535'
    : kind === 'count' ? 'a whole number >= 0'
      : kind === 'boolean' ? 'true or false'
        : kind === 'name' ? 'letters, digits, ".", "_" or "-" (starting with a letter or digit)'
          : kind === 'files' ? 'a file path or a list of file paths (relative to the service\'s folder)'
            : 'a non-empty string';
}

/** The services declared by service files in the direct subfolders of `root`, in name order of the folders. */
export async function discoverServices(root: string): Promise<ServiceDefinition[]> {
  const out: ServiceDefinition[] = [];
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return out; // the stubs folder's own check reports a missing folder
  }
  // Folders only, then sorted: the first localeCompare sets up a collator, and a folder of 1,000 stub files has no use for one.
  for (const e of entries.filter((d) => d.isDirectory() && !d.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
    const found = SERVICE_FILE_NAMES.map((n) => path.join(root, e.name, n)).filter((f) => existsSync(f));
    if (found.length > 1) throw invalid(`${found.map((f) => path.basename(f)).join(' and ')} both declare this folder's service; keep one`, { file: displayPath(found[1]!) });
    if (found.length === 1) out.push(readServiceFile(found[0]!, displayPath(found[0]!)));
  }
  return out;
}

/** `--service payments=8081:stubs/payments`: a name, a port, a folder. */
export function parseServiceFlag(value: string): ServiceDefinition {
  const m = /^([^=]+)=(\d+):(.+)$/.exec(value);
  if (!m) throw invalid(`--service ${value}: expected NAME=PORT:DIR, e.g. payments=8081:stubs/payments`);
  const port = Number(m[2]);
  if (!NAME.test(m[1]!)) throw invalid(`--service ${value}: the name must be ${describe('name')}`);
  if (port > 65535) throw invalid(`--service ${value}: the port must be ${describe('port')}`);
  return { name: m[1]!, port, stubsDir: m[3]! };
}

/** Names must be unique and not `default` (the main service's). */
export function checkServiceNames(services: readonly { name: string }[], mainName: string): void {
  const seen = new Set([mainName]);
  for (const s of services) {
    if (!NAME.test(s.name)) throw invalid(`service name ${JSON.stringify(s.name)} is not valid: use ${describe('name')}`);
    if (seen.has(s.name)) {
      throw invalid(`two services are named ${s.name}`, undefined, s.name === mainName ? `${mainName} is the main service's name; pick another` : 'give each service its own name');
    }
    seen.add(s.name);
  }
}
