// Measures Decoy's heap in a process of its own (node --expose-gc), for the memory test:
//   node --expose-gc test/support/memory-probe.mjs <stubs|file|series|gzip|journal|headers|budget> <count>
// Prints one JSON line: the heap used (with Buffers' bytes) after a full GC before and after, and what was counted.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const [what, countText] = process.argv.slice(2);
const count = Number(countText);
const dist = new URL('../../dist/', import.meta.url);
const heap = () => {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const m = process.memoryUsage();
  // Bodies are Buffers: their bytes live outside the JavaScript heap.
  return m.heapUsed + m.arrayBuffers;
};

if (what === 'stubs') {
  const { MockEngine } = await import(new URL('core/engine.js', dist).href);
  const { compileStub } = await import(new URL('core/stub.js', dist).href);
  const engine = new MockEngine();
  // A first stub loads and compiles what every stub shares (schemas, caches): not counted per stub.
  engine.putStubs([compileStub({ request: { method: 'GET', url: '/warm' }, response: { status: 200, body: 'x' } }, { sequence: 0 })]);
  const before = heap();
  const stubs = [];
  for (let i = 0; i < count; i++) {
    stubs.push(compileStub({ request: { method: 'GET', url: `/items/${i}` }, response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: `{"id":${i}}` } }, { sequence: i + 1 }));
  }
  engine.putStubs(stubs);
  const after = heap();
  console.log(JSON.stringify({ before, after, count: engine.stubs.size - 1 }));
} else if (what === 'file') {
  // `count` stubs loaded from one JSON file written with wide indentation (several KB of text per stub):
  // what stays once the file is loaded. `bytes`: the file's length.
  const { createDecoy } = await import(new URL('index.js', dist).href);
  const dir = mkdtempSync(path.join(tmpdir(), 'decoy-memory-'));
  const stubs = Array.from({ length: count }, (_, i) => ({ request: { method: 'GET', url: `/items/${i}` }, response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: `{"id":${i}}` } }));
  const text = JSON.stringify({ mappings: stubs }, null, ' '.repeat(10)).replace(/\n/g, `\n${' '.repeat(300)}`);
  writeFileSync(path.join(dir, 'items.json'), text);
  const before = heap();
  const decoy = createDecoy({ stubsDir: dir, port: 0, host: '127.0.0.1', watch: false });
  await decoy.start();
  const after = heap();
  console.log(JSON.stringify({ before, after, count: decoy.engine.stubs.size, bytes: text.length }));
  await decoy.stop();
} else if (what === 'series') {
  // The Prometheus series of `count` stubs, each served once (a plain answer, under a millisecond), counted
  // from serve events alone: what the metrics keep per stub that has served.
  const { DecoyMetrics } = await import(new URL('observability/metrics.js', dist).href);
  let served;
  const engine = { onServed: (l) => { served = l; return () => {}; }, stubs: { size: count, get: () => ({}) }, journal: { size: 0 }, state: {} };
  const events = Array.from({ length: count }, (_, i) => ({ method: 'GET', stub: { id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }, response: { status: 200 }, totalMs: 0.4, delayMs: 0 }));
  new DecoyMetrics().observeEngine(engine, 'default');
  served({ ...events[0], stub: { id: 'warm' } });
  const before = heap();
  for (const e of events) served(e);
  const after = heap();
  console.log(JSON.stringify({ before, after, count }));
} else if (what === 'gzip') {
  // `count` stubs served once each to a client that accepts gzip: what each keeps afterwards (journal entry included).
  const { createDecoy } = await import(new URL('index.js', dist).href);
  const { request } = await import('undici');
  const dir = mkdtempSync(path.join(tmpdir(), 'decoy-memory-'));
  const stubs = Array.from({ length: count }, (_, i) => ({ request: { method: 'GET', urlPath: `/items/${i}` }, response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: `{"id":${i}}` } }));
  writeFileSync(path.join(dir, 'items.json'), JSON.stringify({ mappings: [{ request: { urlPath: '/warm' }, response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"warm":true}' } }, ...stubs] }));
  const decoy = createDecoy({ stubsDir: dir, port: 0, host: '127.0.0.1', watch: false, journalSize: count });
  await decoy.start();
  const get = async (p) => {
    const res = await request(`${decoy.url}${p}`, { headers: { 'accept-encoding': 'gzip' } });
    if (res.headers['content-encoding'] !== 'gzip') throw new Error(`${p} was not sent gzipped`);
    await res.body.arrayBuffer();
  };
  for (let i = 0; i < 50; i++) await get('/warm');
  decoy.engine.journal.clear();
  const before = heap();
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => get(`/items/${i + j}`)));
  const after = heap();
  console.log(JSON.stringify({ before, after, count: decoy.engine.journal.size }));
  await decoy.stop();
} else {
  const { createDecoy } = await import(new URL('index.js', dist).href);
  const dir = mkdtempSync(path.join(tmpdir(), 'decoy-memory-'));
  writeFileSync(path.join(dir, 'item.yaml'), 'request: { method: GET, urlPath: /items }\nresponse: { status: 200, body: ok }\n');
  const budget = what === 'budget' ? { journalMaxBytes: 2 * 1024 * 1024 } : {};
  const decoy = createDecoy({ stubsDir: dir, port: 0, host: '127.0.0.1', watch: false, journalSize: count, ...budget });
  await decoy.start();
  const body = what === 'budget' ? Buffer.alloc(100 * 1024, 'x') : undefined;
  // `headers`: each request also sends 40 headers of its own (the journal keeps a request's header list).
  const FORTY_HEADERS = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-header-${i}`, `value-${i}`]));
  // Warm up: the first requests load what every request shares.
  for (let i = 0; i < 50; i++) await (await fetch(`${decoy.url}/items?n=${i}`)).text();
  decoy.engine.journal.clear();
  const before = heap();
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
      const res = await fetch(`${decoy.url}/items?n=${i + j}`, body ? { method: 'GET', headers: { 'X-Big': 'y' } } : what === 'headers' ? { headers: FORTY_HEADERS } : {});
      await res.text();
    }));
  }
  if (body) {
    for (let i = 0; i < 100; i++) await (await fetch(`${decoy.url}/items?big=${i}`, { method: 'POST', body })).text();
  }
  const after = heap();
  console.log(JSON.stringify({ before, after, count: decoy.engine.journal.size, bytes: decoy.engine.journal.bytes }));
  await decoy.stop();
}
