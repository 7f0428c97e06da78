/**
 * Per-stub faults, delays, dribbling, bandwidth limits and the global delay, as real clients see them
 * on the wire (the contract is docs/faults.md). Time bounds are generous correctness bounds: a delay of
 * D takes at least D; the upper bounds only catch a delay that is wildly wrong.
 */
import assert from 'node:assert/strict';
import type { Decoy } from '../../src/index.js';
import { appliedFaults } from '../../src/client/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { admin, timed, WireClients } from '../support/wire.js';

/** Upper margin on every delay: a correctness bound, not a performance one. */
const SLACK = 1_500;
const BODY_1000 = 'abcdefghij'.repeat(100);
const BODY_4K = 'x'.repeat(4096);

const STUBS = [
  '- { request: { method: GET, url: /ok }, response: { status: 200, body: fine } }',
  '- { request: { method: GET, url: /reset }, response: { status: 200, body: never, fault: CONNECTION_RESET_BY_PEER } }',
  '- { request: { method: GET, url: /empty }, response: { status: 200, body: never, fault: EMPTY_RESPONSE } }',
  '- { request: { method: GET, url: /malformed }, response: { status: 200, body: never, fault: MALFORMED_RESPONSE_CHUNK } }',
  '- { request: { method: GET, url: /random }, response: { status: 200, body: never, fault: RANDOM_DATA_THEN_CLOSE } }',
  '- { request: { method: GET, url: /hang }, response: { status: 200, body: never, fault: HANG } }',
  `- { request: { method: GET, url: /stall }, response: { status: 200, body: "${BODY_1000}", fault: STALL_BODY } }`,
  '- { request: { method: GET, url: /delay }, response: { status: 200, body: late, fixedDelayMilliseconds: 300 } }',
  '- { request: { method: GET, url: /fixed-dist }, response: { status: 200, body: late, delayDistribution: { type: fixed, milliseconds: 250 } } }',
  '- { request: { method: GET, url: /uniform }, response: { status: 200, body: late, delayDistribution: { type: uniform, lower: 150, upper: 300 } } }',
  // The median is far above the cap, so (almost) every draw is capped: the delay is maxValue.
  '- { request: { method: GET, url: /lognormal-capped }, response: { status: 200, body: late, delayDistribution: { type: lognormal, median: 60000, sigma: 0.1, maxValue: 200 } } }',
  '- { request: { method: GET, url: /lognormal }, response: { status: 200, body: late, delayDistribution: { type: lognormal, median: 100, sigma: 0.1 } } }',
  `- { request: { method: GET, url: /dribble }, response: { status: 200, body: "${BODY_1000}", chunkedDribbleDelay: { numberOfChunks: 5, totalDuration: 1000 } } }`,
  `- { request: { method: GET, url: /delay-dribble }, response: { status: 200, body: "${BODY_1000}", fixedDelayMilliseconds: 300, chunkedDribbleDelay: { numberOfChunks: 2, totalDuration: 400 } } }`,
  `- { request: { method: GET, url: /slow }, response: { status: 200, body: "${BODY_4K}", bytesPerSecond: 8192 } }`,
].join('\n');

