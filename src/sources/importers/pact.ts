/**
 * Imports Pact contract files (specification v2 and v3; the HTTP interactions of v4) as stubs: each interaction's request becomes
 * the stub's request pattern and its response what the stub answers, so Decoy can stand in for the
 * provider while the consumer is tested.
 *
 * Matching rules on the request become matchers where WireMock has one:
 * - `regex` → `matches` (path: `urlPathPattern`; query and headers: `matches`; body: `matchesJsonPath`
 *   with `matches`);
 * - `type`, `min`/`max` (type with a size), `date`, `time`, `timestamp`, `include`, `null`,
 *   `boolean`, `integer`, `decimal`, `number` on a body field → `matchesJsonPath` (presence, or a
 *   pattern for the number kinds and `include`); on a header or query parameter → any value;
 * - `equality` → the example value, as without a rule.
 * A stub whose path is a pattern gets a lower priority than the default, so an interaction with an
 * exact path answers its own requests.
 * The body is otherwise matched by `equalToJson` against the example, with every field that has a
 * rule left out of the comparison (`${json-unit.ignore}`). Response matching rules and generators
 * concern the provider's side and are not needed to answer with the example; provider states are
 * kept in the stub's metadata.
 */
import { DecoyError } from '../../core/errors.js';
import { redactJson } from '../../core/recording/to-stub.js';
import { parseFormEncoded } from '../../core/request.js';
import { DEFAULT_PRIORITY, type ResponseDefinition, type StubDefinition, type ValuePatternDefinition } from '../../core/stub-definition.js';
import { readJsonFile } from './read-json.js';
import type { ImportResult } from './import-result.js';

type Rule = { match?: string; regex?: string; min?: number; max?: number; value?: string };
interface PactInteraction {
  description?: string;
  providerState?: string;
  providerStates?: Array<{ name: string; params?: unknown }>;
  request?: { method?: string; path?: string; query?: string | Record<string, string | string[]>; headers?: Record<string, string | string[]>; body?: unknown; matchingRules?: Record<string, unknown>; generators?: unknown };
  response?: { status?: number; headers?: Record<string, string | string[]>; body?: unknown; matchingRules?: unknown; generators?: unknown };
}
interface PactFile {
  consumer?: { name?: string };
  provider?: { name?: string };
  interactions?: PactInteraction[];
  metadata?: { pactSpecification?: { version?: string }; 'pact-specification'?: { version?: string } };
}

/** Rules by category (`path`, `query`, `header`, `body`), each by path within it; v2 and v3 read into one shape. */
type RulesByCategory = Record<string, Map<string, Rule[]>>;

