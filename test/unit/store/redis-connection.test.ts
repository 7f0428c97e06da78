import assert from 'node:assert/strict';
import { isDecoyError } from '../../../src/core/errors.js';
import { parseStoreUrl, safeUrl } from '../../../src/store/redis-connection.js';

describe('--store URLs: one server, Sentinel, Cluster', () => {
  const cases: Array<[string, unknown]> = [
    ['redis://127.0.0.1:6379/2', { kind: 'standalone', url: 'redis://127.0.0.1:6379/2' }],
    ['redis-sentinel://s1:26379,s2/mymaster', { kind: 'sentinel', nodes: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], master: 'mymaster', database: 0, tls: false }],
    ['rediss-sentinel://:p%40ss@s1:26380/main?db=3&sentinelPassword=sp', {
      kind: 'sentinel', nodes: [{ host: 's1', port: 26380 }], master: 'main', database: 3, tls: true, password: 'p@ss', sentinelPassword: 'sp',
    }],
    ['redis-cluster://u:pw@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002', {
      kind: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 }], tls: false, username: 'u', password: 'pw',
    }],
    ['rediss-cluster://c1:7000/', { kind: 'cluster', nodes: [{ host: 'c1', port: 7000 }], tls: true }],
  ];
  for (const [url, topology] of cases) it(`reads ${url}`, () => assert.deepEqual(parseStoreUrl(url), topology));

  const refused: Array<[string, RegExp]> = [
    ['http://127.0.0.1:6379', /--store http:\/\/127\.0\.0\.1:6379\/ is not a Redis URL/],
    ['redis-sentinel://s1:26379', /names no master/],
    ['redis-sentinel://s1:26379/m?db=x', /db=x: a database is a number/],
    ['redis-sentinel://s1:26379/m?tls=1', /unknown parameter tls/],
    ['redis-cluster://c1:7000/0', /has a path: a Redis Cluster has one database/],
    ['redis-cluster://c1:99999', /port out of range/],
  ];
  for (const [url, message] of refused) {
    it(`refuses ${url}, naming the accepted forms`, () => assert.throws(() => parseStoreUrl(url),
      (e: unknown) => isDecoyError(e) && e.code === 'DECOY_ERR_STORE' && message.test(e.message) && /redis-sentinel:\/\/host:26379/.test(e.hint ?? '')));
  }

  it('logs every form without its passwords', () => {
    assert.equal(safeUrl('redis://:secret@h:6379/0'), 'redis://:***@h:6379/0');
    assert.equal(safeUrl('redis-sentinel://u:secret@s1:26379,s2:26379/m?sentinelPassword=other&db=1'), 'redis-sentinel://u:***@s1:26379,s2:26379/m?sentinelPassword=***&db=1');
    assert.equal(safeUrl('rediss-cluster://:secret@c1:7000'), 'rediss-cluster://:***@c1:7000');
  });
});