describe('faults and delays (docs/faults.md)', function () {
  this.timeout(5_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let clients: WireClients;

  beforeEach(async () => {
    folder = tempStubs({ 'faults.yaml': STUBS });
    clients = new WireClients();
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 200 }));
    assert.deepEqual(decoy.loadReport?.errors ?? [], [], 'the fault stubs load without errors');
  });
  afterEach(async () => {
    await clients?.close();
    await decoy?.stop();
    folder?.cleanup();
  });

  /** The journal's serve event for `url` (the newest), once it is there. */
  async function serveEventFor(url: string): Promise<any> {
    let found: any;
    await eventually(async () => {
      const { json } = await admin(decoy.url, 'GET', '/requests');
      found = json.requests.find((e: any) => e.request.url === url);
      return found !== undefined;
    }, 2_000, `a serve event for ${url}`);
    return found;
  }

  describe('CONNECTION_RESET_BY_PEER', () => {
    it('node:http sees ECONNRESET (a read error, not a hang-up)', async () => {
      const r = await clients.httpGet(decoy.port, '/reset');
      assert.equal(r.status, undefined, 'no response');
      assert.equal(r.error?.code, 'ECONNRESET');
      assert.notEqual(r.error?.message, 'socket hang up', 'a reset, not a clean close');
    });
    it('undici sees ECONNRESET', async () => {
      const r = await clients.undiciGet(`${decoy.url}/reset`);
      assert.equal(r.status, undefined);
      assert.equal(r.error?.code, 'ECONNRESET', `got ${r.error?.name}: ${r.error?.message}`);
    });
    it('a raw socket gets a TCP reset with no byte before it', async () => {
      const r = await clients.rawGet(decoy.port, '/reset', 2_000);
      assert.equal(r.ending, 'reset');
      assert.equal(r.errorCode, 'ECONNRESET');
      assert.equal(r.bytes.length, 0);
    });
    it('curl: (56) Recv failure: Connection reset by peer', async () => {
      const r = await clients.curl(['-sS', `${decoy.url}/reset`]);
      assert.equal(r.exitCode, 56);
      assert.match(r.stderr, /Recv failure: Connection reset by peer/);
    });
  });

  describe('EMPTY_RESPONSE', () => {
    it('undici: other side closed (SocketError)', async () => {
      const r = await clients.undiciGet(`${decoy.url}/empty`);
      assert.equal(r.status, undefined);
      assert.equal(r.error?.name, 'SocketError', `got ${r.error?.name}: ${r.error?.message}`);
      assert.equal(r.error?.code, 'UND_ERR_SOCKET');
      assert.match(r.error?.message ?? '', /other side closed/);
    });
    it('node:http: socket hang up', async () => {
      const r = await clients.httpGet(decoy.port, '/empty');
      assert.equal(r.status, undefined);
      assert.equal(r.error?.message, 'socket hang up');
    });
    it('a raw socket: zero bytes, then a clean close (FIN, not RST)', async () => {
      const r = await clients.rawGet(decoy.port, '/empty', 2_000);
      assert.equal(r.ending, 'end');
      assert.equal(r.bytes.length, 0);
    });
    it('curl: (52) Empty reply from server', async () => {
      const r = await clients.curl(['-sS', `${decoy.url}/empty`]);
      assert.equal(r.exitCode, 52);
      assert.match(r.stderr, /Empty reply from server/);
    });
  });

  describe('MALFORMED_RESPONSE_CHUNK', () => {
    it('a raw socket on a kept-alive connection sees HTTP/1.1 200, chunked, then bytes that are not a valid chunk, then close', async () => {
      const r = await clients.raw(decoy.port, 'GET /malformed HTTP/1.1\r\nHost: localhost\r\n\r\n', 2_000);
      assert.notEqual(r.ending, 'timeout', 'the server closes the connection');
      const text = r.bytes.toString('latin1');
      assert.match(text, /^HTTP\/1\.1 200/);
      const split = text.indexOf('\r\n\r\n');
      assert.ok(split > 0, 'a complete header block');
      assert.match(text.slice(0, split), /\r\ntransfer-encoding: chunked\r?$/im);
      const body = text.slice(split + 4);
      assert.ok(body.length > 0, 'something after the headers');
      // A valid chunked body is `hex-size CRLF data CRLF ... 0 CRLF CRLF`; this one must not parse as that.
      assert.ok(!isValidChunkedBody(body), `the body parses as valid chunked encoding: ${JSON.stringify(body)}`);
    });
    it('undici: status 200, then an HTTPParserError about the chunk while reading the body', async () => {
      const r = await clients.undiciGet(`${decoy.url}/malformed`);
      assert.equal(r.status, 200);
      assert.equal(r.error?.name, 'HTTPParserError', `got ${r.error?.name}: ${r.error?.message}`);
      assert.match(r.error?.message ?? '', /chunk/i);
    });
    it('node:http with Connection: close: as from WireMock, no chunks are announced, so the garbage is a complete 200 body', async () => {
      const r = await clients.httpGet(decoy.port, '/malformed');
      assert.equal(r.status, 200);
      assert.equal(r.complete, true);
      assert.equal(r.body.toString('latin1'), "lskdu018973t09sylgasjkfg1][]'./.sdlv");
    });
  });

  describe('RANDOM_DATA_THEN_CLOSE', () => {
    it('a raw socket gets bytes that are not HTTP, then the connection closes', async () => {
      const r = await clients.rawGet(decoy.port, '/random', 2_000);
      assert.notEqual(r.ending, 'timeout', 'the server closes the connection');
      assert.ok(r.bytes.length > 0, 'some bytes arrive');
      assert.ok(!r.bytes.toString('latin1').startsWith('HTTP/'), `not an HTTP response: ${JSON.stringify(r.bytes.subarray(0, 16).toString('latin1'))}`);
    });
    it('node:http fails with a parse error; undici with an HTTPParserError', async () => {
      const h = await clients.httpGet(decoy.port, '/random');
      assert.equal(h.status, undefined);
      assert.match(h.error?.code ?? '', /^HPE_/, `got ${h.error?.code}: ${h.error?.message}`);
      const u = await clients.undiciGet(`${decoy.url}/random`);
      assert.equal(u.status, undefined);
      assert.equal(u.error?.name, 'HTTPParserError', `got ${u.error?.name}: ${u.error?.message}`);
    });
  });

  describe('HANG', () => {
    it("the client's own timeout fires, and no byte arrives", async () => {
      const r = await clients.undiciGet(`${decoy.url}/hang`, { signal: AbortSignal.timeout(300) });
      assert.equal(r.status, undefined);
      assert.equal(r.error?.name, 'TimeoutError', `got ${r.error?.name}: ${r.error?.message}`);
      assert.ok(r.elapsedMs >= 290, `the timeout fired after ${r.elapsedMs} ms`);
      const raw = await clients.rawGet(decoy.port, '/hang', 500);
      assert.equal(raw.ending, 'timeout', 'the server keeps the connection open and silent');
      assert.equal(raw.bytes.length, 0);
    });
    it('stop() does not wait for a hanging request whose client went away', async () => {
      // The default shutdown grace is 10 s: a hang that outlived its client would hold stop() that long.
      const { decoy: other } = await startDecoy({ stubsDir: folder.dir });
      try {
        const r = await clients.undiciGet(`${other.url}/hang`, { signal: AbortSignal.timeout(200) });
        assert.equal(r.error?.name, 'TimeoutError');
        await clients.close();
        const stop = await timed(() => other.stop());
        assert.ok(stop.ms < 2_000, `stop() took ${stop.ms} ms after the hanging client left`);
      } finally {
        await other.stop();
      }
    });
  });

  describe('HANG and STALL_BODY with maxHangMs', () => {
    let short: Decoy | undefined;
    afterEach(async () => {
      await clients.close();
      await short?.stop();
      short = undefined;
    });

    it('HANG: the server closes the silent connection after maxHangMs', async () => {
      ({ decoy: short } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 200, maxHangMs: 300 } as Parameters<typeof startDecoy>[0]));
      const r = await clients.rawGet(short.port, '/hang', 3_000);
      assert.notEqual(r.ending, 'timeout', 'the server released the socket');
      assert.equal(r.bytes.length, 0, 'not a byte before the close');
      assert.ok(r.elapsedMs >= 280 && r.elapsedMs < 300 + SLACK, `closed after ${r.elapsedMs} ms (maxHangMs 300)`);
    });
    it('HANG: the journal records the request with the fault once the socket is released', async () => {
      ({ decoy: short } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 200, maxHangMs: 300 } as Parameters<typeof startDecoy>[0]));
      const r = await clients.rawGet(short.port, '/hang', 3_000);
      assert.notEqual(r.ending, 'timeout');
      const url = short.url;
      let event: any;
      await eventually(async () => {
        const { json } = await admin(url, 'GET', '/requests');
        event = json.requests.find((e: any) => e.request.url === '/hang');
        return event !== undefined;
      }, 2_000, 'a serve event for /hang');
      assert.deepEqual(appliedFaults(event).map((f) => `${f.source}/${f.action}`), ['stub/fault']);
      assert.match(appliedFaults(event)[0]!.description, /HANG/);
    });
    it('STALL_BODY: the server closes the connection mid-body after maxHangMs; the client sees a truncated body', async () => {
      ({ decoy: short } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 200, maxHangMs: 300 } as Parameters<typeof startDecoy>[0]));
      const r = await clients.httpGet(short.port, '/stall', 3_000);
      assert.equal(r.status, 200);
      assert.equal(r.complete, false, 'the body never completes');
      assert.ok(r.error, 'the client sees the connection end early');
      assert.ok(r.body.length < 1000);
      assert.ok(r.elapsedMs >= 280 && r.elapsedMs < 300 + SLACK, `closed after ${r.elapsedMs} ms (maxHangMs 300)`);
    });
  });

  describe('STALL_BODY', () => {
    it('status and headers (the real Content-Length) and the first half of the body arrive, then nothing', async () => {
      const r = await clients.httpGet(decoy.port, '/stall', 600);
      assert.equal(r.status, 200);
      assert.equal(r.headers?.['content-length'], '1000');
      assert.equal(r.complete, false, 'the body did not complete within 600 ms');
      assert.equal(r.error, undefined, 'the connection is still open');
      assert.equal(r.body.length, 500, 'the first half of the body');
      assert.equal(r.body.toString(), BODY_1000.slice(0, 500));
    });
    it("undici's body read times out with fewer bytes than Content-Length", async () => {
      const r = await clients.undiciGet(`${decoy.url}/stall`, { bodyTimeout: 400 });
      assert.equal(r.status, 200);
      assert.equal(r.headers?.['content-length'], '1000');
      assert.equal(r.error?.code, 'UND_ERR_BODY_TIMEOUT', `got ${r.error?.name}: ${r.error?.message}`);
      assert.ok(r.received < 1000, `received ${r.received} of 1000 bytes`);
    });
  });

  describe('delays', () => {
    it('fixedDelayMilliseconds: the status and headers wait at least that long', async () => {
      const r = await clients.undiciGet(`${decoy.url}/delay`);
      assert.equal(r.status, 200);
      assert.equal(r.text, 'late');
      assert.ok((r.headersMs ?? 0) >= 300, `headers after ${r.headersMs} ms`);
      assert.ok(r.elapsedMs < 300 + SLACK, `took ${r.elapsedMs} ms`);
      const raw = await clients.rawGet(decoy.port, '/delay', 3_000);
      assert.ok((raw.firstByteMs ?? 0) >= 295, `first byte after ${raw.firstByteMs} ms`);
    });
    it('delayDistribution fixed: the given milliseconds', async () => {
      const r = await clients.undiciGet(`${decoy.url}/fixed-dist`);
      assert.equal(r.text, 'late');
      assert.ok(r.elapsedMs >= 250 && r.elapsedMs < 250 + SLACK, `took ${r.elapsedMs} ms`);
    });
    it('delayDistribution uniform: every delay within [lower, upper]', async () => {
      const times = await Promise.all(Array.from({ length: 6 }, () => clients.httpGet(decoy.port, '/uniform')));
      for (const t of times) {
        assert.equal(t.status, 200);
        assert.ok(t.elapsedMs >= 150 && t.elapsedMs < 300 + SLACK, `took ${t.elapsedMs} ms, outside [150, 300 + margin]`);
      }
    });
    it('delayDistribution lognormal: maxValue caps the delay', async () => {
      // median 60 s: without the cap this request would outlast the test.
      const times = await Promise.all(Array.from({ length: 4 }, () => clients.httpGet(decoy.port, '/lognormal-capped', 4_000)));
      for (const t of times) {
        assert.equal(t.status, 200, 'answered');
        assert.ok(t.elapsedMs >= 190 && t.elapsedMs < 200 + SLACK, `took ${t.elapsedMs} ms (maxValue 200)`);
      }
    });
    it('delayDistribution lognormal: a delay around the median (sigma 0.1: within e^±0.5 of it)', async () => {
      const times = await Promise.all(Array.from({ length: 4 }, () => clients.httpGet(decoy.port, '/lognormal', 4_000)));
      for (const t of times) {
        assert.equal(t.status, 200);
        // 100 * e^(-0.5) = 60.6 (five sigma below); the upper bound is only a correctness bound.
        assert.ok(t.elapsedMs >= 60 && t.elapsedMs < 165 + SLACK, `took ${t.elapsedMs} ms (median 100)`);
      }
    });
  });

  describe('chunkedDribbleDelay', () => {
    it('the body arrives chunked, in several pieces, spread over about totalDuration, and intact', async () => {
      const r = await clients.httpGet(decoy.port, '/dribble', 4_000);
      assert.equal(r.status, 200);
      assert.equal(r.complete, true);
      assert.equal(r.headers?.['transfer-encoding'], 'chunked');
      assert.equal(r.body.toString(), BODY_1000);
      assert.ok(r.chunks.length >= 3, `the body came in ${r.chunks.length} piece(s)`);
      const spread = r.chunks[r.chunks.length - 1]!.atMs - r.chunks[0]!.atMs;
      assert.ok(spread >= 500, `first to last piece: ${spread} ms`);
      assert.ok(r.elapsedMs >= 800 && r.elapsedMs < 1000 + SLACK, `took ${r.elapsedMs} ms (totalDuration 1000)`);
    });
    it('with a fixed delay: the headers wait for the delay, then the body dribbles', async () => {
      const r = await clients.httpGet(decoy.port, '/delay-dribble', 4_000);
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), BODY_1000);
      assert.ok((r.headersMs ?? 0) >= 295, `headers after ${r.headersMs} ms (delay 300)`);
      assert.ok(r.elapsedMs >= 300 + 0.8 * 400, `took ${r.elapsedMs} ms (delay 300 + dribble 400)`);
    });
  });

  describe('bytesPerSecond', () => {
    it('a 4 KB body at 8 KB/s takes about half a second and arrives intact', async () => {
      const r = await clients.httpGet(decoy.port, '/slow', 4_000);
      assert.equal(r.status, 200);
      assert.equal(r.complete, true);
      assert.equal(r.body.length, 4096);
      assert.ok(r.chunks.length >= 3, `the body came in ${r.chunks.length} piece(s)`);
      // 4096 B at 8192 B/s in 100 ms slices of 819 B: 5 slices, the last one 400 ms after the first.
      assert.ok(r.elapsedMs >= 390 && r.elapsedMs < 500 + SLACK, `took ${r.elapsedMs} ms`);
    });
  });

  describe('global settings', () => {
    afterEach(async () => {
      await admin(decoy.url, 'POST', '/settings', {}).catch(() => undefined);
    });
    it('fixedDelay delays every stubbed response; removing it restores the speed', async () => {
      const set = await admin(decoy.url, 'POST', '/settings', { fixedDelay: 400 });
      assert.equal(set.status, 200);
      const a = await clients.httpGet(decoy.port, '/ok');
      assert.equal(a.status, 200);
      assert.ok(a.elapsedMs >= 400, `took ${a.elapsedMs} ms with fixedDelay 400`);
      const b = await clients.httpGet(decoy.port, '/dribble', 4_000);
      assert.ok((b.headersMs ?? 0) >= 400, `a second stub: headers after ${b.headersMs} ms`);
      await admin(decoy.url, 'POST', '/settings', { fixedDelay: 0 });
      const c = await clients.httpGet(decoy.port, '/ok');
      assert.ok(c.elapsedMs < 400, `took ${c.elapsedMs} ms with the delay removed`);
    });
    it("the global delay is added to the stub's own delay", async () => {
      await admin(decoy.url, 'POST', '/settings', { fixedDelay: 300 });
      const r = await clients.httpGet(decoy.port, '/delay');
      assert.equal(r.status, 200);
      assert.ok(r.elapsedMs >= 600, `took ${r.elapsedMs} ms (stub 300 + settings 300)`);
    });
    it('delayDistribution in the settings applies too', async () => {
      await admin(decoy.url, 'POST', '/settings', { delayDistribution: { type: 'uniform', lower: 250, upper: 350 } });
      const r = await clients.httpGet(decoy.port, '/ok');
      assert.equal(r.status, 200);
      assert.ok(r.elapsedMs >= 250 && r.elapsedMs < 350 + SLACK, `took ${r.elapsedMs} ms`);
    });
  });

  describe('the journal', () => {
    it('a stub fault: a decoy.fault sub-event { source: stub, action: fault } naming the fault', async () => {
      await clients.httpGet(decoy.port, '/reset');
      const event = await serveEventFor('/reset');
      const faults = appliedFaults(event);
      assert.equal(faults.length, 1, `faults on the serve event: ${JSON.stringify(event.subEvents)}`);
      assert.equal(faults[0]!.source, 'stub');
      assert.equal(faults[0]!.action, 'fault');
      assert.match(faults[0]!.description, /CONNECTION_RESET_BY_PEER/);
      assert.equal(faults[0]!.ruleId, undefined);
    });
    it('a stub delay, a dribble and a bandwidth limit: action delay, dribble, bandwidth', async () => {
      await clients.httpGet(decoy.port, '/delay');
      await clients.httpGet(decoy.port, '/dribble', 4_000);
      await clients.httpGet(decoy.port, '/slow', 4_000);
      const actions = async (url: string) => appliedFaults(await serveEventFor(url)).map((f) => `${f.source}/${f.action}`);
      assert.deepEqual(await actions('/delay'), ['stub/delay']);
      assert.deepEqual(await actions('/dribble'), ['stub/dribble']);
      assert.deepEqual(await actions('/slow'), ['stub/bandwidth']);
    });
    it('the global delay: source settings, action delay', async () => {
      await admin(decoy.url, 'POST', '/settings', { fixedDelay: 50 });
      await clients.httpGet(decoy.port, '/ok');
      await admin(decoy.url, 'POST', '/settings', {});
      const event = await serveEventFor('/ok');
      assert.deepEqual(appliedFaults(event).map((f) => `${f.source}/${f.action}`), ['settings/delay']);
    });
    it('no decoy.fault sub-event when nothing was applied', async () => {
      await clients.httpGet(decoy.port, '/ok');
      const event = await serveEventFor('/ok');
      assert.deepEqual(appliedFaults(event), [], `unexpected faults: ${JSON.stringify(event.subEvents)}`);
    });
  });
});

/** Whether `body` is a complete, valid chunked body (RFC 9112 §7.1), chunk extensions allowed. */
function isValidChunkedBody(body: string): boolean {
  let rest = body;
  for (;;) {
    const m = /^([0-9a-fA-F]+)(;[^\r\n]*)?\r\n/.exec(rest);
    if (!m) return false;
    const size = parseInt(m[1]!, 16);
    rest = rest.slice(m[0].length);
    if (size === 0) return rest.startsWith('\r\n') || /^([!-~]+:[^\r\n]*\r\n)*\r\n/.test(rest);
    if (rest.length < size + 2 || rest.slice(size, size + 2) !== '\r\n') return false;
    rest = rest.slice(size + 2);
  }
}
