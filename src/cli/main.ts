#!/usr/bin/env node
/**
 * The `decoy` command: serve a folder of stubs.
 */
// First, before anything allocates: see the module.
import { collectLoadGarbage } from './young-generation.js';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DecoyError, isDecoyError } from '../core/errors.js';
import { createDecoy, type ServiceOptions } from '../index.js';
import { loadRedisAdapter } from '../store/redis-adapter.js';
import { parseServiceFlag } from '../sources/service-file.js';
import { createLogger, type LogFormat, type Logger } from '../observability/logger.js';
import { VERSION } from '../version.js';
import { DEFAULT_LIMITS } from '../http/limits.js';
import { DEFAULT_MAX_CONCURRENT_WEBHOOKS, DEFAULT_MAX_PENDING_WEBHOOKS } from '../webhooks/webhook-sender.js';
import { DEFAULT_MAX_NAMESPACES, DEFAULT_NAMESPACE_IDLE_TIMEOUT_MS } from '../core/namespaces/namespaces.js';
import { DEFAULT_NAMESPACE_HEADER } from '../http/namespace-route.js';

/** The example stubs shipped in the package: served when no `--stubs` is given and `./stubs` is missing. */
const BUNDLED_STUBS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../stubs');

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a whole number from 0 to 65535 (0 picks a free port)');
  return n;
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('must be a whole number >= 0');
  return Number(value);
}

/** A duration: ms, or with a unit (500ms, 90s, 30m, 2h). */
function parseDuration(value: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a duration in ms, or with a unit: 500ms, 90s, 30m, 2h');
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] ?? 'ms']!;
}

function parseBytes(value: string): number {
  const m = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a size in bytes, optionally with k, m or g (e.g. 10m)');
  const unit = (m[2] ?? '').toLowerCase()[0];
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}

/** `--some-flag` → `DECOY_SOME_FLAG`. */
export function envVarOf(longFlag: string): string {
  return `DECOY_${longFlag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

/**
 * A command whose every option `--some-flag` can also be set by the environment variable `DECOY_SOME_FLAG`
 * (for containers and CI); a flag on the command line wins. `decoy --help` shows each variable. The
 * variable is attached as each option is added: commander wires up the environment only then.
 */
class DecoyCommand extends Command {
  override addOption(option: Option): this {
    if (option.envVar === undefined && option.long !== undefined && option.long !== '--help') option.env(envVarOf(option.long));
    return super.addOption(option);
  }
}

/**
 * Commander turns an on/off flag on when its variable is set at all; `DECOY_VERBOSE=false` (or 0, no,
 * off, empty) should leave it off, so such values are taken out of the environment before parsing.
 */
function dropFalseSwitches(program: Command, env: NodeJS.ProcessEnv): void {
  for (const option of program.options) {
    if (option.envVar === undefined || option.required || option.optional) continue;
    const value = env[option.envVar];
    if (value !== undefined && /^(|0|false|no|off)$/i.test(value.trim())) delete env[option.envVar];
  }
}

function readPem(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DecoyError('DECOY_ERR_TLS', `${flag} ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'give the path of a PEM file' });
  }
}

function parseService(value: string, previous: ServiceOptions[] = []): ServiceOptions[] {
  try {
    return [...previous, parseServiceFlag(value)];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--service \S+: /, ''));
  }
}

function parseList(value: string): string[] {
  const list = value.split(',').map((v) => v.trim()).filter(Boolean);
  if (list.length === 0) throw new InvalidArgumentError('must be a comma-separated list, e.g. http://localhost:3000,https://app.example.com');
  return list;
}

// Options `decoy` and `decoy record` share: one definition each, the same text and default.
const logFormatOption = () => new Option('--log-format <format>', 'log format').choices(['pretty', 'json']).default('pretty');
const maxBodySizeOption = (what: string) => new Option('--max-body-size <bytes>', what).argParser(parseBytes).default(DEFAULT_LIMITS.maxBodyBytes);
const proxyInsecureOption = () => new Option('--proxy-insecure', 'accept upstream certificates that do not verify (self-signed) when proxying');
const proxyTimeoutOption = () => new Option('--proxy-timeout <ms>', 'longest wait for an upstream when proxying (then 504)').argParser(parseCount).default(DEFAULT_LIMITS.proxyTimeoutMs);

