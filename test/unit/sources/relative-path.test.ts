/**
 * relativePath slices a path that is plainly under its root (what a folder walk yields) instead of
 * asking path.relative: it must give what path.relative gives, for those paths and for every other.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { relativePath } from '../../../src/sources/is-inside.js';
import { displayPath } from '../../../src/sources/display-path.js';

const segment = fc.constantFrom('a', 'b', 'stubs', '.', '..', '.hidden', '..data', '', 'x.yaml', 'é');
const absolute = fc.array(segment, { maxLength: 6 }).chain((parts) => fc.boolean().map((slash) => `/${parts.join('/')}${slash ? '/' : ''}`));

describe('relativePath', () => {
  it('gives what path.relative gives, for paths under the root and elsewhere, plain or not', () => {
    fc.assert(fc.property(absolute, absolute, (root, abs) => {
      assert.equal(relativePath(root, abs), path.relative(root, abs));
      assert.equal(relativePath(root, `${root}/${abs}`), path.relative(root, `${root}/${abs}`));
    }), { seed: 22, numRuns: 2000 });
  });

  it('slices a file plainly under the root, and under /', () => {
    assert.equal(relativePath('/srv/stubs', '/srv/stubs/a/b.yaml'), 'a/b.yaml');
    assert.equal(relativePath('/', '/srv/b.yaml'), 'srv/b.yaml');
    assert.equal(relativePath('/srv/stubs', '/srv/stubs'), '');
    assert.equal(relativePath('/srv/stubs', '/srv/stubsx/a.yaml'), '../stubsx/a.yaml');
  });

  it('names a file under the working directory relative to it, and one outside it absolute', () => {
    assert.equal(displayPath(path.join(process.cwd(), 'stubs', 'a.yaml')), path.join('stubs', 'a.yaml'));
    assert.equal(displayPath(path.join(process.cwd(), '..', 'elsewhere', 'a.yaml')), path.resolve(process.cwd(), '..', 'elsewhere', 'a.yaml'));
    assert.equal(displayPath(path.join(process.cwd(), 'stubs', '..data', 'a.yaml')), path.join('stubs', '..data', 'a.yaml'));
  });
});
