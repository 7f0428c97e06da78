/**
 * `decoy validate --contract FILE STUBS_DIR` and `decoy drift --contract FILE SOURCE`: the contract
 * checks offline, for CI. Both print one line per problem and exit 1 when there is any (2 when the
 * contract or the input cannot be read).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { checkExchangeAgainstContract, type ContractExchange } from '../core/contract/check-exchange.js';
import { isDecoyError } from '../core/errors.js';
import type { StubDefinition } from '../core/stub-definition.js';
import { silentLogger } from '../observability/logger.js';
import { loadContractChecker, loadContracts } from '../sources/contract-source.js';
import { StubFolder } from '../sources/stub-folder.js';

const collect = (v: string, all: string[]) => [...all, v];

export function buildValidateProgram(): Command {
  return new Command('decoy validate')
    .description('Check every stub of a folder against API contracts (OpenAPI documents), as --contract-strict would at start-up, and load errors too; exits 1 when any stub breaks them.')
    .requiredOption('--contract <file>', 'an OpenAPI document (Swagger 2.0, OpenAPI 3.0/3.1) the stubs must keep (repeatable)', collect, [])
    .argument('<stubs>', 'the stubs folder (Decoy YAML/JSON files, or a WireMock root folder)')
    .showHelpAfterError('(run decoy validate --help for the options)');
}

export function buildDriftProgram(): Command {
  return new Command('decoy drift')
    .description('Check real exchanges against API contracts: a recording (a stubs folder written by decoy record) or a journal (the JSON of GET /__admin/requests, a file or the URL); exits 1 when any exchange breaks them.')
    .requiredOption('--contract <file>', 'an OpenAPI document the real API should keep (repeatable)', collect, [])
    .argument('<source>', 'a recording folder, a journal JSON file, or http://host:port/__admin/requests')
    .showHelpAfterError('(run decoy drift --help for the options)');
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

export async function runValidate(argv: string[]): Promise<void> {
  const program = buildValidateProgram();
  program.parse(argv, { from: 'user' });
  const o = program.opts<{ contract: string[] }>();
  const [dir] = program.processedArgs as [string];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`${dir} is not a folder of stubs`);
  let loaded;
  try {
    loaded = await loadContractChecker(o.contract, { strict: true });
  } catch (e) {
    fail(isDecoyError(e) ? e.format() : (e as Error).message);
  }
  for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
  const folder = new StubFolder({ dir, logger: silentLogger(), nextSequence: sequence(), onChange: () => undefined, contract: loaded.checker });
  await folder.load();
  const errors = folder.errors();
  for (const e of errors) process.stdout.write(`${e.format()}\n`);
  const stubs = folder.stubs().length;
  const broken = errors.filter((e) => e.code === 'DECOY_ERR_CONTRACT_VIOLATION').length;
  process.stdout.write(`${stubs} stub(s) keep the contract; ${broken} contract violation(s), ${errors.length - broken} other load problem(s)\n`);
  process.exitCode = errors.length ? 1 : 0;
}

export async function runDrift(argv: string[]): Promise<void> {
  const program = buildDriftProgram();
  program.parse(argv, { from: 'user' });
  const o = program.opts<{ contract: string[] }>();
  const [source] = program.processedArgs as [string];
  let contracts;
  try {
    ({ contracts } = await loadContracts(o.contract));
  } catch (e) {
    fail(isDecoyError(e) ? e.format() : (e as Error).message);
  }
  let exchanges: Array<{ where: string; exchange: ContractExchange }>;
  try {
    exchanges = await readExchanges(source);
  } catch (e) {
    fail(`${source}: ${(e as Error).message}`);
  }
  let broken = 0;
  for (const { where, exchange } of exchanges) {
    const violations = checkExchangeAgainstContract(exchange, contracts);
    if (violations.length) broken++;
    for (const v of violations) process.stdout.write(`${where} ${exchange.method} ${exchange.url} → ${exchange.status}: (${v.rule}) ${v.message} [${v.contract}]\n`);
  }
  process.stdout.write(`${exchanges.length} exchange(s) checked; ${broken} break the contract\n`);
  process.exitCode = broken ? 1 : 0;
}

function sequence(): () => number {
  let n = 0;
  return () => n++;
}

async function readExchanges(source: string): Promise<Array<{ where: string; exchange: ContractExchange }>> {
  if (/^https?:\/\//i.test(source)) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`GET answered ${res.status}`);
    return journalExchanges(await res.json(), source);
  }
  if (!existsSync(source)) throw new Error('no such file or folder');
  if (statSync(source).isDirectory()) return recordingExchanges(source);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(source, 'utf8'));
  } catch (e) {
    throw new Error(`not a journal (JSON of GET /__admin/requests): ${(e as Error).message}`);
  }
  return journalExchanges(data, source);
}

type Json = Record<string, unknown>;

function headersOf(h: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (typeof h !== 'object' || h === null) return out;
  for (const [k, v] of Object.entries(h as Json)) {
    // WireMock's shapes: a string, a list, or `{ values: [...] }`.
    if (typeof v === 'string' || Array.isArray(v)) out[k] = v as string | string[];
    else if (typeof v === 'object' && v !== null && Array.isArray((v as Json).values)) out[k] = (v as { values: string[] }).values;
  }
  return out;
}

function bodyOf(r: Json): string | undefined {
  if (typeof r.body === 'string') return r.body;
  if (typeof r.bodyAsBase64 === 'string') return Buffer.from(r.bodyAsBase64, 'base64').toString('utf8');
  return undefined;
}

function journalExchanges(data: unknown, where: string): Array<{ where: string; exchange: ContractExchange }> {
  const list = Array.isArray(data) ? data : (data as Json | null)?.requests;
  if (!Array.isArray(list)) throw new Error('not a journal: expected the JSON of GET /__admin/requests ({ "requests": [...] })');
  const out: Array<{ where: string; exchange: ContractExchange }> = [];
  list.forEach((e: Json, i) => {
    const request = (e.request ?? {}) as Json;
    const response = (e.response ?? e.responseDefinition ?? {}) as Json;
    if (typeof request.url !== 'string' || typeof response.status !== 'number') return;
    out.push({
      where: `${where}#/requests/${i}`,
      exchange: {
        method: String(request.method ?? 'GET'), url: request.url,
        requestHeaders: headersOf(request.headers), ...(bodyOf(request) ? { requestBody: bodyOf(request)! } : {}),
        status: response.status, responseHeaders: headersOf(response.headers), ...(bodyOf(response) ? { responseBody: bodyOf(response)! } : {}),
      },
    });
  });
  return out;
}

/** A recording's stubs as the exchanges they were recorded from. */
async function recordingExchanges(dir: string): Promise<Array<{ where: string; exchange: ContractExchange }>> {
  const folder = new StubFolder({ dir, logger: silentLogger(), nextSequence: sequence(), onChange: () => undefined });
  await folder.load();
  const problems = folder.errors();
  if (problems.length) throw new Error(`the recording does not load: ${problems[0]!.format()}`);
  const filesDir = existsSync(path.join(dir, '__files')) ? path.join(dir, '__files') : dir;
  const out: Array<{ where: string; exchange: ContractExchange }> = [];
  for (const stub of folder.stubs()) {
    const def: StubDefinition = stub.definition;
    const r = def.request ?? {};
    const url = r.url ?? r.urlPath ?? r.path;
    const response = def.response ?? def.responses?.[0];
    if (typeof url !== 'string' || !response) continue;
    const method = Array.isArray(r.method) ? r.method[0]! : r.method ?? 'GET';
    const requestHeaders: Record<string, string> = {};
    for (const [k, m] of Object.entries(r.headers ?? {})) {
      const v = typeof m === 'string' ? m : (m as Json).equalTo;
      if (typeof v === 'string') requestHeaders[k] = v;
    }
    let requestBody: string | undefined;
    const bodyPattern = r.bodyPatterns?.[0];
    if (typeof bodyPattern === 'object' && bodyPattern !== null) {
      const p = bodyPattern as Json;
      requestBody = p.equalToJson !== undefined ? (typeof p.equalToJson === 'string' ? p.equalToJson : JSON.stringify(p.equalToJson)) : typeof p.equalTo === 'string' ? p.equalTo : undefined;
      if (requestBody !== undefined && p.equalToJson !== undefined && !Object.keys(requestHeaders).some((k) => k.toLowerCase() === 'content-type')) requestHeaders['Content-Type'] = 'application/json';
    }
    let responseBody: string | undefined;
    if (response.jsonBody !== undefined) responseBody = JSON.stringify(response.jsonBody);
    else if (typeof response.body === 'string') responseBody = response.body;
    else if (typeof response.base64Body === 'string') responseBody = Buffer.from(response.base64Body, 'base64').toString('utf8');
    else if (typeof response.bodyFileName === 'string') {
      try {
        responseBody = readFileSync(path.join(filesDir, response.bodyFileName), 'utf8');
      } catch {
        responseBody = undefined;
      }
    }
    const responseHeaders = { ...(response.headers ?? {}) } as Record<string, string | string[]>;
    if (response.jsonBody !== undefined && !Object.keys(responseHeaders).some((k) => k.toLowerCase() === 'content-type')) responseHeaders['Content-Type'] = 'application/json';
    out.push({
      where: `${stub.origin.file ?? dir}${stub.origin.line ? `:${stub.origin.line}` : ''}`,
      exchange: {
        method: String(method), url, requestHeaders, ...(requestBody !== undefined ? { requestBody } : {}),
        status: typeof response.status === 'number' ? response.status : 200, responseHeaders, ...(responseBody !== undefined ? { responseBody } : {}),
      },
    });
  }
  return out;
}