export function buildProgram(): Command {
  const program = new DecoyCommand();
  program
    .name('decoy')
    .description('A WireMock-compatible HTTP mock server: serves stubs from YAML/JSON files and reloads them on change.')
    .version(VERSION, '-V, --version')
    .option('-p, --port <port>', 'port to serve stubs (and /__admin) on; 0 picks a free port', parsePort, 8080)
    .option('-H, --host <host>', 'interface to bind', '0.0.0.0')
    .option('-s, --stubs <dir>', 'folder of stub files (Decoy YAML/JSON or a WireMock root with mappings/ and __files/)', './stubs')
    .option('--no-watch', 'do not reload stub files when they change')
    .option('-v, --verbose', 'log one line per request')
    .addOption(logFormatOption())
    .addOption(maxBodySizeOption('largest request body accepted (413 beyond); e.g. 10m'))
    .option('--admin-port <port>', 'also serve the admin API (/__admin) on this port', parsePort)
    .option('--admin-host <host>', 'interface the --admin-port binds (e.g. 127.0.0.1); /__admin is then no longer served on the stub port')
    .option('--admin-token <token>', 'require Authorization: Bearer <token> on every admin call (stub traffic is unaffected)')
    .option('--journal-size <n>', 'how many requests the journal keeps; the oldest are dropped first', parseCount, 10_000)
    .option('--journal-max-bytes <bytes>', 'byte budget of the journal: the bodies it keeps plus about 1 KB per entry; the oldest entries go first beyond it; e.g. 64m', parseBytes, 256 * 1024 * 1024)
    .option('--no-journal', 'keep no journal of requests')
    .option('--redact-journal', 'mask secrets in the journal (GET /__admin/requests), the UI and the request log, as recordings mask them (the journal is raw otherwise, as WireMock\'s is)')
    .option('--seed <n>', 'seed for every random draw (chaos, delay distributions, generated bodies): the same seed gives the same faults and data', parseCount)
    .option('--openapi <file>', 'mock an OpenAPI document (Swagger 2.0, OpenAPI 3.0/3.1): every operation becomes stubs (repeatable)', collect, [])
    .option('--validate-requests', 'a request to an operation of an --openapi document that breaks it gets a 400 listing every violation')
    .option('--contract <file>', 'an OpenAPI document every stub (files, admin API) is checked against: a stub that breaks it is logged and marked (repeatable)', collect, [])
    .option('--contract-strict', 'refuse stubs that break a --contract document, with an error naming the stub, the field and the schema rule')
    .option('--stable-data', 'generated bodies (response.schema) depend only on the request and --seed: the same request always gets the same data')
    .option('--max-hang <ms>', 'longest a HANG or STALL_BODY socket is held open', parseCount, DEFAULT_LIMITS.maxHangMs)
    .option('--max-hung-sockets <n>', 'most sockets held by HANG/STALL_BODY faults at once; beyond it such a fault closes the connection at once', parseCount, DEFAULT_LIMITS.maxHungSockets)
    .option('--max-pending-webhooks <n>', 'most stub callbacks waiting or being sent at once; beyond it they are refused (and journaled as refused)', parseCount, DEFAULT_MAX_PENDING_WEBHOOKS)
    .option('--max-concurrent-webhooks <n>', 'most webhook requests in flight at once', parseCount, DEFAULT_MAX_CONCURRENT_WEBHOOKS)
    .option('--webhook-allow <host-or-cidr>', 'where stub callbacks may go: a host name (hooks.test, *.test), an address or a CIDR network (repeatable); callbacks elsewhere are refused', (v: string, prev: string[] | undefined) => collect(v, prev ?? []))
    .option('--max-header-size <bytes>', 'largest request line plus headers (431 beyond); e.g. 16k', parseBytes, DEFAULT_LIMITS.maxHeaderBytes)
    .option('--max-headers-count <n>', 'most header lines in one request (431 beyond)', parseCount, DEFAULT_LIMITS.maxHeadersCount)
    .option('--request-timeout <ms>', 'longest a request (line, headers, body) may take to arrive (408, then the connection is closed); 0 for none', parseCount, DEFAULT_LIMITS.requestTimeoutMs)
    .option('--admin-request-timeout <ms>', 'the same on the separate --admin-port', parseCount, DEFAULT_LIMITS.adminRequestTimeoutMs)
    .option('--idle-timeout <ms>', 'how long an idle keep-alive connection is kept open', parseCount, DEFAULT_LIMITS.idleTimeoutMs)
    .option('--proxy-all <url>', 'forward every request no stub matches to this base URL (partial mocking)')
    .addOption(proxyInsecureOption())
    .addOption(proxyTimeoutOption())
    .option('--global-templating', 'render every response as a Handlebars template (WireMock\'s --global-response-templating)')
    .option('--https-port <port>', 'also serve HTTPS on this port (with a self-signed certificate generated at start, unless --tls-cert/--tls-key)', parsePort)
    .option('--tls-cert <file>', 'PEM certificate (chain) for HTTPS')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', 'PEM CA certificate(s) that client certificates must chain to (with --mtls)')
    .option('--mtls', 'mutual TLS: refuse HTTPS clients without a certificate signed by --tls-ca')
    .option('--cors', 'answer CORS preflights and add CORS headers to every answer (for browsers calling from another origin)')
    .option('--cors-origins <origins>', 'with --cors, only these comma-separated origins (default: any); implies --cors', parseList)
    .option('--otlp-endpoint <url>', 'send traces of served requests over OTLP/HTTP to this base URL, e.g. http://localhost:4318 (the standard OTEL_EXPORTER_OTLP_* variables work too)')
    .option('--store <url>', 'share state with the other replicas using this Redis (redis://[user:pass@]host:6379[/db], redis-sentinel://host:26379[,host:port]/master[?db=N], redis-cluster://host:7000[,host:port]; rediss... for TLS): scenarios, counts, chaos rules, settings, the journal, recordings, API stubs')
    .option('--store-prefix <prefix>', 'prefix of the store\'s keys: fleets with different prefixes share one Redis apart', 'decoy')
    .option('--store-optional', 'start alone when the --store is unreachable, and join once it answers (default: exit with an error)')
    .option('--namespace-header <name>', 'the header that names a request\'s namespace (its own API stubs, scenarios, counters, resource items and journal; admin calls too)', DEFAULT_NAMESPACE_HEADER)
    .option('--namespace-path-prefix <path>', 'also name the namespace by path: with /ns, /ns/<name>/orders is served as /orders in namespace <name>')
    .option('--namespace-idle-timeout <duration>', 'drop a namespace unused for this long (ms, or 90s, 30m, 2h)', parseDuration, DEFAULT_NAMESPACE_IDLE_TIMEOUT_MS)
    .option('--max-namespaces <n>', 'most namespaces at once; a request creating one more gets a 429 (0 turns namespaces off)', parseCount, DEFAULT_MAX_NAMESPACES)
    .option('--service <name=port:dir>', 'serve another folder of stubs as its own service on its own port, e.g. payments=8081:stubs/payments (repeatable; see also decoy.service.yaml)', parseService)
    .showHelpAfterError('(run decoy --help for the options)')
    .addHelpText('after', '\nEvery option can also be set by an environment variable, shown as (env: ...): on/off options are on unless the value is false, 0, no, off or empty.'
      + '\nTo start a stubs folder with commented examples: decoy init [DIR]'
      + '\nTo record a real service into stub files: decoy record --target URL --stubs DIR (see decoy record --help)'
      + '\nTo write stub files from an OpenAPI document, a HAR file or a Pact contract: decoy import openapi|har|pact FILE --out DIR (see decoy import --help)'
      + '\nTo check stubs or real exchanges against an OpenAPI contract: decoy validate --contract FILE DIR, decoy drift --contract FILE RECORDING|JOURNAL');
  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `decoy import <kind> <file...> --out DIR`: another format's descriptions written as stub files. */
function parseRegex(value: string, previous: string[] = []): string[] {
  try {
    new RegExp(value);
  } catch (e) {
    throw new InvalidArgumentError(`is not a valid regular expression: ${(e as Error).message}`);
  }
  if (new RegExp(value).test('')) throw new InvalidArgumentError('matches the empty text; give a pattern for the values to mask');
  return [...previous, value];
}

/** The redaction options `decoy record` and `decoy import har` share (what is masked before anything is written). */
function addRedactionOptions(command: Command): Command {
  return command
    .option('--redact-header <name>', 'mask this header too (credential headers such as Authorization, Cookie, Set-Cookie, X-Api-Key always are; repeatable)', collect, [])
    .option('--redact-query <name>', 'mask this query parameter (repeatable)', collect, [])
    .option('--redact-json-path <path>', 'mask this JSONPath field of JSON bodies, e.g. $.customer.id (repeatable)', collect, [])
    .option('--redact-name <name>', 'mask every header, query parameter, form or multipart field, XML element or attribute and JSON member of this name; * matches any run of characters (repeatable)', collect, [])
    .option('--redact-pattern <regex>', 'mask every value matching this regular expression, wherever it appears (repeatable)', parseRegex, [])
    .option('--mask-pii', 'replace e-mail addresses, phone numbers, card numbers, IBANs and US SSNs with synthetic values of the same shape')
    .option('--no-default-redaction', 'turn off the built-in secret names, credential headers and credential value patterns (only what you name is masked)')
    .option('--redaction <text>', 'what masked values become', '<redacted>');
}

interface RedactionFlags {
  redactHeader: string[]; redactQuery: string[]; redactJsonPath: string[]; redactName: string[]; redactPattern: string[];
  maskPii?: boolean; defaultRedaction: boolean; redaction: string;
}

/** The flags as the recording spec's `redact` object. */
function redactSpec(o: RedactionFlags): Record<string, unknown> {
  return {
    headers: o.redactHeader, queryParameters: o.redactQuery, jsonPaths: o.redactJsonPath, names: o.redactName, patterns: o.redactPattern,
    maskPii: o.maskPii ?? false, defaults: o.defaultRedaction, replacement: o.redaction,
  };
}

export function buildImportProgram(): Command {
  return addRedactionOptions(new Command('decoy import')
    .description('Turn other descriptions of an API into stub files: decoy import openapi spec.yaml --out stubs/')
    .argument('<kind>', 'what the files are: openapi, har or pact')
    .argument('<files...>', 'the files to import')
    .requiredOption('-o, --out <dir>', 'folder to write the stub files into (created if missing)')
    .addOption(new Option('--format <format>', 'stub file format').choices(['yaml', 'json']).default('yaml'))
    .option('--validate-requests', 'openapi: stubs also check requests against the document (400 listing every violation)'))
    .showHelpAfterError('(run decoy import --help for the options)');
}

async function runImport(argv: string[]): Promise<void> {
  const program = buildImportProgram();
  program.parse(argv, { from: 'user' });
  const [kind, files] = program.processedArgs as [string, string[]];
  const o = program.opts<{ out: string; format: 'yaml' | 'json'; validateRequests?: boolean } & RedactionFlags>();
  // HAR files and Pact contracts carry no schemas to check requests against: say so rather than ignore it.
  if (o.validateRequests && kind !== 'openapi') program.error(`--validate-requests needs an OpenAPI document; ${kind} files have no schemas to check requests against`);
  // Redaction is for real traffic: an OpenAPI document or a Pact contract is written by hand.
  const redactionFlag = program.options.find((opt) => opt.long !== undefined && /^--(redact|mask-pii|no-default-redaction)/.test(opt.long) && program.getOptionValueSource(opt.attributeName()) === 'cli');
  if (redactionFlag && kind !== 'har') program.error(`${redactionFlag.long} applies to HAR files (recorded traffic); ${kind} files are written by hand and are not redacted`);
  const logger = createLogger({ format: 'pretty' });
  const { importerFor } = await import('../sources/importers/index.js');
  const { writeImported } = await import('../sources/importers/write-stubs.js');
  let importer;
  try {
    importer = await importerFor(kind);
  } catch (e) {
    program.error((e as Error).message);
  }
  let redaction;
  try {
    const { parseRedaction } = await import('../core/recording/redaction.js');
    redaction = parseRedaction(redactSpec(o), '--redact');
  } catch (e) {
    program.error((e as Error).message);
  }
  const result = await importer!(files, { validateRequests: o.validateRequests ?? false, redaction });
  for (const w of result.warnings) logger.warn(w);
  for (const n of result.notes ?? []) logger.info(n);
  const written = await writeImported(result.stubs, o.out, o.format);
  logger.info(`wrote ${written.length} stub file(s) with ${result.stubs.length} stub(s) to ${o.out}`);
}

/** `decoy record`: proxy to a real service and write what passes as stub files when stopped. */
export function buildRecordProgram(): Command {
  return addRedactionOptions(new DecoyCommand('decoy record')
    .description('Proxy every request to --target and, when stopped (Ctrl-C / SIGTERM), write each distinct exchange as a stub file, secrets redacted (see --no-default-redaction).')
    .requiredOption('-t, --target <url>', 'the real service to record, e.g. https://api.example.com')
    .option('-s, --stubs <dir>', 'folder to write stub files into (created if missing)', './stubs')
    .option('-p, --port <port>', 'port to listen on; point your app here instead of at the target', parsePort, 8080)
    .option('-H, --host <host>', 'interface to bind', '0.0.0.0')
    .addOption(new Option('--format <format>', 'stub file format').choices(['yaml', 'json']))
    .option('--capture-header <name>', 'also match on this request header on replay (repeatable)', collect, []))
    .option('--repeats-as-scenarios', 'record a repeated request as a scenario that replays its answers in order (as WireMock does); without it, once')
    .addOption(proxyInsecureOption())
    .addOption(proxyTimeoutOption())
    .addOption(maxBodySizeOption('largest body recorded or accepted; e.g. 100m'))
    .addOption(logFormatOption())
    .showHelpAfterError('(run decoy record --help for the options)');
}

async function record(argv: string[]): Promise<void> {
  const program = buildRecordProgram();
  dropFalseSwitches(program, process.env);
  program.parse(argv, { from: 'user' });
  const o = program.opts<{
    target: string; stubs: string; port: number; host: string; format?: 'yaml' | 'json'; captureHeader: string[];
    repeatsAsScenarios?: boolean; proxyInsecure?: boolean; proxyTimeout: number; maxBodySize: number; logFormat: LogFormat;
  } & RedactionFlags>();
  const logger = createLogger({ format: o.logFormat });
  mkdirSync(o.stubs, { recursive: true });
  const decoy = createDecoy({
    stubsDir: o.stubs, port: o.port, host: o.host, watch: true, logger, maxBodyBytes: o.maxBodySize,
    proxyInsecure: o.proxyInsecure ?? false, proxyTimeoutMs: o.proxyTimeout,
    recordTarget: o.target,
    recordSpec: {
      ...(o.format ? { format: o.format } : {}),
      captureHeaders: Object.fromEntries(o.captureHeader.map((h) => [h, {}])),
      redact: redactSpec(o),
      repeatsAsScenarios: o.repeatsAsScenarios ?? false,
    },
  });
  await decoy.start();
  // Listening for the signals before saying where to send traffic: a stop that comes at once still writes the recording.
  exitOnSignals(logger, async (signal) => {
    logger.info(`${signal}: writing the recording`);
    const result = await decoy.stopRecording();
    logger.info(`recorded ${result?.written.length ?? 0} file(s)${result?.written.length ? `: ${result.written.join(', ')}` : ''}`);
    if (result) logger.info(result.redaction.summary);
    await decoy.stop();
  });
  logger.info(`Recording: ${decoy.url} → ${o.target}; stubs go to ${o.stubs} when you stop (Ctrl-C)`);
}

/**
 * SIGINT and SIGTERM run `stop` once, then exit 0 (1 if it failed); a second signal exits at once.
 * Returns the same shutdown, for other triggers (POST /__admin/shutdown).
 */
function exitOnSignals(logger: Logger, stop: (why: string) => Promise<void>): (why: string) => void {
  let signalled = false;
  const shutdown = (why: string): void => {
    if (signalled) {
      logger.warn(`${why} again: exiting now`);
      process.exit(1);
    }
    signalled = true;
    stop(why).then(() => process.exit(0), (e: unknown) => {
      logger.error(`stopping failed: ${(e as Error).message}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return shutdown;
}

/** `decoy init [DIR]`: example stub files to start from. */
export function buildInitProgram(): Command {
  return new Command('decoy init')
    .description('Write a stubs folder to start from: one commented example of each main feature (a matched stub, a template, a fault, a sequence, a generated body). Never overwrites a file.')
    .argument('[dir]', 'the folder to write (created if missing)', './stubs')
    .showHelpAfterError('(run decoy init --help for the options)');
}

async function runInit(argv: string[]): Promise<void> {
  const program = buildInitProgram();
  program.parse(argv, { from: 'user' });
  const [dir] = program.processedArgs as [string];
  const { initStubs, nextSteps } = await import('./init.js');
  try {
    process.stdout.write(`${nextSteps(initStubs(dir))}\n`);
  } catch (e) {
    process.stderr.write(`${isDecoyError(e) ? e.format() : (e as Error).message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'init') return runInit(process.argv.slice(3));
  if (process.argv[2] === 'record') return record(process.argv.slice(3));
  if (process.argv[2] === 'import') return runImport(process.argv.slice(3));
  if (process.argv[2] === 'validate') return (await import('./contract-commands.js')).runValidate(process.argv.slice(3));
  if (process.argv[2] === 'drift') return (await import('./contract-commands.js')).runDrift(process.argv.slice(3));
  const program = buildProgram();
  dropFalseSwitches(program, process.env);
  program.parse();
  const opts = program.opts<{
    port: number; host: string; stubs: string; watch: boolean; verbose?: boolean; logFormat: LogFormat; maxBodySize: number;
    adminPort?: number; adminHost?: string; adminToken?: string; journalSize: number; journalMaxBytes: number; journal: boolean; redactJournal?: boolean; seed?: number; maxHang: number; stableData?: boolean; openapi: string[]; validateRequests?: boolean; contract: string[]; contractStrict?: boolean;
    maxHungSockets: number; maxPendingWebhooks: number; maxConcurrentWebhooks: number; webhookAllow?: string[]; maxHeaderSize: number; maxHeadersCount: number; requestTimeout: number; adminRequestTimeout: number; idleTimeout: number;
    proxyAll?: string; proxyInsecure?: boolean; proxyTimeout: number; globalTemplating?: boolean;
    httpsPort?: number; tlsCert?: string; tlsKey?: string; tlsCa?: string; mtls?: boolean; cors?: boolean; corsOrigins?: string[]; service?: ServiceOptions[]; otlpEndpoint?: string;
    store?: string; storePrefix: string; storeOptional?: boolean;
    namespaceHeader: string; namespacePathPrefix?: string; namespaceIdleTimeout: number; maxNamespaces: number;
  }>();
  const logger = createLogger({ format: opts.logFormat });

  let stubsDir = opts.stubs;
  if (program.getOptionValueSource('stubs') === 'default' && !existsSync(stubsDir) && existsSync(BUNDLED_STUBS)) {
    logger.warn(`no ./stubs folder here; serving Decoy's example stubs from ${BUNDLED_STUBS} (pass --stubs DIR for your own)`);
    stubsDir = BUNDLED_STUBS;
  }

  const tlsGiven = opts.tlsCert !== undefined || opts.tlsKey !== undefined || opts.tlsCa !== undefined || opts.mtls;
  if (tlsGiven && opts.httpsPort === undefined) {
    logger.error(new DecoyError('DECOY_ERR_TLS', '--tls-cert, --tls-key, --tls-ca and --mtls need --https-port', { hint: 'add --https-port 8443 (0 picks a free port)' }).format());
    process.exit(1);
  }
  let tls;
  try {
    tls = tlsGiven ? {
      ...(opts.tlsCert !== undefined ? { cert: readPem('--tls-cert', opts.tlsCert) } : {}),
      ...(opts.tlsKey !== undefined ? { key: readPem('--tls-key', opts.tlsKey) } : {}),
      ...(opts.tlsCa !== undefined ? { ca: readPem('--tls-ca', opts.tlsCa) } : {}),
      requireClientCert: opts.mtls ?? false,
    } : undefined;
  } catch (e) {
    logger.error((e as DecoyError).format());
    process.exit(1);
  }
  // The bundle loads the Redis adapter only for --store (src/store/redis-adapter.ts).
  if (opts.store !== undefined) await loadRedisAdapter();
  const shutdown = exitOnSignals(logger, (why) => {
    logger.info(`${why} received: finishing in-flight requests, then exiting`);
    return decoy.stop();
  });
  const decoy = createDecoy({
    stubsDir, port: opts.port, host: opts.host, watch: opts.watch, verbose: opts.verbose ?? false,
    maxBodyBytes: opts.maxBodySize, logger,
    adminPort: opts.adminPort, adminToken: opts.adminToken,
    ...(opts.adminHost !== undefined ? { adminHost: opts.adminHost } : {}),
    maxHungSockets: opts.maxHungSockets, maxPendingWebhooks: opts.maxPendingWebhooks, maxConcurrentWebhooks: opts.maxConcurrentWebhooks,
    ...(opts.webhookAllow !== undefined ? { webhookAllow: opts.webhookAllow } : {}), maxHeaderBytes: opts.maxHeaderSize, maxHeadersCount: opts.maxHeadersCount,
    requestTimeoutMs: opts.requestTimeout, adminRequestTimeoutMs: opts.adminRequestTimeout, idleTimeoutMs: opts.idleTimeout,
    journalSize: opts.journal ? opts.journalSize : 0, journalMaxBytes: opts.journalMaxBytes,
    ...(opts.redactJournal ? { redactJournal: true } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.stableData ? { stableData: true } : {}),
    ...(opts.openapi.length ? { openapi: opts.openapi } : {}),
    ...(opts.validateRequests ? { validateRequests: true } : {}),
    ...(opts.contract.length ? { contract: opts.contract } : {}),
    ...(opts.contractStrict ? { contractStrict: true } : {}),
    maxHangMs: opts.maxHang,
    ...(opts.proxyAll !== undefined ? { proxyAll: opts.proxyAll } : {}),
    ...(opts.otlpEndpoint !== undefined ? { otlpEndpoint: opts.otlpEndpoint } : {}),
    proxyInsecure: opts.proxyInsecure ?? false, proxyTimeoutMs: opts.proxyTimeout,
    ...(opts.globalTemplating ? { globalTemplating: true } : {}),
    ...(opts.httpsPort !== undefined ? { httpsPort: opts.httpsPort } : {}),
    ...(tls ? { tls } : {}),
    ...(opts.corsOrigins ? { cors: { origins: opts.corsOrigins } } : opts.cors ? { cors: true } : {}),
    services: opts.service ?? [],
    ...(opts.store !== undefined ? { store: { url: opts.store, prefix: opts.storePrefix, optional: opts.storeOptional ?? false } } : {}),
    namespaceHeader: opts.namespaceHeader, namespaceIdleTimeoutMs: opts.namespaceIdleTimeout, maxNamespaces: opts.maxNamespaces,
    ...(opts.namespacePathPrefix !== undefined ? { namespacePathPrefix: opts.namespacePathPrefix } : {}),
    onShutdownRequest: () => shutdown('POST /__admin/shutdown'),
  });
  try {
    await decoy.start();
  } catch (e) {
    logger.error(e instanceof DecoyError ? e.format() : String((e as Error).stack ?? e));
    process.exit(1);
  }
  collectLoadGarbage(decoy.loadReport?.stubs ?? 0);
  // With Node's compile cache on (Node >= 22.10), its bytecode is written now that the server is serving,
  // not only at a clean exit: a server that is killed still starts faster the next time.
  (module as { flushCompileCache?: () => void }).flushCompileCache?.();
  const report = decoy.loadReport;
  logger.info(`Decoy ${VERSION} serving ${report?.stubs ?? 0} stub(s) from ${report?.files ?? 0} file(s) in ${stubsDir} on ${decoy.url}`
    + (report?.errors.length ? ` (${report.errors.length} problem(s) above; the stubs they name were not loaded)` : '')
    + (opts.watch ? '; watching for changes' : '')
    + (decoy.httpsUrl ? `; HTTPS on ${decoy.httpsUrl}` : '')
    + (decoy.adminUrl ? `; admin API also on ${decoy.adminUrl}` : '')
    + (opts.store !== undefined ? `; sharing state through ${decoy.engine.state.health?.().url} (prefix ${opts.storePrefix})` : ''));
  if (decoy.httpsUrl && !opts.tlsCert) logger.info('HTTPS uses a self-signed certificate generated at start (GET /__admin/decoy/tls/certificate gives it; or tell clients not to verify, e.g. curl -k)');
  for (const s of decoy.services().slice(1)) {
    const r = decoy.service(s.name)?.loadReport;
    logger.info(`service ${s.name}: ${r?.stubs ?? 0} stub(s) from ${s.stubsDir} on ${s.url}${s.httpsUrl ? ` and ${s.httpsUrl}` : ''}; admin API at ${s.adminBase}${opts.adminHost === undefined ? ' (and /__admin on its port)' : ` on ${decoy.adminUrl}`}`);
  }
}

/** Whether this module is the program being run (through npm's bin link too), not imported by a test. */
function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// Run once this module has been evaluated: the bundle loads some modules with require on first use
// (scripts/bundle-cli.js, LAZY_MODULES), and Node refuses to require a module that imports one still
// being evaluated.
if (isEntryPoint()) {
  Promise.resolve().then(main).catch((e) => {
    process.stderr.write(`${isDecoyError(e) ? e.format() : (e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
