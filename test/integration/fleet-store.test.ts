/**
 * Two in-process Decoys sharing one real redis-server: the UI's live log through either replica carries the
 * fleet's traffic, admin changes while the store is away, and a service stopped and started again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EventSource } from 'undici';
import type { Decoy } from '../../src/index.js';
import { startDecoy, tempStubs } from '../support/decoy.js';
import { startRedis, type RedisServer } from '../support/redis.js';

const STUBS = { mappings: [{ request: { method: 'GET', urlPathPattern: '/hello/.*' }, response: { status: 200, body: 'hi' } }] };

interface LiveRow { url: string; status: number; matched: boolean }

describe('two replicas on one Redis: what the UI and the admin API see', function () {
  this.timeout(20_000);
  let redis: RedisServer;
  let folder: ReturnType<typeof tempStubs>;
  let a: Decoy;
  let b: Decoy;

  before(async () => {
    redis = await startRedis();
    folder = tempStubs({ 'stubs.json': JSON.stringify(STUBS) });
  });
  beforeEach(async () => {
    const prefix = `store-${randomUUID().slice(0, 8)}`;
    ({ decoy: a } = await startDecoy({ stubsDir: folder.dir, store: { url: redis.url, prefix } }));
    ({ decoy: b } = await startDecoy({ stubsDir: folder.dir, store: { url: redis.url, prefix } }));
  });
  afterEach(async () => {
    await a?.stop();
    await b?.stop();
  });
  after(async () => {
    await redis?.stop();
    folder?.cleanup();
  });

  it("the live log through one replica (its server-sent events) shows a request another replica served", async () => {
    const source = new EventSource(`${b.url}/__admin/decoy/events`);
    try {
      const rows: LiveRow[] = [];
      const seen = new Promise<LiveRow>((resolve, reject) => {
        source.addEventListener('served', (e) => {
          const row = JSON.parse((e as MessageEvent<string>).data) as LiveRow;
          rows.push(row);
          if (row.url === '/hello/from-a') resolve(row);
        });
        source.onerror = () => reject(new Error('the event stream failed'));
      });
      await new Promise<void>((resolve) => source.addEventListener('ready', () => resolve(), { once: true }));
      assert.equal(await (await fetch(`${a.url}/hello/from-a`)).text(), 'hi');
      const row = await Promise.race([seen, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not on b's live log within 2 s: ${JSON.stringify(rows)}`)), 2000))]);
      assert.equal(row.status, 200);
      assert.equal(row.matched, true);
      // b's own requests still show once, and a's once: nothing twice.
      await fetch(`${b.url}/hello/from-b`);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(rows.map((r) => r.url).sort(), ['/hello/from-a', '/hello/from-b']);
    } finally {
      source.close();
    }
  });
});
