import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { loadFastYamlReader, parseStubFile, type StubFileContext } from '../../../src/sources/stub-file.js';

const context = (file: string): StubFileContext => ({
  displayPath: file, idSeed: file, sequenceFor: () => 0, readBodyFile: () => { throw new Error('no body files here'); },
});

/** The definitions of a YAML stub file as `yaml` alone reads it (what every YAML file was read with before js-yaml). */
function asYamlReadsIt(text: string): unknown[] {
  const data = parse(text) as unknown;
  return Array.isArray(data) ? data : [data];
}

describe('YAML stub files read by js-yaml first, the same as yaml reads them', () => {
  before(() => loadFastYamlReader());

  const files: Array<[string, string]> = [
    ['a plain stub', 'request: { method: GET, url: /a }\nresponse: { status: 200, body: plain }\n'],
    ['a list of stubs, block style', '- request:\n    method: GET\n    url: /b\n  response:\n    status: 201\n    headers:\n      Content-Type: text/plain\n    body: "two\\tlines"\n- request: { method: POST, urlPath: /c }\n  response: { status: 204 }\n'],
    ['numbers, booleans and nulls of YAML 1.2', 'request: { method: GET, url: /d }\nresponse:\n  status: 200\n  jsonBody: { hex: 0x1F, octal: 0o17, yes: yes, on: on, t: true, n: null, tilde: ~, date: 2001-12-14, under: 1_000 }\n'],
    ['a %YAML 1.1 directive (yes is true there): read by yaml alone', '%YAML 1.1\n---\nrequest: { method: GET, url: /e }\nresponse: { status: 200, jsonBody: { flag: yes } }\n'],
    ['anchors and aliases: read by yaml alone', 'request: { method: GET, url: /f, headers: &h { X-A: { equalTo: "1" } } }\nresponse: { status: 200, headers: { X-Copy: yes }, jsonBody: *h }\n'],
    ['a key spelt null: read by yaml alone', 'request: { method: GET, url: /g }\nresponse: { status: 200, jsonBody: { null: 1, other: 2 } }\n'],
    ['block scalars and quoting', "request: { method: GET, url: /h }\nresponse:\n  status: 200\n  body: |\n    line one\n    it's two\n  headers: { X-Q: 'it''s' }\n"],
  ];
  for (const [what, text] of files) {
    it(what, () => {
      const parsed = parseStubFile(text, context('stubs/x.yaml'));
      assert.deepEqual(parsed.errors.map((e) => e.format()), []);
      assert.deepEqual(parsed.stubs.map((s) => s.definition), asYamlReadsIt(text));
    });
  }

  it('a stub read by js-yaml still knows its line', () => {
    const parsed = parseStubFile('- request: { method: GET, url: /one }\n  response: { status: 200 }\n\n- request: { method: GET, url: /two }\n  response: { status: 200 }\n', context('stubs/lines.yaml'));
    assert.deepEqual(parsed.stubs.map((s) => s.origin.line), [1, 4]);
  });

  it('a problem in a file js-yaml read is reported at its line and column, as yaml finds them', () => {
    const parsed = parseStubFile('request:\n  method: GET\n  url: /bad\nresponse:\n  status: "two hundred"\n', context('stubs/bad.yaml'));
    assert.equal(parsed.stubs.length, 0);
    assert.match(parsed.errors[0]!.format(), /^stubs\/bad\.yaml:5:11 DECOY_ERR_STUB_INVALID response\.status/);
  });

  it('a repeated key, which js-yaml refuses, is reported by yaml with its position', () => {
    const parsed = parseStubFile('request: { method: GET, url: /dup }\nresponse: { status: 200 }\nresponse: { status: 201 }\n', context('stubs/dup.yaml'));
    assert.equal(parsed.stubs.length, 0);
    assert.match(parsed.errors[0]!.format(), /^stubs\/dup\.yaml:3:1 DECOY_ERR_STUB_SYNTAX .*unique/i);
  });
});