function readRules(raw: Record<string, unknown> | undefined, version: number): RulesByCategory {
  const out: RulesByCategory = { path: new Map(), query: new Map(), header: new Map(), body: new Map() };
  if (!raw) return out;
  if (version < 3) {
    // v2: flat keys like "$.path", "$.query.page", "$.headers.Accept", "$.body.items[*].id".
    for (const [key, rule] of Object.entries(raw)) {
      const m = /^\$\.(path|query|headers|body)(?:\.|\[|$)(.*)$/.exec(key);
      if (!m) continue;
      const category = m[1] === 'headers' ? 'header' : m[1]!;
      const rest = m[2]!.replace(/^['"]|['"]\]$/g, '');
      const name = category === 'body' ? `$${key.slice('$.body'.length)}` : category === 'path' ? '' : rest.replace(/\]$/, '');
      out[category]!.set(name, [rule as Rule]);
    }
    return out;
  }
  // v3: { path: { matchers: [...] }, query: { page: { matchers } }, header: { Accept: { matchers } }, body: { "$.x": { matchers } } }.
  for (const [category, entry] of Object.entries(raw)) {
    if (!(category in out) || typeof entry !== 'object' || entry === null) continue;
    if (category === 'path') {
      out.path!.set('', ((entry as { matchers?: Rule[] }).matchers ?? []));
      continue;
    }
    for (const [name, rules] of Object.entries(entry as Record<string, { matchers?: Rule[] }>)) out[category]!.set(name, rules?.matchers ?? []);
  }
  return out;
}

const NUMBER_PATTERNS: Readonly<Record<string, string>> = { integer: '-?\\d+', decimal: '-?\\d+\\.\\d+', number: '-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?', boolean: 'true|false' };

/** A header or query value pattern from its rules and example. */
function valuePattern(rules: Rule[] | undefined, example: string): ValuePatternDefinition {
  const rule = rules?.find((r) => r.match !== 'equality') ?? rules?.[0];
  if (!rule || rule.match === 'equality') return { equalTo: example };
  if (rule.regex !== undefined) return { matches: rule.regex };
  if (rule.match !== undefined && NUMBER_PATTERNS[rule.match]) return { matches: NUMBER_PATTERNS[rule.match]! };
  if (rule.match === 'include' && rule.value !== undefined) return { contains: rule.value };
  return { matches: '.*' };
}

function byName<T>(map: Map<string, T>, name: string): T | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of map) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** v3 allows `$.a.b`, `$['a']`, and `a.b` for body rule paths. */
function bodyPath(path: string): string {
  return path.startsWith('$') ? path : `$.${path}`;
}

/** Pact v4 wraps bodies as `{ content, contentType, encoded }`; earlier versions hold the body itself. */
function unwrapBody(body: unknown, version: number): unknown {
  if (version < 4 || typeof body !== 'object' || body === null || !('content' in body)) return body;
  const b = body as { content: unknown; encoded?: unknown };
  return b.encoded === 'base64' && typeof b.content === 'string' ? Buffer.from(b.content, 'base64').toString('utf8') : b.content;
}

function toStub(interaction: PactInteraction, version: number, meta: Record<string, unknown>, warnings: string[], where: string): StubDefinition {
  if (version >= 4) {
    interaction = {
      ...interaction,
      ...(interaction.request ? { request: { ...interaction.request, body: unwrapBody(interaction.request.body, version) } } : {}),
      ...(interaction.response ? { response: { ...interaction.response, body: unwrapBody(interaction.response.body, version) } } : {}),
    };
  }
  const req = interaction.request ?? {};
  const rules = readRules(req.matchingRules, version);
  const request: NonNullable<StubDefinition['request']> = { method: (req.method ?? 'GET').toUpperCase() };
  const pathRule = rules.path!.get('')?.find((r) => r.regex !== undefined);
  if (pathRule) request.urlPathPattern = pathRule.regex!;
  else request.urlPath = req.path ?? '/';

  const query = typeof req.query === 'string' ? parseFormEncoded(req.query) : new Map(Object.entries(req.query ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : [String(v)]]));
  if (query.size) {
    request.queryParameters = {};
    for (const [name, values] of query) {
      const r = rules.query!.get(name);
      request.queryParameters[name] = values.length === 1 || r ? valuePattern(r, values[0] ?? '') : { hasExactly: values.map((v) => ({ equalTo: v })) };
    }
  }
  if (req.headers && Object.keys(req.headers).length) {
    request.headers = {};
    for (const [name, value] of Object.entries(req.headers)) request.headers[name] = valuePattern(byName(rules.header!, name), Array.isArray(value) ? value.join(', ') : String(value));
  }
  if (req.body !== undefined && req.body !== null) {
    if (typeof req.body === 'string') {
      request.bodyPatterns = [{ equalTo: req.body }];
    } else {
      const patterns: ValuePatternDefinition[] = [];
      const ruled: string[] = [];
      for (const [path, list] of rules.body!) {
        const jsonPath = bodyPath(path);
        ruled.push(jsonPath);
        for (const rule of list) {
          if (rule.match === 'equality') { ruled.pop(); continue; }
          if (rule.regex !== undefined) patterns.push({ matchesJsonPath: { expression: jsonPath, matches: rule.regex } });
          else if (rule.match !== undefined && NUMBER_PATTERNS[rule.match]) patterns.push({ matchesJsonPath: { expression: jsonPath, matches: NUMBER_PATTERNS[rule.match]! } });
          else if (rule.match === 'include' && rule.value !== undefined) patterns.push({ matchesJsonPath: { expression: jsonPath, contains: rule.value } });
          else patterns.push({ matchesJsonPath: jsonPath });
        }
      }
      // Fields with a rule are checked by their own pattern; the rest must equal the example.
      const example = redactJson(JSON.stringify(req.body), ruled, '${json-unit.ignore}');
      request.bodyPatterns = [{ equalToJson: example }, ...patterns];
    }
  }
  if (req.generators) warnings.push(`${where}: request generators are not used (the stub matches the example's shape)`);

  const res = interaction.response ?? {};
  const response: ResponseDefinition = { status: res.status ?? 200 };
  if (res.headers && Object.keys(res.headers).length) response.headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
  if (res.body !== undefined && res.body !== null) {
    if (typeof res.body === 'string') response.body = res.body;
    else {
      response.jsonBody = res.body;
      const hasType = Object.keys(response.headers ?? {}).some((h) => h.toLowerCase() === 'content-type');
      if (!hasType) response.headers = { ...response.headers, 'Content-Type': 'application/json' };
    }
  }
  if (res.generators) warnings.push(`${where}: response generators are not applied; the stub answers with the example values`);
  const states = interaction.providerStates?.map((s) => s.name) ?? (interaction.providerState ? [interaction.providerState] : []);
  return {
    name: interaction.description ?? `${request.method} ${req.path ?? '/'}`,
    // A path pattern is the loosest match: an interaction with the exact path wins over it.
    ...(pathRule ? { priority: DEFAULT_PRIORITY + 1 } : {}),
    request, response,
    metadata: { importedFrom: 'pact', ...meta, ...(states.length ? { providerStates: states } : {}) },
  };
}

/** Reads Pact files (v2, v3) and turns their interactions into stub definitions. */
export async function importPact(files: string[]): Promise<ImportResult> {
  const stubs: StubDefinition[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const pact = await readJsonFile(file, 'a Pact file') as PactFile | null;
    if (!Array.isArray(pact?.interactions)) {
      throw new DecoyError('DECOY_ERR_IMPORT_INVALID', `${file} is not a Pact file: it has no interactions list`, { source: { file, pointer: '/interactions' } });
    }
    const spec = pact.metadata?.pactSpecification?.version ?? pact.metadata?.['pact-specification']?.version ?? '2.0.0';
    const version = Number.parseInt(spec, 10);
    if (version >= 4) warnings.push(`${file}: Pact specification ${spec}: its HTTP interactions are imported; message and plugin interactions are skipped`);
    const meta = { consumer: pact.consumer?.name, provider: pact.provider?.name };
    pact.interactions.forEach((interaction, i) => {
      const where = `${file} interaction ${i}${interaction.description ? ` "${interaction.description}"` : ''}`;
      if (version >= 4 && (interaction as { type?: string }).type !== undefined && (interaction as { type?: string }).type !== 'Synchronous/HTTP') return;
      stubs.push(toStub(interaction, version, meta, warnings, where));
    });
  }
  return { stubs, warnings };
}
