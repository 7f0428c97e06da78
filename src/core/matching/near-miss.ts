/**
 * When nothing matched: rank every stub by how far it is from the request and explain the closest
 * ones field by field, in the side-by-side layout WireMock users know from its 404 page. Computed
 * only for unmatched requests, never on the hot path.
 */
import { batchOperations } from '../graphql/batch.js';
import type { DecoyRequest } from '../request.js';
import type { Stub } from '../stub.js';
import type { FieldReport } from './request-pattern.js';
import type { StubSet } from './stub-index.js';

export interface NearMiss {
  stub: Stub;
  distance: number;
  fields: FieldReport[];
  /** For a GraphQL batch: the operation nothing matched, which the stub is compared with instead of the whole batch. */
  operation?: { index: number; of: number; name: string | undefined; request: DecoyRequest };
}

/**
 * The `limit` stubs closest to the request, closest first (ties: matching order). For a GraphQL batch,
 * whose operations are matched one by one, the closest stubs to the first operation nothing matched.
 */
export function findNearMisses(stubs: StubSet, req: DecoyRequest, limit = 3): NearMiss[] {
  const ops = batchOperations(req);
  const index = ops === undefined ? -1 : ops.findIndex((op) => stubs.find(op) === undefined);
  const target = index === -1 ? req : ops![index]!;
  const operation = index === -1 ? undefined : { index, of: ops!.length, name: req.graphql!.calls[index]!.name, request: target };
  const scored: Array<{ stub: Stub; distance: number }> = [];
  for (const stub of stubs.all) scored.push({ stub, distance: stub.request.distance(target) });
  // A stable sort keeps matching order among equal distances.
  scored.sort((x, y) => x.distance - y.distance);
  return scored.slice(0, limit).map(({ stub, distance }) => ({ stub, distance, fields: stub.request.report(target), ...(operation ? { operation } : {}) }));
}

const LEFT = 59;
const RIGHT = 52;
const RULE = '-'.repeat(119);

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.length <= width) { out.push(line); continue; }
    for (let i = 0; i < line.length; i += width) out.push(line.slice(i, i + width));
  }
  return out.length ? out : [''];
}

/** Appends the table lines of one row (one by one: a request's body may make hundreds of thousands). */
function row(lines: string[], left: string, right: string, marker?: string): void {
  const l = wrap(left, LEFT);
  const r = wrap(right, RIGHT);
  for (let i = 0; i < Math.max(l.length, r.length); i++) {
    const rightCell = r[i] ?? '';
    const m = i === 0 && marker ? `${rightCell.padEnd(RIGHT)}<<<<< ${marker}` : rightCell;
    lines.push(`${(l[i] ?? '').padEnd(LEFT)}| ${m}`.trimEnd());
  }
}

function stubTitle(stub: Stub, separator = ' '): string {
  const where = stub.origin.file ? `${separator}(${stub.origin.file}${stub.origin.line ? `:${stub.origin.line}` : ''})` : '';
  return `${stub.name ? stub.name : `stub ${stub.id}`}${where}`;
}

function yamlScalar(s: string): string {
  return /^[A-Za-z0-9_/.\-]+$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) ? s : JSON.stringify(s);
}

/** A minimal stub that would match this request: a starting point the developer can paste into a file. */
export function suggestStub(req: DecoyRequest): string {
  const lines = ['request:', `  method: ${req.method}`, `  urlPath: ${yamlScalar(req.path)}`];
  if (req.query.size > 0) {
    lines.push('  queryParameters:');
    for (const [name, values] of req.query) lines.push(`    ${yamlScalar(name)}: ${yamlScalar(values[0] ?? '')}`);
  }
  const graphql = req.graphql;
  const call = graphql !== undefined && !graphql.batch ? graphql.calls[0] : undefined;
  if (call !== undefined) {
    // A GraphQL operation is matched by its name and variables, not by its body's text.
    lines.push('  graphql:');
    if (call.name !== undefined) lines.push(`    operationName: ${yamlScalar(call.name)}`);
    else if (call.query !== undefined) lines.push(`    query: ${JSON.stringify(call.query)}`);
    const vars = Object.entries(call.variables);
    if (vars.length) {
      lines.push('    variables:');
      for (const [name, value] of vars) lines.push(`      ${yamlScalar(name)}: ${JSON.stringify(value)}`);
    }
    lines.push('response:', '  status: 200', '  body: { data: {} }');
    return lines.join('\n');
  }
  lines.push('response:', '  status: 200', '  body: ""');
  return lines.join('\n');
}

/** WireMock's whole answer to a request when it has no stubs (its clients and users know it word for word). */
export const NO_STUBS_SENTENCE = 'No response could be served as there are no stub mappings in this WireMock instance.';

/** The plain-text body of the 404 sent for an unmatched request. */
export function formatNearMissReport(batch: DecoyRequest, misses: NearMiss[]): string {
  const closest = misses[0];
  const operation = closest?.operation;
  // A batch is reported by its operation that nothing matched.
  const req = operation?.request ?? batch;
  // With no stubs at all, WireMock sends one sentence and no table; Decoy starts with the same sentence.
  const out: string[] = closest ? ['', `${' '.repeat(47)}Request was not matched`, `${' '.repeat(47)}=======================`, ''] : [NO_STUBS_SENTENCE, ''];
  if (!closest) {
    out.push(`No stubs are loaded, so nothing could match ${req.method} ${req.url}.`);
  } else {
    if (operation) out.push(`Operation ${operation.index + 1} of the batch of ${operation.of}${operation.name ? ` (${operation.name})` : ''} was not matched; the others were.`, '');
    out.push(RULE, `| ${'Closest stub'.padEnd(LEFT - 2)}| ${'Request'.padEnd(RIGHT + 5)}|`, RULE);
    row(out, '', '');
    row(out, stubTitle(closest.stub, '\n'), '');
    row(out, '', '');
    if (!closest.fields.some((f) => f.label === 'Method')) row(out, 'Method: ANY', req.method);
    for (const f of closest.fields) {
      row(out, `${f.label}: ${f.expected}`, f.actual, f.matched ? undefined : `${f.label} does not match${f.detail ? `: ${f.detail}` : ''}`);
    }
    if (closest.fields.length === 0) row(out, '(matches any request)', `${req.method} ${req.url}`);
    row(out, '', '');
    out.push(RULE);
    if (misses.length > 1) {
      out.push('', 'Other close stubs:');
      misses.slice(1).forEach((m, i) => {
        const differ = m.fields.filter((f) => !f.matched).map((f) => f.label);
        out.push(`  ${i + 2}. ${stubTitle(m.stub)}: ${differ.length ? `differs in ${differ.join(', ')}` : 'matches, but not in its scenario state'}`);
      });
    }
  }
  out.push('', 'A stub that would match this request:', '', ...suggestStub(req).split('\n').map((l) => `  ${l}`), '');
  return out.join('\n');
}
