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
  it('the core imports no transport, file system, web framework, watcher or logger', () => {
    const forbidden = /^(node:)?(http|https|http2|net|tls|fs|fs\/promises|child_process|dgram)$|^(express|chokidar|undici|pino|commander)(\/|$)/;
    const offenders: string[] = [];
    for (const file of filesUnder(path.join(src, 'core'))) {
      for (const spec of imports(file)) {
        const escapes = spec.startsWith('.') && !path.resolve(path.dirname(file), spec).startsWith(path.join(src, 'core'));
        if (forbidden.test(spec) || escapes) offenders.push(`${path.relative(src, file)} imports ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('no two parts of src import each other, even through others and even for types only (sources and services did)', () => {
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
