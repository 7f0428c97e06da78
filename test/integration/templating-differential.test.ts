/**
 * Templating differential: the same templated mappings (a WireMock root folder written to a temp
 * directory) served by the real WireMock (the jar of the `wiremock` package, one JVM for the suite)
 * and by Decoy; the same requests go to both and the answers must agree: status, body bytes, and the
 * templated headers. Only deterministic helpers are compared here; `now` is compared loosely (the
 * two clocks read at slightly different moments). Random helpers and faker are tested for shape in
 * templating.test.ts.
 *
 * Run it alone:
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 30000 --exit test/integration/templating-differential.test.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { createDecoy, type Decoy } from '../../src/index.js';
import { startWireMock, type WireMockProcess } from '../support/wiremock.js';

interface Row {
  title: string;
  template: string;
  /** Path after /t/<n>; the stub matches /t/<n> and anything under it. */
  suffix?: string;
  init?: RequestInit;
  /** Send this Host header (fetch cannot; the request then goes through undici's request). */
  host?: string;
  /** Compare loosely: both answers must match this, and `same(a, b)` must hold. */
  loose?: { shape: RegExp; same: (a: string, b: string) => boolean };
  /**
   * A deliberate difference: WireMock's answer is still checked, and Decoy's intended one, so the row
   * fails if either changes (and when they agree again, the deviation should go).
   */
  deviation?: { why: string; wiremock: string | RegExp; decoy: string; /** WireMock's status when it fails the response (200 otherwise). */ wiremockStatus?: number };
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const doc = json({ name: 'Ann', tags: ['a', 'b'], obj: { k: 'v', n: 2 }, qty: 3, items: [{ sku: 'x', q: 1 }, { sku: 'y', q: 2 }] });
const xmlDoc: RequestInit = { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<order type="web"><id>42</id><item>a</item><item>b</item></order>' };
const day = 86_400_000;
const closeDates = (a: string, b: string): boolean => Math.abs(Date.parse(a) - Date.parse(b)) <= day;

const ROWS: Row[] = [
  { title: 'request.url, path, pathSegments, path index', template: '{{request.url}}|{{request.path}}|{{request.pathSegments.[1]}}|{{request.path.[2]}}', suffix: '/seg/x?a=1&b=2' },
  { title: 'request.query first value, index, each, size', template: '{{request.query.a}}|{{request.query.a.[1]}}|{{#each request.query.a}}[{{this}}]{{/each}}|{{size request.query.a}}|{{request.query.missing}}|', suffix: '?a=1&a=2' },
  { title: 'request.headers by any case', template: '{{request.headers.X-Foo}}|{{request.headers.x-foo}}|{{request.headers.[X-Foo]}}', init: { headers: { 'X-Foo': 'bar' } } },
  { title: 'request.cookies', template: '{{request.cookies.session}}|{{request.cookies.theme}}', init: { headers: { cookie: 'session=abc; theme=dark' } } },
  { title: 'request.method and body', template: '{{request.method}}:{{request.body}}', init: { method: 'PUT', body: 'hello there' } },
  { title: 'no HTML escaping', template: '{{request.query.x}}', suffix: '?x=%3Cb%3E%26%22' },
  { title: 'parameters', template: '{{parameters.greeting}} {{parameters.n}}' },
  { title: 'jsonPath scalar, number, array, missing, default', template: "{{jsonPath request.body '$.name'}}|{{jsonPath request.body '$.qty'}}|{{jsonPath request.body '$.tags'}}|{{jsonPath request.body '$.nope'}}|{{jsonPath request.body '$.nope' default='d'}}", init: doc },
  { title: 'jsonPath object as pretty JSON', template: "{{jsonPath request.body '$.obj'}}", init: doc },
  { title: 'jsonPath in each, with @key', template: "{{#each (jsonPath request.body '$.obj')}}{{@key}}={{this}};{{/each}}{{#each (jsonPath request.body '$.items')}}{{this.sku}}{{/each}}", init: doc },
  { title: 'xPath text, attribute, count, each', template: "{{xPath request.body '/order/id/text()'}}|{{xPath request.body '/order/@type'}}|{{xPath request.body 'count(//item)'}}|{{#each (xPath request.body '//item')}}<{{this.text}}>{{/each}}", init: xmlDoc },
  { title: 'regexExtract whole match, groups into a variable, default, no match', template: "{{regexExtract request.body '[0-9]+'}}|{{regexExtract request.body '([a-z]+)-([0-9]+)' 'parts'}}{{parts.0}}/{{parts.1}}|{{regexExtract request.body 'zz' default='none'}}|{{regexExtract request.body 'zz'}}", init: { method: 'POST', body: 'id abc-42' } },
  { title: 'parseJson, with, toJson', template: "{{parseJson request.body 'o'}}{{o.name}}|{{#with (parseJson request.body)}}{{tags.1}}{{/with}}|{{toJson (parseJson request.body)}}", init: doc },
  { title: 'formatJson, jsonMerge, jsonRemove', template: "{{formatJson '{\"a\":1,\"b\":[1,2]}'}}|{{jsonMerge '{\"a\":1}' '{\"b\":2}'}}|{{jsonRemove '{\"a\":1,\"b\":2}' '$.a'}}" },
  { title: 'math', template: "{{math 1 '+' 2}} {{math 10 '/' 4}} {{math 10 '/' 3}} {{math 10 '-' 2.5}} {{math 3 '*' 4}} {{math '5' '+' '6'}} {{math 2.5 '*' 2}} {{math 1 '^' 2}}" },
  { title: 'isOdd and isEven', template: '{{isOdd 3}}|{{isEven 4}}|{{isOdd 4}}|' },
  { title: 'case and trimming helpers', template: "{{upper 'abc'}} {{lower 'ABC'}} {{capitalize 'hello world'}} {{capitalizeFirst 'hello world'}} [{{trim '  x  '}}]" },
  { title: 'abbreviate, replace, substring, cut, slugify, stripTags', template: "{{abbreviate 'hello world' 8}} {{replace 'a-b-c' '-' '+'}} {{substring 'abcdef' 2}} {{substring 'abcdef' 1 3}} {{cut 'a b c' ' '}} {{slugify 'Hello World X'}} {{stripTags '<b>x</b>'}}" },
  { title: 'padding, defaultIfEmpty, yesno, wordWrap', template: "{{ljust 'ab' size=5 pad='*'}} {{rjust 'ab' size=5 pad='*'}} {{center 'ab' size=6 pad='*'}} {{defaultIfEmpty '' 'none'}} {{yesno true}} {{yesno false}}|{{wordWrap 'aaa bbb ccc' 4}}" },
  { title: 'join, contains, matches, size', template: "{{join 'a' 'b' 'c' '/'}} {{join (array 'a' 'b') ','}} {{contains 'abc' 'b'}} {{matches 'abc' '[a-c]+'}} {{size 'abc'}} {{size (array 1 2)}}" },
  { title: 'base64 and urlEncode', template: "{{base64 'hello'}} {{base64 'aGVsbG8=' decode=true}} {{base64 'hi' padding=false}} {{urlEncode 'a b&c'}}" },
  { title: 'eq on a request field (deviation)', template: "{{#if (eq request.query.k 'v')}}eq{{else}}ne{{/if}} {{#if (eq request.method 'GET')}}get{{else}}other{{/if}}", suffix: '?k=v',
    deviation: { why: "WireMock compares its query-value and method objects with the string and finds them unequal; Decoy compares what they print", wiremock: 'ne other', decoy: 'eq get' } },
  { title: 'conditionals', template: "{{#if (eq 'v' 'v')}}eq{{else}}ne{{/if}} {{#unless false}}u{{/unless}} {{#if (gt 3 2)}}gt{{/if}}{{#if (lt 3 2)}}lt{{/if}} {{#if (and true false)}}a{{else}}na{{/if}}{{#if (or true false)}}o{{/if}}{{#if (not false)}}n{{/if}} {{#eq 'a' 'a'}}same{{else}}diff{{/eq}} {{neq 1 2}} {{gte 2 2}}", suffix: '?k=v' },
  { title: 'loops and lists', template: '{{#each (array 1 2 3)}}{{@index}}:{{this}}{{#unless @last}},{{/unless}}{{/each}} {{#each (range 1 3)}}{{this}}{{/each}} {{arrayAdd (array 1 2) 3}} {{array 1 2}}' },
  { title: 'val, assign, lookup', template: "{{val request.query.zz default='d'}} {{#assign 'x'}}v{{/assign}}{{x}} {{lookup parameters 'greeting'}}" },
  { title: 'date, parseDate, truncateDate (fixed dates)', template: "{{date (parseDate '2024-01-15T10:00:00Z') offset='1 days'}} {{date (parseDate '2024-01-15T10:00:00Z') format='dd/MM/yyyy'}} {{date (parseDate '15/01/2024' format='dd/MM/yyyy') format='yyyy-MM-dd'}} {{truncateDate (parseDate '2024-01-15T10:20:00Z') 'first day of month'}}" },
  { title: 'now with a fixed format', template: "{{now format='yyyy-MM-dd'}}", loose: { shape: /^\d{4}-\d{2}-\d{2}$/, same: closeDates } },
  { title: 'now with an offset', template: "{{now offset='3 days' format='yyyy-MM-dd'}}", loose: { shape: /^\d{4}-\d{2}-\d{2}$/, same: closeDates } },
  { title: 'now, default format', template: '{{now}}', loose: { shape: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, same: closeDates } },
  { title: 'now in epoch milliseconds', template: "{{now format='epoch'}}", loose: { shape: /^\d{13}$/, same: (a, b) => Math.abs(Number(a) - Number(b)) < 60_000 } },
  // Review findings, each checked against WireMock 3.13.2.
  { title: 'eq: a number never equals a string; numbers by value; strings by text', template: "{{#if (eq 1 '1')}}T{{else}}F{{/if}}{{#if (eq 'a' 'a')}}T{{else}}F{{/if}}{{#if (eq 1 1)}}T{{else}}F{{/if}}{{#if (eq 1 1.0)}}T{{else}}F{{/if}}{{#if (neq 1 '1')}}T{{else}}F{{/if}}{{#if (eq '1.0' '1')}}T{{else}}F{{/if}}" },
  { title: 'gt, gte, lt: two strings compare as text, two numbers as numbers', template: "{{gt '10' '9'}}|{{gt 10 9}}|{{lt 'a' 'b'}}|{{gte '2' '10'}}|{{#if (gt (jsonPath request.body '$.qty') 2)}}big{{else}}small{{/if}}", init: doc },
  { title: 'gt on a query value (deviation)', template: "{{#if (gt request.query.n 5)}}big{{else}}small{{/if}}", suffix: '?n=7',
    deviation: { why: 'WireMock cannot compare its query-value object and fails the response; Decoy compares what it prints, as a number', wiremock: /Not a comparable: 7/, wiremockStatus: 500, decoy: 'big' } },
  { title: 'jsonRemove with indexes and bracket names, missing paths, bad JSON', template: "{{jsonRemove '{\"items\":[1,2,3],\"a\":{\"b\":1,\"c\":2}}' '$.items[0]'}}|{{jsonRemove '{\"a\":{\"b\":1,\"c\":2}}' '$.a.b'}}|{{jsonRemove '{\"a\":{\"b\":1}}' \"$['a']['b']\"}}|{{jsonRemove '[1,2,3]' '$[1]'}}|{{jsonRemove '{\"a\":1}' '$.zz'}}|{{jsonRemove '{\"a\":1}' '$.a.b'}}|{{jsonRemove 'nope' '$.a'}}" },
  { title: 'date with timezone on a parsed date (deviation)', template: "{{date (parseDate '2024-01-15T10:00:00Z') timezone='Europe/Paris' format='HH:mm'}}",
    deviation: { why: "WireMock ignores timezone= on a date it parsed (its documentation says it applies); Decoy applies it", wiremock: '10:00', decoy: '11:00' } },
  { title: 'abbreviate at the minimum width', template: "{{abbreviate 'abcdef' 4}}|{{abbreviate 'abc' 4}}" },
  { title: 'arrayJoin', template: "{{arrayJoin ',' (array 'a' 'b' 'c')}}|{{arrayJoin ' - ' 'x' 'y'}}|{{#arrayJoin ',' (array 1 2) prefix='[' suffix=']'}}<{{this}}>{{/arrayJoin}}|{{arrayJoin ', ' (array)}}|{{arrayJoin ','}}|{{arrayJoin}}|{{arrayJoin ',' (jsonPath request.body '$.tags')}}", init: doc },
  { title: 'jsonArrayAdd', template: "{{jsonArrayAdd '[1,2]' '3'}}|{{jsonArrayAdd '[{\"a\":1}]' '{\"a\":2}'}}|{{jsonArrayAdd '{\"x\":[1]}' '2' jsonPath='$.x'}}|{{jsonArrayAdd '[1,2]' '[3,4]' flatten=true}}|{{jsonArrayAdd '[1,2]' '[3,4]'}}|{{jsonArrayAdd '[1,2]' '3' maxItems=2}}|{{jsonArrayAdd '[1]' 'x'}}|{{jsonArrayAdd 'nope' '1'}}|{{jsonArrayAdd '{\"a\":1}' '1'}}|{{jsonArrayAdd '{\"a\":1}' '1' jsonPath='$.a'}}|{{#jsonArrayAdd '[1]'}}{\"b\":2}{{/jsonArrayAdd}}" },
  { title: 'urlEncode decoding malformed input (deviation)', template: "{{urlEncode request.query.v decode=true}}", suffix: '?v=%25E0%25A4%25A',
    deviation: { why: 'WireMock fails the response on client input it cannot decode; Decoy gives the input back', wiremock: /URLDecoder: Incomplete trailing escape/, wiremockStatus: 500, decoy: '%E0%A4%A' } },
  { title: 'log renders nothing', template: "a{{log 'hello'}}b" },
  { title: 'request.scheme and request.clientIp', template: '{{request.scheme}}|{{request.clientIp}}' },
  { title: 'request.clientIp is X-Forwarded-For as sent', template: '{{request.clientIp}}', init: { headers: { 'X-Forwarded-For': '10.0.0.1, 10.0.0.2' } } },
  { title: 'request.requestLine: method, scheme, host, port, path, url, baseUrl, pathSegments, query',
    template: '{{request.requestLine.method}}|{{request.requestLine.scheme}}|{{request.requestLine.host}}|{{request.requestLine.port}}|{{request.requestLine.path}}|{{request.requestLine.url}}|{{request.requestLine.baseUrl}}|{{request.requestLine.pathSegments}}|{{request.requestLine.pathSegments.[2]}}|{{#each request.requestLine.pathSegments}}<{{this}}>{{/each}}|{{request.requestLine.query}}|{{request.requestLine.query.a}}|{{request.requestLine.query.a.[1]}}|{{#each request.requestLine.query}}{{@key}}={{this}};{{/each}}|{{request.requestLine.query.none}}',
    suffix: '/x%20y?zeta=1&alpha=2&a=1&a=2&mid=3', host: 'api.example.com:8080' },
  { title: 'request.requestLine.port and baseUrl, Host without a port', template: '{{request.requestLine.port}}|{{request.requestLine.baseUrl}}|{{request.port}}|{{request.baseUrl}}|{{request.host}}', host: 'foo' },
  { title: 'request.host and port from the Host header', template: '{{request.host}}|{{request.port}}|{{request.baseUrl}}', host: 'shop.example:77' },
  { title: 'query parameters named toString, constructor and __proto__ are parameters like any other', template: '{{request.query}}|{{request.query.toString}}|{{request.query.constructor}}|{{request.query.__proto__}}|{{#each request.query}}{{@key}}={{this}};{{/each}}', suffix: '?toString=2&constructor=3&__proto__=4&a=1' },
  { title: 'without such parameters, request.query.toString prints the map and constructor nothing', template: '[{{request.query.toString}}|{{request.query.constructor}}|{{request.headers.constructor}}|{{request.cookies.constructor}}]', suffix: '?a=1' },
  { title: 'headers and cookies named toString and constructor', template: '{{request.headers.toString}}|{{request.headers.constructor}}|{{request.cookies.toString}}|{{request.cookies.constructor}}|{{request.cookies.__proto__}}|{{#each request.cookies}}{{@key}};{{/each}}', init: { headers: { toString: 'h1', constructor: 'h2', cookie: 'toString=c1; constructor=c2; __proto__=c3' } } },
  { title: 'request.query prints as a map in WireMock\'s order', template: '{{request.query}}|{{#each request.query}}{{@key}};{{/each}}', suffix: '?zeta=1&alpha=2&Beta=4&b=5&aa=6' },
  { title: 'request.path and request.pathSegments print the decoded path', template: '{{request.path}}|{{request.pathSegments}}|{{request.pathSegments.[2]}}|{{request.path.[2]}}', suffix: '/x%20y' },
  { title: 'request.requestLine printed whole', template: '{{request.requestLine}}', loose: { shape: /^com\.github\.tomakehurst\.wiremock\.extension\.responsetemplating\.RequestLine@[0-9a-f]+$/, same: () => true } },
];

/** Mappings beyond the helper rows: templated headers, JSON bodies, body files. */
const EXTRA_MAPPINGS = [
  { id: '00000000-0000-4000-8000-00000000e001', name: 'templated headers and jsonBody', request: { urlPathTemplate: '/users/{id}' },
    response: { status: 200, transformers: ['response-template'], headers: { 'X-User': 'user-{{request.path.id}}', 'X-Multi': ['a-{{request.method}}', 'b'] }, jsonBody: { id: '{{request.path.id}}', seg: '{{request.pathSegments.[1]}}', n: 5 } } },
  { id: '00000000-0000-4000-8000-00000000e002', name: 'templated bodyFileName', request: { urlPathPattern: '/files/.*' },
    response: { status: 200, transformers: ['response-template'], bodyFileName: 'item-{{request.pathSegments.[1]}}.json' } },
  { id: '00000000-0000-4000-8000-00000000e003', name: 'templated body file contents', request: { urlPath: '/greeting' },
    response: { status: 200, transformers: ['response-template'], bodyFileName: 'greeting.txt' } },
  { id: '00000000-0000-4000-8000-00000000e004', name: 'a template ending in }}}}', request: { urlPath: '/unparsable' },
    response: { status: 201, transformers: ['response-template'], body: "{\"age\": {{jsonPath request.body '$.age'}}}}" } },
];

interface Answer { status: number; body: string; headers: Headers }

async function ask(base: string, pathAndQuery: string, init?: RequestInit, host?: string): Promise<Answer> {
  if (host !== undefined) {
    const r = await request(`${base}${pathAndQuery}`, { method: 'GET', headers: { host }, headersTimeout: 10_000 });
    const headers = new Headers();
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    return { status: r.statusCode, body: await r.body.text(), headers };
  }
  const r = await fetch(`${base}${pathAndQuery}`, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: await r.text(), headers: r.headers };
}

describe('templating differential: the same templated mappings against WireMock and Decoy', function () {
  let root: string;
  let wiremock: WireMockProcess | undefined;
  let decoy: Decoy | undefined;

  before(async function () {
    this.timeout(90_000);
    root = mkdtempSync(path.join(tmpdir(), 'decoy-tpl-diff-'));
    mkdirSync(path.join(root, 'mappings'));
    mkdirSync(path.join(root, '__files'));
    ROWS.forEach((row, i) => {
      const mapping = {
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: row.title,
        request: { urlPathPattern: `/t/${i}(/.*)?` },
        response: { status: 200, body: row.template, transformers: ['response-template'], transformerParameters: { greeting: 'hi', n: 3 } },
      };
      writeFileSync(path.join(root, 'mappings', `row-${i}.json`), JSON.stringify(mapping, null, 2));
    });
    EXTRA_MAPPINGS.forEach((m, i) => writeFileSync(path.join(root, 'mappings', `extra-${i}.json`), JSON.stringify(m, null, 2)));
    writeFileSync(path.join(root, '__files', 'item-7.json'), '{"id":"{{request.pathSegments.[1]}}","method":"{{request.method}}"}');
    writeFileSync(path.join(root, '__files', 'greeting.txt'), 'Hello {{request.query.name}}!');
    const [w, d] = await Promise.allSettled([
      startWireMock(root),
      (async () => { const x = createDecoy({ stubsDir: root, port: 0, host: '127.0.0.1', watch: false }); await x.start(); return x; })(),
    ]);
    if (w.status === 'fulfilled') wiremock = w.value;
    if (d.status === 'fulfilled') decoy = d.value;
    if (w.status === 'rejected') throw w.reason;
    if (d.status === 'rejected') throw d.reason;
    assert.equal(decoy!.loadReport?.errors.length, 0, decoy!.loadReport?.errors.map((e) => e.format()).join('\n'));
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.allSettled([wiremock?.stop(), decoy?.stop()]);
    rmSync(root, { recursive: true, force: true });
  });

  ROWS.forEach((row, i) => {
    it(row.title, async () => {
      const target = `/t/${i}${row.suffix ?? ''}`;
      const [w, d] = await Promise.all([ask(wiremock!.url, target, row.init, row.host), ask(decoy!.url, target, row.init, row.host)]);
      assert.equal(w.status, row.deviation?.wiremockStatus ?? 200, `WireMock answered ${w.status}: ${w.body.slice(0, 300)}`);
      assert.equal(d.status, 200, `Decoy answered ${d.status}: ${d.body}`);
      if (row.deviation) {
        if (typeof row.deviation.wiremock === 'string') assert.equal(w.body, row.deviation.wiremock, 'WireMock');
        else assert.match(w.body, row.deviation.wiremock, 'WireMock');
        assert.equal(d.body, row.deviation.decoy, `Decoy (deviation: ${row.deviation.why})`);
      } else if (row.loose) {
        assert.match(w.body, row.loose.shape, 'WireMock');
        assert.match(d.body, row.loose.shape, 'Decoy');
        assert.ok(row.loose.same(w.body, d.body), `WireMock ${w.body} and Decoy ${d.body} are too far apart`);
      } else {
        assert.equal(d.body, w.body);
      }
    });
  });

  it('templated header values (each of a list) and a templated jsonBody', async () => {
    const [w, d] = await Promise.all([ask(wiremock!.url, '/users/42'), ask(decoy!.url, '/users/42')]);
    assert.equal(w.status, 200);
    assert.equal(d.status, w.status);
    assert.equal(d.body, w.body);
    for (const name of ['x-user', 'x-multi']) assert.equal(d.headers.get(name), w.headers.get(name), name);
  });

  it('a templated bodyFileName, and the file templated too', async () => {
    const [w, d] = await Promise.all([ask(wiremock!.url, '/files/7'), ask(decoy!.url, '/files/7')]);
    assert.equal(w.status, 200);
    assert.equal(d.status, 200);
    assert.equal(d.body, w.body);
    const [wg, dg] = await Promise.all([ask(wiremock!.url, '/greeting?name=Ann'), ask(decoy!.url, '/greeting?name=Ann')]);
    assert.equal(dg.body, wg.body);
  });

  it('a template that does not parse ({{...}}}}): both load the stub and answer 500 to its requests', async () => {
    const init: RequestInit = { method: 'POST', body: '{"age":3}' };
    const [w, d] = await Promise.all([ask(wiremock!.url, '/unparsable', init), ask(decoy!.url, '/unparsable', init)]);
    assert.equal(w.status, 500, w.body);
    assert.match(w.body, /found: &apos;}}}}&apos;, expected: &apos;}}&apos;/);
    assert.equal(d.status, 500, d.body);
  });

  it('a templated bodyFileName that names no file: both answer 500', async () => {
    const [w, d] = await Promise.all([ask(wiremock!.url, '/files/8'), ask(decoy!.url, '/files/8')]);
    assert.equal(w.status, 500);
    assert.equal(d.status, 500);
  });
});
