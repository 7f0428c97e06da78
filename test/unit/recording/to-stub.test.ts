import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { requestKey, toStub, type RecordOptions, type RecordedExchange } from '../../../src/core/recording/to-stub.js';
import { DEFAULT_REDACTION, Redactor, type RedactionSettings } from '../../../src/core/recording/redaction.js';

const options = (over: Partial<RedactionSettings> = {}): RecordOptions => ({
  captureHeaders: new Map([['authorization', { caseInsensitive: false }], ['x-client', { caseInsensitive: false }]]),
  requestBodyPattern: 'auto',
  redaction: { ...DEFAULT_REDACTION, queryParameters: ['token'], jsonPaths: ['$.email'], ...over },
  extractTextOver: 64 * 1024,
  extractBinaryOver: 16 * 1024,
});

const exchange = (over: Partial<RecordedExchange> = {}): RecordedExchange => ({
  method: 'POST',
  url: '/users?token=SECRET-Q1&page=2',
  requestHeaders: ['Authorization', 'Bearer SECRET-H1', 'X-Client', 'web', 'Cookie', 'sid=SECRET-C1'],
  requestBody: Buffer.from('{"email":"secret@example.com","name":"Ada"}'),
  status: 201,
  responseHeaders: ['Content-Type', 'application/json', 'Set-Cookie', 'sid=SECRET-C1', 'Date', 'x', 'Content-Length', '99'],
  responseBody: Buffer.from('{"echo":"Bearer SECRET-H1 SECRET-Q1 secret@example.com","email":"secret@example.com"}'),
  ...over,
});

/** What a recording does with one exchange: learn, redact, convert. */
function record(e: RecordedExchange, o: RecordOptions = options(), name = 'x') {
  const redactor = new Redactor(o.redaction);
  redactor.learn(e);
  const { exchange: redacted } = redactor.redact(e);
  return { ...toStub({ original: e, redacted }, o, name), key: requestKey(redacted, o) };
}

describe('recording: exchanges to stubs', () => {
  it('masks every secret wherever it appears, and records redacted fields as present', () => {
    const { definition } = record(exchange());
    const text = JSON.stringify(definition);
    for (const secret of ['SECRET-H1', 'SECRET-Q1', 'SECRET-C1', 'secret@example.com']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    assert.deepEqual(definition.request!.queryParameters, { token: { matches: '.+' }, page: { equalTo: '2' } });
    assert.deepEqual(definition.request!.headers, { authorization: { matches: '.+' }, 'x-client': { equalTo: 'web' } });
    assert.equal(definition.request!.urlPath, '/users');
    assert.deepEqual(Object.keys(definition.response!.headers!), ['Content-Type', 'Set-Cookie']);
    assert.equal(definition.name, 'POST /users');
    // The redacted JSON member matches any value on replay; the others keep theirs.
    assert.deepEqual(JSON.parse((definition.request!.bodyPatterns![0] as { equalToJson: string }).equalToJson), { email: '${json-unit.ignore}', name: 'Ada' });
  });

  it('keeps a compressed body byte for byte, unless it holds a secret (then decoded and redacted, without Content-Encoding)', () => {
    const plain = gzipSync('{"ok":true}');
    const bare = { url: '/a', requestHeaders: [], requestBody: Buffer.alloc(0) };
    const kept = record(exchange({ ...bare, responseHeaders: ['Content-Type', 'application/json', 'Content-Encoding', 'gzip'], responseBody: plain }));
    assert.equal(kept.definition.response!.base64Body, plain.toString('base64'));
    const secret = gzipSync('{"email":"secret@example.com"}');
    const redacted = record(exchange({ ...bare, responseHeaders: ['Content-Type', 'application/json', 'Content-Encoding', 'gzip'], responseBody: secret }));
    assert.equal(redacted.definition.response!.body, '{"email":"<redacted>"}');
    assert.equal(redacted.definition.response!.headers?.['Content-Encoding'], undefined);
  });

  it('regression: a malformed percent-escape in a recorded URL does not throw (it is kept as written)', () => {
    const e = exchange({ url: '/users?token=%zz&%zz=1&q=%E0%A4%A' });
    const { definition } = record(e);
    assert.deepEqual(definition.request!.queryParameters, { token: { matches: '.+' }, '%zz': { equalTo: '1' }, q: { equalTo: '%E0%A4%A' } });
  });

  it('sends large and binary bodies to body files', () => {
    const big = Buffer.alloc(20_000, 7);
    const r = record(exchange({ url: '/bin', requestHeaders: [], requestBody: Buffer.alloc(0), responseHeaders: ['Content-Type', 'application/octet-stream'], responseBody: big }), options(), 'get-bin-1');
    assert.equal(r.definition.response!.bodyFileName, 'get-bin-1.bin');
    assert.ok(r.bodyFile!.bytes.equals(big));
  });

  it('identical requests share a key; a different redacted value does not make them different', () => {
    const key = record(exchange()).key;
    assert.equal(key, record(exchange({ url: '/users?token=OTHER-TOKEN&page=2' })).key);
    assert.equal(key, record(exchange({ requestHeaders: ['Authorization', 'Bearer ANOTHER-ONE', 'X-Client', 'web'] })).key);
    assert.notEqual(key, record(exchange({ url: '/users?token=x&page=3' })).key);
  });

  it('a path segment that held a secret matches any segment on replay (urlPathPattern)', () => {
    const e = exchange({ url: '/reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl/confirm', requestBody: Buffer.alloc(0) });
    const { definition } = record(e);
    assert.equal(definition.request!.urlPathPattern, '/reset/[^/]+/confirm');
    assert.ok(!JSON.stringify(definition).includes('eyJ'));
  });

  it('a form body with a secret field is matched field by field, the secret by presence', () => {
    const e = exchange({
      url: '/login', requestHeaders: ['Content-Type', 'application/x-www-form-urlencoded'],
      requestBody: Buffer.from('username=ada&password=hunter2-correct-horse'),
    });
    const { definition } = record(e);
    assert.deepEqual(definition.request!.formParameters, { username: { equalTo: 'ada' }, password: { matches: '.+' } });
    assert.equal(definition.request!.bodyPatterns, undefined);
  });
});
