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

  it('the check itself sees imports (it would catch a violation)', () => {
    const own = imports(fileURLToPath(import.meta.url));
    assert.ok(own.includes('node:fs') && own.includes('node:path'), own.join(', '));
  });
});
