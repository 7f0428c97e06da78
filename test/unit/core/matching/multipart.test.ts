import assert from 'node:assert/strict';
import { compileRequestPattern } from '../../../../src/core/matching/request-pattern.js';
import { MAX_PARTS, multipartBoundary, parseMultipart } from '../../../../src/core/matching/multipart.js';
import { DecoyRequest } from '../../../../src/core/request.js';

const CONNECTION = { scheme: 'http' as const, clientIp: '192.0.2.7', localAddress: '127.0.0.1', localPort: 8080 };

function request(headers: Record<string, string[]>, url = '/', method = 'GET', body = ''): DecoyRequest {
  const r = new DecoyRequest(method, url, headers, Buffer.from(body));
  r.connection = CONNECTION;
  return r;
}

describe('multipart bodies', () => {
  it('reads the boundary, quoted or not, only from a multipart type', () => {
    assert.equal(multipartBoundary('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(multipartBoundary('Multipart/Mixed; charset=x; boundary="a b"'), 'a b');
    assert.equal(multipartBoundary('application/json; boundary=abc'), undefined);
    assert.equal(multipartBoundary(undefined), undefined);
  });

  it('splits parts with their headers and bodies, skipping the preamble and the epilogue', () => {
    const body = 'preamble\r\n--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nfirst\r\nline\r\n--b\r\nContent-Type: text/plain\r\nX-Two: 1\r\nX-Two: 2\r\n\r\n\r\n--b--\r\nepilogue';
    const parts = parseMultipart(Buffer.from(body), 'multipart/form-data; boundary=b')!;
    assert.equal(parts.length, 2);
    assert.deepEqual({ ...parts[0]!.headers }, { 'content-disposition': ['form-data; name="a"'] });
    assert.equal(parts[0]!.body.toString(), 'first\r\nline');
    assert.deepEqual({ ...parts[1]!.headers }, { 'content-type': ['text/plain'], 'x-two': ['1', '2'] });
    assert.equal(parts[1]!.body.toString(), '');
  });

  it('accepts bare LF line ends', () => {
    const parts = parseMultipart(Buffer.from('--b\nContent-Type: text/csv\n\nx,y\n--b--\n'), 'multipart/mixed; boundary=b')!;
    assert.deepEqual(parts.map((p) => [p.headers['content-type'], p.body.toString()]), [[['text/csv'], 'x,y']]);
  });

  it('a part header named constructor or __proto__ is read as any other header', () => {
    const parts = parseMultipart(Buffer.from('--b\r\nconstructor: c\r\n__proto__: p\r\ntoString: t\r\n\r\nx\r\n--b--\r\n'), 'multipart/form-data; boundary=b')!;
    assert.deepEqual(Object.entries(parts[0]!.headers), [['constructor', ['c']], ['__proto__', ['p']], ['tostring', ['t']]]);
  });

  it(`reads at most ${MAX_PARTS} parts: a body with more is not multipart`, () => {
    const body = (n: number) => Buffer.from(`${'--b\r\n\r\nx\r\n'.repeat(n)}--b--\r\n`);
    assert.equal(parseMultipart(body(MAX_PARTS), 'multipart/form-data; boundary=b')!.length, MAX_PARTS);
    assert.equal(parseMultipart(body(MAX_PARTS + 1), 'multipart/form-data; boundary=b'), undefined);
  });

  it('is not multipart without a delimiter in the body', () => {
    assert.equal(parseMultipart(Buffer.from('{"a":1}'), 'multipart/form-data; boundary=b'), undefined);
  });
});

describe('request patterns on where a request was addressed and where it came from', () => {
  const test = (def: object, req: DecoyRequest) => compileRequestPattern(def).test(req);

  it('host is the Host header without its port, case-sensitive; an IPv6 literal keeps its brackets', () => {
    assert.equal(test({ host: { equalTo: 'example.com' } }, request({ host: ['example.com:8443'] })), true);
    assert.equal(test({ host: { equalTo: 'example.com' } }, request({ host: ['Example.com'] })), false);
    assert.equal(test({ host: { equalTo: '[::1]' } }, request({ host: ['[::1]:8080'] })), true);
    assert.equal(test({ host: { equalTo: '127.0.0.1' } }, request({})), true, 'no Host header: the address connected to');
  });

  it('port is the Host header\'s port, the scheme\'s default without one, the port connected to without a Host header', () => {
    assert.equal(test({ port: 9090 }, request({ host: ['a:9090'] })), true);
    assert.equal(test({ port: '80' }, request({ host: ['a'] })), true);
    assert.equal(test({ port: 8080 }, request({ host: ['a'] })), false);
    assert.equal(test({ port: 8080 }, request({})), true);
    assert.throws(() => compileRequestPattern({ port: 70000 }), /request.port must be a port number from 1 to 65535 \(got 70000\)/);
  });

  it('clientIp is X-Forwarded-For as sent when there is one, else the peer', () => {
    assert.equal(test({ clientIp: { equalTo: '192.0.2.7' } }, request({})), true);
    assert.equal(test({ clientIp: { equalTo: '10.0.0.1, 10.0.0.2' } }, request({ 'x-forwarded-for': ['10.0.0.1, 10.0.0.2'] })), true);
  });

  it('GET_OR_HEAD takes GET and HEAD only', () => {
    const p = compileRequestPattern({ method: 'GET_OR_HEAD' });
    assert.deepEqual(['GET', 'HEAD', 'POST'].map((m) => p.test(request({}, '/', m))), [true, true, false]);
  });

  it('multipartPatterns explain themselves and report each part of a near miss', () => {
    const p = compileRequestPattern({ multipartPatterns: [{ matchingType: 'ALL', headers: { 'Content-Type': { contains: 'text' } } }] });
    assert.match(p.explain(), /Multipart every part with header Content-Type contains "text"/);
    const req = request({ 'content-type': ['multipart/form-data; boundary=b'] }, '/', 'POST',
      '--b\r\nContent-Disposition: form-data; name="a"\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name="j"\r\nContent-Type: application/json\r\n\r\n{}\r\n--b--\r\n');
    assert.equal(p.test(req), false);
    const line = p.report(req).find((f) => f.label === 'Multipart')!;
    assert.equal(line.actual, '[a, text/plain] x\n[j, application/json, does not fit] {}');
    assert.ok(p.distance(req) > 0 && p.distance(req) <= 1);
  });
});
