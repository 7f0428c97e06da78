import assert from 'node:assert/strict';
import { DecoyRequest } from '../../../src/core/request.js';
import { compileUrlMatcher, firstSegment } from '../../../src/core/matching/url-matchers.js';

const req = (url: string) => new DecoyRequest('GET', url, {});

describe('URL matchers', () => {
  const cases: Array<[Record<string, string>, string, boolean]> = [
    [{ url: '/a?x=1' }, '/a?x=1', true],
    [{ url: '/a?x=1' }, '/a?x=2', false],
    [{ url: '/a' }, '/a?x=1', false],
    [{ urlPattern: '/a\\?x=[0-9]' }, '/a?x=5', true],
    [{ urlPattern: '/a' }, '/a/b', false], // the whole URL must match, as Java's matches()
    [{ urlPath: '/a' }, '/a?x=1', true],
    [{ urlPath: '/a' }, '/A', false],
    [{ urlPathPattern: '/users/[0-9]+' }, '/users/12?q', true],
    [{ urlPathPattern: '(?i)/USERS/[0-9]+' }, '/users/12', true],
    [{ urlPathPattern: '/users/[0-9]+' }, '/users/x', false],
    [{ urlPathTemplate: '/users/{id}/posts/{postId}' }, '/users/1/posts/2', true],
    [{ urlPathTemplate: '/users/{id}' }, '/users/1/posts', false],
    [{ path: '/users/:id' }, '/users/ada', true],
    [{ path: '/users/:id' }, '/users/ada/', false],
    [{ path: '/users/:id' }, '/Users/ada', false],
    [{ path: '/files/*rest' }, '/files/a/b/c', true],
    [{ path: '/users{/:id}' }, '/users', true],
    [{ path: '/users{/:id}' }, '/users/7', true],
  ];
  for (const [def, url, expected] of cases) {
    it(`${JSON.stringify(def)} ${expected ? 'matches' : 'does not match'} ${url}`, () => {
      assert.equal(compileUrlMatcher(def, '/request')!.test(req(url)), expected);
    });
  }

  it('extracts template parameters, decoded', () => {
    assert.deepEqual(compileUrlMatcher({ path: '/users/:id/files/*rest' }, '')!.params(req('/users/a%20b/files/x/y%2Fz')), { id: 'a b', rest: 'x/y/z' });
    assert.deepEqual(compileUrlMatcher({ urlPathTemplate: '/u/{id}' }, '')!.params(req('/u/%C3%A9')), { id: 'é' });
  });

  it('puts each stub in the right index bucket', () => {
    const key = (def: Record<string, string>) => compileUrlMatcher(def, '')!.indexKey;
    assert.deepEqual(key({ url: '/a?x=1' }), { kind: 'exact', path: '/a' });
    assert.deepEqual(key({ path: '/plain/path' }), { kind: 'exact', path: '/plain/path' });
    assert.deepEqual(key({ path: '/users/:id' }), { kind: 'segment', segment: 'users' });
    assert.deepEqual(key({ urlPathTemplate: '/users/{id}' }), { kind: 'segment', segment: 'users' });
    assert.deepEqual(key({ urlPathPattern: '/users/[0-9]+' }), { kind: 'segment', segment: 'users' });
    assert.deepEqual(key({ urlPathPattern: '^/users/[a-z]+$' }), { kind: 'segment', segment: 'users' });
    // `/users/?.*` also matches `/usersX`: the first segment is not certain.
    assert.deepEqual(key({ urlPathPattern: '^/users/?.*' }), { kind: 'any' });
    // Uncertain prefixes go to the catch-all bucket.
    assert.deepEqual(key({ urlPathPattern: '/users/?x' }), { kind: 'any' });
    assert.deepEqual(key({ urlPathPattern: '/(users|people)/.*' }), { kind: 'any' });
    assert.deepEqual(key({ urlPathPattern: '/users.*' }), { kind: 'any' });
    assert.deepEqual(key({ urlPathPattern: '/a|/b' }), { kind: 'any' });
    assert.deepEqual(key({ path: '/:section/list' }), { kind: 'any' });
  });

  it('first segment of a path', () => {
    assert.equal(firstSegment('/users/1'), 'users');
    assert.equal(firstSegment('/users'), 'users');
    assert.equal(firstSegment('/'), '');
  });

  it('rejects two URL keys and bad patterns with the pointer', () => {
    assert.throws(() => compileUrlMatcher({ url: '/a', urlPath: '/a' }, '/request'), { code: 'DECOY_ERR_STUB_INVALID', message: /more than one URL key \(url, urlPath\)/ });
    assert.throws(() => compileUrlMatcher({ urlPattern: '(' }, '/request'), (e: { source: { pointer: string } }) => e.source.pointer === '/request/urlPattern');
    assert.throws(() => compileUrlMatcher({ path: '/a/:' }, '/request'), { code: 'DECOY_ERR_STUB_COMPILE', message: /invalid path template/ });
    assert.throws(() => compileUrlMatcher({ urlPathTemplate: '/a/{bad name}' }, '/request'), { message: /invalid parameter name/ });
  });
});
