import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

/** The relative imports of every file under src, type-only ones included, resolved to files. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of filesUnder(src)) {
    graph.set(file, imports(file).filter((s) => s.startsWith('.')).map((s) => path.resolve(path.dirname(file), s).replace(/\.js$/, '.ts')));
  }
  return graph;
}

/** The cycles of a graph: its strongly connected components of more than one node (Tarjan). */
function cyclesOf(graph: Map<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** The top-level part of src a file belongs to: its folder (`core`, `http`, ...) or, at the top, its own name. */
function partOf(file: string): string {
  return path.relative(src, file).split(path.sep)[0]!;
}

/** Which parts of src each part imports (type-only imports included: they tie the code together as much). */
function partGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of filesUnder(src)) {
    const from = partOf(file);
    for (const spec of imports(file)) {
      if (!spec.startsWith('.')) continue;
      const to = partOf(path.resolve(path.dirname(file), spec));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

describe('architecture', () => {
  it('no import cycles between modules, type-only imports included', () => {
    const cycles = cyclesOf(importGraph()).map((c) => c.map((f) => path.relative(src, f)).join(' <-> '));
    assert.deepEqual(cycles, []);
  });

  it('the cycle check finds a cycle when there is one', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    assert.deepEqual(cyclesOf(graph), [['a', 'b', 'c']]);
  });

  it('the core imports no transport, file system, web framework, watcher or logger', () => {
    const forbidden = /^(node:)?(http|https|http2|net|tls|fs|fs\/promises|child_process|dgram)$|^(express|chokidar|undici|pino|commander|redis)(\/|$)/;
    const offenders: string[] = [];
    for (const file of filesUnder(path.join(src, 'core'))) {
      for (const spec of imports(file)) {
        const escapes = spec.startsWith('.') && !path.resolve(path.dirname(file), spec).startsWith(path.join(src, 'core'));
        if (forbidden.test(spec) || escapes) offenders.push(`${path.relative(src, file)} imports ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('no two parts of src import each other, even through others and even for types only', () => {
    const graph = partGraph();
    const cycles: string[] = [];
    // A depth-first walk from each part: reaching the part again is a cycle.
    for (const start of graph.keys()) {
      const seen = new Set<string>();
      const walk = (part: string, trail: string[]): void => {
        for (const next of graph.get(part) ?? []) {
          if (next === start) cycles.push([...trail, next].join(' -> '));
          else if (!seen.has(next)) {
            seen.add(next);
            walk(next, [...trail, next]);
          }
        }
      };
      walk(start, [start]);
    }
    assert.deepEqual(cycles, []);
  });

  it('the composition root is at the top: only src/index.ts imports src/app', () => {
    const offenders: string[] = [];
    for (const file of filesUnder(src)) {
      if (partOf(file) === 'app' || partOf(file) === 'index.ts') continue;
      for (const spec of imports(file)) {
        if (spec.startsWith('.') && partOf(path.resolve(path.dirname(file), spec)) === 'app') offenders.push(`${path.relative(src, file)} imports ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
    assert.ok(partGraph().get('index.ts')?.has('app'), 'the check sees index.ts import app');
  });

  it('the check itself sees imports (it would catch a violation)', () => {
    const own = imports(fileURLToPath(import.meta.url));
    assert.ok(own.includes('node:fs') && own.includes('node:path'), own.join(', '));
  });
});
