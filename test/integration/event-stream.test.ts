/**
 * Streamed responses (server-sent events) as a client sees them on the wire: a raw reader for the
 * exact bytes and timing, and undici's EventSource for what an SSE client makes of them (events, names,
 * ids, the resume with Last-Event-ID after a cut).
 */
import assert from 'node:assert/strict';
import { EventSource } from 'undici';
import type { Decoy } from '../../src/index.js';
import { startDecoy, tempStubs } from '../support/decoy.js';

const STUBS = `
- request: { urlPath: /prices }
  response:
    status: 200
    stream:
      events:
        - { event: price, id: "1", data: { sym: ACME, p: 1 } }
        - { event: price, id: "2", data: "{{request.query.sym}} 2", delayMs: 150 }
        - { event: price, id: "3", data: "line one\\nline two" }
- request: { url: /ticks }
  response:
    status: 200
    stream:
      events:
        - { id: "1", data: one, retry: 50 }
        - { id: "2", data: two }
        - { id: "3", data: three }
        - { id: "4", data: four }
      cutAfter: 2
- request: { url: /stall }
  response: { status: 200, stream: { events: [{ data: a }, { data: b }, { data: c }], stallAfter: 1 } }
- request: { url: /malformed }
  response: { status: 200, stream: { events: [{ data: { ok: true } }, { data: { amount: 10, currency: EUR } }], malformedAt: 2 } }
- request: { url: /unfinished }
  response: { status: 200, stream: { events: [{ data: first }, { data: last }], noFinalBlankLine: true } }
- request: { url: /late-stream }
  response: { status: 200, fixedDelayMilliseconds: 300, stream: { events: [{ data: late }] } }
- request: { url: /open }
  response: { status: 200, stream: { events: [{ data: hello }], repeat: 2, keepOpen: true } }
`;

/** Reads a response body as text until it ends or `ms` pass; says which. */
async function readFor(url: string, ms: number, init: RequestInit = {}): Promise<{ text: string; ended: boolean; status: number; type: string | null; times: number[] }> {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  const reader = res.body!.getReader();
  const start = Date.now();
  let text = '';
  const times: number[] = [];
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, ended: true, status: res.status, type: res.headers.get('content-type'), times };
      text += Buffer.from(value).toString('utf8');
      times.push(Date.now() - start);
    }
  } catch (e) {
    if (controller.signal.aborted) return { text, ended: false, status: res.status, type: res.headers.get('content-type'), times };
    throw Object.assign(new Error(`the stream failed: ${(e as Error).message}`), { text });
  } finally {
    clearTimeout(timer);
  }
}

describe('streamed responses (server-sent events)', function () {
  this.timeout(10_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy | undefined;

  beforeEach(async () => {
    folder = tempStubs({ 'streams.yaml': STUBS });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 100 }));
  });
  afterEach(async () => {
    await decoy?.stop();
    folder.cleanup();
  });

  it('writes each event in the format, after its delay, templated, then ends', async () => {
    const r = await readFor(`${decoy!.url}/prices?sym=ACME`, 3_000);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/event-stream');
    assert.equal(r.ended, true);
    assert.equal(r.text, 'event: price\nid: 1\ndata: {"sym":"ACME","p":1}\n\nevent: price\nid: 2\ndata: ACME 2\n\nevent: price\nid: 3\ndata: line one\ndata: line two\n\n');
    assert.ok(r.times.at(-1)! >= 120, `the delayed event came after ${r.times.at(-1)} ms`);
  });

  it('an EventSource client gets the named events with their ids', async () => {
    const source = new EventSource(`${decoy!.url}/prices?sym=X`);
    const got: Array<[string, string, string]> = [];
    await new Promise<void>((resolve, reject) => {
      source.addEventListener('price', (e) => {
        got.push([e.type, (e as MessageEvent).lastEventId, (e as MessageEvent).data as string]);
        if (got.length === 3) resolve();
      });
      source.onerror = () => { if (got.length < 3) reject(new Error(`error after ${got.length} events`)); };
    }).finally(() => source.close());
    assert.deepEqual(got, [['price', '1', '{"sym":"ACME","p":1}'], ['price', '2', 'X 2'], ['price', '3', 'line one\nline two']]);
  });

  it('cutAfter cuts the connection after N events; the client resumes with Last-Event-ID after the last one it saw', async () => {
    const raw = await readFor(`${decoy!.url}/ticks`, 2_000).catch((e: { text: string }) => ({ text: e.text, ended: false }));
    assert.equal(raw.text, 'id: 1\nretry: 50\ndata: one\n\nid: 2\ndata: two\n\n');
    const resumed = await readFor(`${decoy!.url}/ticks`, 2_000, { headers: { 'Last-Event-ID': '2' } }).catch((e: { text: string }) => ({ text: e.text }));
    assert.equal(resumed.text, 'id: 3\ndata: three\n\nid: 4\ndata: four\n\n');

    const source = new EventSource(`${decoy!.url}/ticks`);
    const data: string[] = [];
    let errors = 0;
    await new Promise<void>((resolve) => {
      source.onmessage = (e) => { data.push(e.data as string); if (data.length === 4) resolve(); };
      source.onerror = () => { errors++; };
    }).finally(() => source.close());
    assert.deepEqual(data, ['one', 'two', 'three', 'four'], 'each event once: the reconnect resumed after id 2');
    assert.ok(errors >= 1, 'the cut was seen as an error (then a reconnect)');
  });

  it('stallAfter writes N events, then nothing, with the connection left open', async () => {
    const r = await readFor(`${decoy!.url}/stall`, 500);
    assert.equal(r.ended, false, 'the connection is still open');
    assert.equal(r.text, 'data: a\n\n');
  });

  it('malformedAt sends that event with half its data, which does not parse', async () => {
    const r = await readFor(`${decoy!.url}/malformed`, 2_000);
    const events = r.text.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
    assert.equal(JSON.parse(events[0]!).ok, true);
    assert.throws(() => JSON.parse(events[1]!));
    assert.equal(events[1], '{"amount":10,"c');
  });

  it('noFinalBlankLine ends without the blank line: an SSE client never dispatches the last event', async () => {
    const r = await readFor(`${decoy!.url}/unfinished`, 2_000);
    assert.equal(r.text, 'data: first\n\ndata: last\n');
    assert.equal(r.ended, true);
  });

  it('keepOpen writes the events (repeated) and keeps the connection open until Decoy stops', async () => {
    const reading = readFor(`${decoy!.url}/open`, 5_000);
    await new Promise((res) => setTimeout(res, 200));
    const stopping = Date.now();
    await decoy!.stop();
    assert.ok(Date.now() - stopping < 1_000, 'stop did not wait for the open stream');
    decoy = undefined;
    const r = await reading.catch((e: { text: string }) => ({ text: e.text, ended: true }));
    assert.equal(r.text, 'data: hello\n\ndata: hello\n\n');
  });

  it('a fixedDelayMilliseconds holds the whole stream back, its head included', async () => {
    const started = Date.now();
    const res = await fetch(`${decoy!.url}/late-stream`);
    assert.ok(Date.now() - started >= 290, `the head came after ${Date.now() - started} ms`);
    assert.equal(await res.text(), 'data: late\n\n');
  });
});
