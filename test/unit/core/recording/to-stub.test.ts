import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { requestKey, scenarioNameFor, toStub, wireMockStubName, type RecordOptions, type RecordedExchange, type RequestBodyPatternSpec } from '../../../../src/core/recording/to-stub.js';
import { DEFAULT_REDACTION, Redactor, type RedactionSettings } from '../../../../src/core/recording/redaction.js';

const options = (over: Partial<RedactionSettings> = {}): RecordOptions => ({
  captureHeaders: new Map([['authorization', {}], ['x-client', {}]]),
  requestBodyPattern: 'auto',
  redaction: { ...DEFAULT_REDACTION, queryParameters: ['token'], jsonPaths: ['$.email'], ...over },
  extractTextOver: 64 * 1024,
  extractBinaryOver: 16 * 1024,
});

const exchange = (over: Partial<RecordedExchange> = {}): RecordedExchange => ({
  method: 'POST',
  url: '/users?token=SECRET-Q1&page=2',
  requestHeaders: ['Authorization', 'Bearer SECRET-H1', 'X-Client', 'web', 'Cookie', 'sid=SECRET-C1', 'Content-Type', 'application/json'],
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
    assert.deepEqual(definition.request!.queryParameters, { token: { matches: '.+' }, page: { hasExactly: [{ equalTo: '2' }] } });
    assert.deepEqual(definition.request!.headers, { authorization: { matches: '.+' }, 'x-client': { equalTo: 'web' } });
    assert.equal(definition.request!.urlPath, '/users');
    assert.deepEqual(Object.keys(definition.response!.headers!), ['Content-Type', 'Set-Cookie', 'Date']);
    assert.equal(definition.name, 'users');
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
    assert.deepEqual(definition.request!.queryParameters, { token: { matches: '.+' }, '%zz': { hasExactly: [{ equalTo: '1' }] }, q: { hasExactly: [{ equalTo: '%E0%A4%A' }] } });
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

  it('names a stub as WireMock does: the decoded path, / as _, accents and other characters dropped, lower case, at most 200 characters', () => {
    const cases: Array<[string, string]> = [
      ['/rec/a', 'rec_a'],
      ['/', ''],
      ['/caf%C3%A9/Some%20Path/x.y-z', 'cafe_some-path_x.y-z'],
      ['/Users/7/', 'users_7'],
      ['/a/%zz', 'a_zz'],
      ['/' + 'x'.repeat(300), 'x'.repeat(200)],
    ];
    for (const [path, name] of cases) assert.equal(wireMockStubName(path), name, path);
    assert.equal(record(exchange({ url: '/Orders/42?x=1' })).definition.name, 'orders_42');
  });

  it('names a scenario as WireMock does: scenario-<n>-<path segments joined by ->', () => {
    assert.equal(scenarioNameFor(1, '/rec/a'), 'scenario-1-rec-a');
    assert.equal(scenarioNameFor(2, '/'), 'scenario-2-');
  });

  it('keeps the spelling of a captured header name as given, and records caseInsensitive only when it was given', () => {
    const o: RecordOptions = { ...options(), captureHeaders: new Map([['X-Cap', {}], ['x-two', { caseInsensitive: true }], ['X-Three', { caseInsensitive: false }]]) };
    const { definition } = record(exchange({ requestHeaders: ['x-cap', 'c', 'X-TWO', 'Q', 'x-three', 't'] }), o);
    assert.deepEqual(definition.request!.headers, { 'X-Cap': { equalTo: 'c' }, 'x-two': { equalTo: 'Q', caseInsensitive: true }, 'X-Three': { equalTo: 't', caseInsensitive: false } });
  });

  it('picks the body matcher as WireMock does: auto by Content-Type, the named matchers with their flags as given', () => {
    const body = (contentType: string | undefined, text: string, spec: RequestBodyPatternSpec | RequestBodyPatternSpec['matcher'] = 'auto') => record(exchange({
      url: '/b', requestHeaders: contentType === undefined ? [] : ['Content-Type', contentType], requestBody: Buffer.from(text),
    }), { ...options(), requestBodyPattern: spec }).definition.request!.bodyPatterns;
    assert.deepEqual(body('application/json', '{"a":[1,2]}'), [{ equalToJson: '{"a":[1,2]}', ignoreArrayOrder: true, ignoreExtraElements: true }]);
    assert.deepEqual(body('application/json', '{"a":1}', { matcher: 'auto', ignoreArrayOrder: true, ignoreExtraElements: false, caseInsensitive: true }), [{ equalToJson: '{"a":1}', ignoreArrayOrder: true, ignoreExtraElements: false }]);
    assert.deepEqual(body('application/xml', '<a/>'), [{ equalToXml: '<a/>' }]);
    assert.deepEqual(body('text/plain', 'Txt'), [{ equalTo: 'Txt', caseInsensitive: false }]);
    assert.deepEqual(body('text/plain', 'Txt', { matcher: 'auto', caseInsensitive: true }), [{ equalTo: 'Txt', caseInsensitive: true }]);
    assert.deepEqual(body(undefined, '{"a":1}'), [{ equalTo: '{"a":1}', caseInsensitive: false }]);
    assert.deepEqual(body('application/octet-stream', 'abc'), [{ binaryEqualTo: 'YWJj' }]);
    assert.deepEqual(body('multipart/form-data', 'abc'), [{ anything: 'anything' }]);
    assert.deepEqual(body('application/json', '{"a":1}', { matcher: 'equalToJson', ignoreArrayOrder: false, ignoreExtraElements: true }), [{ equalToJson: '{"a":1}', ignoreArrayOrder: false, ignoreExtraElements: true }]);
    assert.deepEqual(body('application/json', '{"a":1}', 'equalToJson'), [{ equalToJson: '{"a":1}' }]);
    assert.deepEqual(body('application/xml', '<a/>', 'equalToXml'), [{ equalToXml: '<a/>' }]);
    assert.deepEqual(body('text/plain', 'Text', { matcher: 'equalTo', caseInsensitive: true }), [{ equalTo: 'Text', caseInsensitive: true }]);
    assert.deepEqual(body('text/plain', 'Text', 'equalTo'), [{ equalTo: 'Text' }]);
    assert.equal(body('text/plain', 'Text', 'none'), undefined);
  });

  it('records the response headers WireMock records, in the upstream\'s spelling: Keep-Alive and Date kept; Connection, Transfer-Encoding, Content-Length not', () => {
    const { definition } = record(exchange({
      url: '/h', requestHeaders: [], requestBody: Buffer.alloc(0), responseBody: Buffer.from('ok'),
      responseHeaders: ['Content-Type', 'text/plain', 'X-Rec', 'a', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Content-Length', '2', 'Date', 'Mon, 01 Jan 2024 00:00:00 GMT'],
    }));
    assert.deepEqual(definition.response!.headers, { 'Content-Type': 'text/plain', 'X-Rec': 'a', 'Keep-Alive': 'timeout=5', Date: 'Mon, 01 Jan 2024 00:00:00 GMT' });
  });
});
