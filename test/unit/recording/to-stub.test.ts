import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DEFAULT_REDACTED_HEADERS, requestKey, toStub, type RecordOptions, type RecordedExchange } from '../../../src/core/recording/to-stub.js';

const options = (over: Partial<RecordOptions['redaction']> = {}): RecordOptions => ({
  captureHeaders: new Map([['authorization', { caseInsensitive: false }], ['x-client', { caseInsensitive: false }]]),
  requestBodyPattern: 'auto',
  redaction: { headers: DEFAULT_REDACTED_HEADERS, queryParameters: ['token'], jsonPaths: ['$.email'], replacement: '<redacted>', ...over },
  extractTextOver: 64 * 1024,
  extractBinaryOver: 16 * 1024,
});

const exchange = (over: Partial<RecordedExchange> = {}): RecordedExchange => ({
  method: 'POST',
  url: '/users?token=SECRET-Q&page=2',
  requestHeaders: ['Authorization', 'Bearer SECRET-H', 'X-Client', 'web', 'Cookie', 'sid=SECRET-C'],
  requestBody: Buffer.from('{"email":"secret@example.com","name":"Ada"}'),
  status: 201,
  responseHeaders: ['Content-Type', 'application/json', 'Set-Cookie', 'sid=SECRET-C', 'Date', 'x', 'Content-Length', '99'],
  responseBody: Buffer.from('{"echo":"Bearer SECRET-H SECRET-Q secret@example.com","email":"secret@example.com"}'),
  ...over,
});

describe('recording: exchanges to stubs', () => {
  it('masks every secret wherever it appears, and records redacted fields as present', () => {
    const { definition } = toStub(exchange(), options(), 'x');
    const text = JSON.stringify(definition);
    for (const secret of ['SECRET-H', 'SECRET-Q', 'SECRET-C', 'secret@example.com']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    assert.deepEqual(definition.request!.queryParameters, { token: { matches: '.+' }, page: { equalTo: '2' } });
    assert.deepEqual(definition.request!.headers, { authorization: { matches: '.+' }, 'x-client': { equalTo: 'web' } });
    assert.equal(definition.request!.urlPath, '/users');
    assert.deepEqual(Object.keys(definition.response!.headers!), ['Content-Type', 'Set-Cookie']);
    assert.equal(definition.name, 'POST /users');
  });

  it('keeps a compressed body byte for byte, unless it holds a secret (then decoded and redacted)', () => {
    const plain = gzipSync('{"ok":true}');
    const kept = toStub(exchange({ url: '/a', requestHeaders: [], requestBody: Buffer.alloc(0), responseHeaders: ['Content-Type', 'application/json', 'Content-Encoding', 'gzip'], responseBody: plain }), options(), 'x');
    assert.equal(kept.definition.response!.base64Body, plain.toString('base64'));
    const secret = gzipSync('{"email":"secret@example.com"}');
    const redacted = toStub(exchange({ url: '/a', requestHeaders: [], requestBody: Buffer.alloc(0), responseHeaders: ['Content-Type', 'application/json', 'Content-Encoding', 'gzip'], responseBody: secret }), options(), 'x');
    assert.equal(redacted.definition.response!.body, '{"email":"<redacted>"}');
    assert.equal(redacted.definition.response!.headers?.['Content-Encoding'], undefined);
  });

  it('regression: a malformed percent-escape in a recorded URL does not throw (it is kept as written)', () => {
    const e = exchange({ url: '/users?token=%zz&%zz=1&q=%E0%A4%A' });
    assert.doesNotThrow(() => requestKey(e, options()));
    const { definition } = toStub(e, options(), 'x');
    assert.deepEqual(definition.request!.queryParameters, { token: { matches: '.+' }, '%zz': { equalTo: '1' }, q: { equalTo: '%E0%A4%A' } });
  });

  it('sends large and binary bodies to body files', () => {
    const big = Buffer.alloc(20_000, 7);
    const r = toStub(exchange({ url: '/bin', requestHeaders: [], requestBody: Buffer.alloc(0), responseHeaders: ['Content-Type', 'application/octet-stream'], responseBody: big }), options(), 'get-bin-1');
    assert.equal(r.definition.response!.bodyFileName, 'get-bin-1.bin');
    assert.ok(r.bodyFile!.bytes.equals(big));
  });

  it('identical requests share a key; a different redacted value does not make them different', () => {
    assert.equal(requestKey(exchange(), options()), requestKey(exchange({ url: '/users?token=OTHER&page=2' }), options()));
    assert.equal(requestKey(exchange(), options()), requestKey(exchange({ requestHeaders: ['Authorization', 'Bearer ANOTHER', 'X-Client', 'web'] }), options()));
    assert.notEqual(requestKey(exchange(), options()), requestKey(exchange({ url: '/users?token=x&page=3' }), options()));
  });
});
