/**
 * Response templating: every helper, the request model, templated headers, status and body files,
 * global templating, seeded random values and faker, and templates that fail at load or at request.
 * Each case is a stub on a real Decoy, asked over HTTP.
 */
import assert from 'node:assert/strict';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

interface Case {
  title: string;
  template: string;
  url?: string;
  init?: RequestInit;
  expect: string | RegExp;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const xml = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/xml' }, body });
const order = json({ name: 'Ann', items: [1, 'two', { x: 3 }], obj: { k: 'v', n: 1.5 }, price: 10 });

const CASES: Case[] = [
  // The request model.
  { title: 'request.url, path, pathSegments', template: '{{request.url}}|{{request.path}}|{{request.pathSegments.[1]}}|{{request.path.[1]}}', url: '/t/0/seg?a=1', expect: '/t/0/seg?a=1|/t/0/seg|0|0' },
  { title: 'request.query (first value, index, each, size)', template: '{{request.query.a}}|{{request.query.a.[1]}}|{{#each request.query.a}}[{{this}}]{{/each}}|{{size request.query.a}}|{{request.query.a.first}}-{{request.query.a.last}}', url: '?a=1&a=2', expect: '1|2|[1][2]|2|1-2' },
  { title: 'request.headers, any case', template: '{{request.headers.X-Foo}}|{{request.headers.x-foo}}|{{request.headers.[X-FOO]}}', init: { headers: { 'X-Foo': 'bar' } }, expect: 'bar|bar|bar' },
  { title: 'request.cookies', template: '{{request.cookies.session}}', init: { headers: { cookie: 'session=abc; theme=dark' } }, expect: 'abc' },
  { title: 'request.method and body', template: '{{request.method}} {{request.body}}', init: { method: 'PUT', body: 'hello' }, expect: 'PUT hello' },
  { title: 'request.baseUrl', template: '{{request.baseUrl}}', expect: /^http:\/\/127\.0\.0\.1:\d+$/ },
  { title: 'no HTML escaping, as WireMock', template: '{{request.query.x}}', url: '?x=%3Cb%3E%26', expect: '<b>&' },
  { title: 'parameters from transformerParameters', template: '{{parameters.greeting}}', expect: 'hi' },
  // Request bodies.
  { title: 'jsonPath scalar, array, object, missing with default', template: "{{jsonPath request.body '$.name'}}|{{jsonPath request.body '$.items'}}|{{jsonPath request.body '$.missing' default='d'}}", init: order, expect: 'Ann|[1,"two",{"x":3}]|d' },
  { title: 'jsonPath object prints as pretty JSON', template: "{{jsonPath request.body '$.obj'}}", init: order, expect: '{\n  "k" : "v",\n  "n" : 1.5\n}' },
  { title: 'jsonPath in each', template: "{{#each (jsonPath request.body '$.obj')}}{{@key}}={{this}};{{/each}}", init: order, expect: 'k=v;n=1.5;' },
  { title: 'xPath text, attribute, count, each', template: "{{xPath request.body '/order/id/text()'}}|{{xPath request.body '/order/@type'}}|{{xPath request.body 'count(//item)'}}|{{#each (xPath request.body '//item')}}<{{this.text}}>{{/each}}", init: xml('<order type="web"><id>42</id><item>a</item><item>b</item></order>'), expect: '42|web|2|<a><b>' },
  { title: 'regexExtract, groups into a variable, default, no match', template: "{{regexExtract request.body '[0-9]+'}}|{{regexExtract request.body '([a-z]+)-([0-9]+)' 'parts'}}{{parts.0}}/{{parts.1}}|{{regexExtract request.body 'zz' default='none'}}|{{regexExtract request.body 'zz'}}", init: { method: 'POST', body: 'id abc-42' }, expect: '42|abc/42|none|[ERROR: Nothing matched zz]' },
  { title: 'parseJson into a variable, with, toJson', template: "{{parseJson request.body 'o'}}{{o.name}}|{{#with (parseJson request.body)}}{{items.1}}{{/with}}|{{toJson (parseJson '{\"a\":[1,2],\"b\":{}}')}}", init: order, expect: 'Ann|two|{\n  "a" : [ 1, 2 ],\n  "b" : { }\n}' },
  { title: 'formatJson, jsonMerge, jsonRemove', template: "{{formatJson '{\"a\":1}'}}|{{jsonMerge '{\"a\":1}' '{\"b\":2}'}}|{{jsonRemove '{\"a\":1,\"b\":2}' '$.a'}}", expect: '{\n  "a" : 1\n}|{"a":1,"b":2}|{"b":2}' },
  // Numbers.
  { title: 'math with WireMock\'s decimal scale', template: "{{math 1 '+' 2}} {{math 10 '/' 4}} {{math 10 '-' 2.5}} {{math 3 '*' 4}} {{math '2.5' '*' 2}} {{math 7 '%' 3}} {{math 1 '^' 2}}", expect: '3 3 7.5 12 5.0 1 [ERROR: ^ is not a valid mathematical operator]' },
  { title: 'isOdd, isEven', template: '{{isOdd 3}}|{{isEven 4}}|{{#isOdd 2}}odd{{else}}even{{/isOdd}}', expect: 'odd|even|even' },
  // Strings.
  { title: 'upper, lower, capitalize, capitalizeFirst, trim', template: "{{upper 'abc'}} {{lower 'ABC'}} {{capitalize 'hello world'}} {{capitalizeFirst 'hello world'}} [{{trim '  x  '}}]", expect: 'ABC abc Hello World Hello world [x]' },
  { title: 'abbreviate, replace, substring, cut, slugify, stripTags', template: "{{abbreviate 'hello world' 8}} {{replace 'a-b-c' '-' '+'}} {{substring 'abcdef' 2}} {{substring 'abcdef' 1 3}} {{cut 'a b c' ' '}} {{slugify 'Hello World X'}} {{stripTags '<b>x</b>'}}", expect: 'hello... a+b+c cdef bc abc hello-world-x x' },
  { title: 'ljust, rjust, center, defaultIfEmpty, yesno', template: "{{ljust 'ab' size=5 pad='*'}} {{rjust 'ab' size=5 pad='*'}} {{center 'ab' size=6 pad='*'}} {{defaultIfEmpty '' 'none'}} {{yesno true}}", expect: 'ab*** ***ab **ab** none yes' },
  { title: 'join, contains, matches, size, wordWrap, stringFormat', template: "{{join 'a' 'b' 'c' '/'}} {{join (array 'a' 'b') ','}} {{contains 'abc' 'b'}} {{matches 'abc' '[a-c]+'}} {{size 'abc'}} {{stringFormat '%s-%03d' 'x' 7}}|{{wordWrap 'aaa bbb ccc' 4}}", expect: 'a/b/c a,b true true 3 x-007|aaa\nbbb\nccc' },
  { title: 'base64 and urlEncode, both ways', template: "{{base64 'hello'}} {{base64 'aGVsbG8=' decode=true}} {{base64 'hi' padding=false}} {{urlEncode 'a b&c'}} {{urlEncode 'a+b%26' decode=true}}", expect: 'aGVsbG8= hello aGk a+b%26c a b&' },
  // Conditionals, loops and variables.
  { title: 'if/else with eq, unless, gt/lt, and/or/not, block eq', template: "{{#if (eq request.query.k 'v')}}eq{{else}}ne{{/if}} {{#unless false}}u{{/unless}} {{#if (gt 3 2)}}gt{{/if}}{{#if (lt 3 2)}}lt{{/if}} {{#if (and true false)}}a{{else}}na{{/if}}{{#if (or true false)}}o{{/if}}{{#if (not false)}}n{{/if}} {{#eq 'a' 'a'}}same{{else}}diff{{/eq}} {{neq 1 2}} {{gte 2 2}} {{lte 3 2}}", url: '?k=v', expect: 'eq u gt naon same true true false' },
  { title: 'each with @index and @last, range, array helpers', template: '{{#each (array 1 2 3)}}{{@index}}:{{this}}{{#unless @last}},{{/unless}}{{/each}} {{#each (range 1 3)}}{{this}}{{/each}} {{arrayAdd (array 1 2) 3}} {{arrayRemove (array 1 2 3) position=0}}', expect: '0:1,1:2,2:3 123 [1, 2, 3] [2, 3]' },
  { title: 'val, assign, lookup', template: "{{val request.query.zz default='d'}} {{#assign 'x'}}v{{/assign}}{{x}} {{lookup parameters 'greeting'}} {{val 'z' assign='y'}}{{y}}", expect: 'd v hi z' },
  // Dates (the clock is real: compared by shape and against the same clock).
  { title: 'now with format, offset, epoch, unix, timezone', template: "{{now format='yyyy'}}|{{now offset='1 years' format='yyyy'}}|{{now format='epoch'}}|{{now format='unix'}}|{{now timezone='Australia/Sydney' format='Z'}}", expect: /^(\d{4})\|(\d{4})\|\d{13}\|\d{10}\|\+1[01]00$/ },
  { title: 'now default is ISO in UTC', template: '{{now}}', expect: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/ },
  { title: 'date, parseDate, truncateDate', template: "{{date (parseDate '2024-01-15T10:00:00Z') offset='1 days'}} {{date (parseDate '2024-01-15T10:00:00Z') format='dd/MM/yyyy'}} {{date (parseDate '15/01/2024' format='dd/MM/yyyy') format='yyyy-MM-dd'}} {{truncateDate (parseDate '2024-01-15T10:20:00Z') 'first day of month'}} {{date (parseDate '2024-03-10T12:00:00Z') format=\"EEE, d MMM yyyy HH:mm:ss 'GMT'\"}}", expect: '2024-01-16T10:00:00Z 15/01/2024 2024-01-15 2024-01-01T00:00:00Z Sun, 10 Mar 2024 12:00:00 GMT' },
  // Random values: checked for shape (seeded reproducibility is tested below).
  { title: 'randomValue types', template: "{{randomValue length=8 type='ALPHANUMERIC'}}|{{randomValue type='UUID'}}|{{randomValue length=6 type='NUMERIC'}}|{{randomValue length=6 type='HEXADECIMAL' uppercase=true}}|{{randomValue length=5 type='ALPHABETIC'}}", expect: /^[a-z0-9]{8}\|[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\|\d{6}\|[0-9A-F]{6}\|[a-z]{5}$/ },
  { title: 'randomInt, randomDecimal, pickRandom', template: "{{randomInt lower=5 upper=9}}|{{randomDecimal lower=1 upper=2}}|{{pickRandom 'a' 'b' 'c'}}|{{pickRandom (array 1 2 3 4) count=2}}", expect: /^[5-8]\|1\.\d+\|[abc]\|\[[1-4], [1-4]\]$/ },
  { title: 'faker', template: "{{faker 'person.firstName'}}|{{faker 'string.uuid'}}|{{faker 'number.int' min=1 max=3}}", expect: /^[A-Z][a-zA-Z' -]+\|[0-9a-f-]{36}\|[1-3]$/ },
];

function stubsYaml(cases: Case[]): string {
  return cases.map((c, i) => [
    `- request: { urlPath: /t/${i}${c.url?.startsWith('/') ? '/seg' : ''} }`,
    '  response:',
    '    transformers: [response-template]',
    '    transformerParameters: { greeting: hi }',
    `    body: ${JSON.stringify(c.template)}`,
  ].join('\n')).join('\n');
}

describe('response templating', () => {
  describe('helpers and the request model', () => {
    let decoy: Decoy;
    const stubs = tempStubs({ 'helpers.yaml': stubsYaml(CASES) });
    before(async () => {
      const started = await startDecoy({ stubsDir: stubs.dir, seed: 42 });
      decoy = started.decoy;
      assert.equal(decoy.loadReport?.errors.length, 0, started.log.text());
    });
    after(async () => { await decoy.stop(); stubs.cleanup(); });

    CASES.forEach((c, i) => {
      it(c.title, async () => {
        const url = c.url?.startsWith('/') ? `/t/${i}/seg${c.url.slice(`/t/0/seg`.length)}` : `/t/${i}${c.url ?? ''}`;
        const r = await get(`${decoy.url}${url}`, c.init);
        assert.equal(r.status, 200, r.text);
        const expected = typeof c.expect === 'string' ? c.expect.replace('/t/0/seg', `/t/${i}/seg`).replace('|0|0', `|${i}|${i}`) : c.expect;
        if (typeof expected === 'string') assert.equal(r.text, expected);
        else assert.match(r.text, expected);
        if (c.title.startsWith('now with')) {
          const [year, next] = r.text.split('|');
          assert.equal(Number(next), Number(year) + 1);
        }
      });
    });
  });

  describe('templated headers, status and body files', () => {
    let decoy: Decoy;
    const stubs = tempStubs({
      'templated.yaml': `
- request: { method: GET, path: /users/:id }
  response:
    transformers: [response-template]
    status: "{{#if request.query.code}}{{request.query.code}}{{else}}200{{/if}}"
    headers:
      X-User: "user-{{request.path.id}}"
      X-Multi: ["a-{{request.method}}", "b"]
      Content-Type: application/json
    jsonBody: { id: "{{request.path.id}}", static: 1 }
- request: { method: GET, urlPathPattern: "/files/.*" }
  response:
    transformers: [response-template]
    bodyFileName: "item-{{request.pathSegments.[1]}}.json"
- request: { method: GET, urlPath: /fixed-file }
  response:
    transformers: [response-template]
    bodyFileName: greeting.txt
- request: { method: GET, urlPath: /bad-status }
  response:
    transformers: [response-template]
    status: "{{request.query.code}}"
- request: { method: GET, urlPath: /plain }
  response:
    body: "{{not templated}}"
`,
      '__files/item-7.json': '{"id":"{{request.pathSegments.[1]}}"}',
      '__files/greeting.txt': 'Hello {{request.query.name}}',
      'raw.yaml': '- request: { urlPath: /raw-file }\n  response: { transformers: [response-template], transformerParameters: { disableBodyFileTemplating: true }, bodyFileName: greeting.txt }\n',
    });
    before(async () => {
      const started = await startDecoy({ stubsDir: stubs.dir });
      decoy = started.decoy;
      assert.equal(decoy.loadReport?.errors.length, 0, started.log.text());
    });
    after(async () => { await decoy.stop(); stubs.cleanup(); });

    it('renders header values (each of a list), the status, and a JSON body', async () => {
      const r = await get(`${decoy.url}/users/42?code=201`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('x-user'), 'user-42');
      assert.equal(r.headers.get('x-multi'), 'a-GET, b');
      assert.equal(r.text, '{"id":"42","static":1}');
      assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(r.text)));
      assert.equal((await get(`${decoy.url}/users/7`)).status, 200);
    });

    it('reads a templated bodyFileName per request and templates the file', async () => {
      const r = await get(`${decoy.url}/files/7`);
      assert.equal(r.status, 200);
      assert.equal(r.text, '{"id":"7"}');
      assert.equal((await get(`${decoy.url}/fixed-file?name=Ann`)).text, 'Hello Ann');
      // WireMock's switch to serve a body file as written.
      assert.equal((await get(`${decoy.url}/raw-file?name=Ann`)).text, 'Hello {{request.query.name}}');
    });

    it('answers 500 naming the file when a templated bodyFileName names no file (as WireMock does)', async () => {
      const r = await get(`${decoy.url}/files/8`);
      assert.equal(r.status, 500);
      assert.match(r.text, /^DECOY_ERR_TEMPLATE_RENDER .*body file "item-8\.json" not found/);
    });

    it('keeps a templated bodyFileName inside the files folder', async () => {
      const r = await get(`${decoy.url}/files/..%2F..%2F..%2F..%2Fetc%2Fpasswd`);
      assert.equal(r.status, 500);
      assert.match(r.text, /DECOY_ERR_BODY_FILE_ESCAPE|must not contain \. or \.\. segments/);
      assert.doesNotMatch(r.text, /root:/);
    });

    it('answers 500 when a templated status is not a status code', async () => {
      const r = await get(`${decoy.url}/bad-status?code=abc`);
      assert.equal(r.status, 500);
      assert.match(r.text, /response\.status rendered as "abc", not a status code/);
    });

    it('leaves responses without the transformer alone', async () => {
      assert.equal((await get(`${decoy.url}/plain`)).text, '{{not templated}}');
    });
  });

  describe('global templating', () => {
    it('templates every response with --global-templating, and none without', async () => {
      const stubs = tempStubs({ 's.yaml': '- request: { urlPath: /g }\n  response: { body: "{{request.query.x}}" }\n' });
      const on = await startDecoy({ stubsDir: stubs.dir, globalTemplating: true });
      const off = await startDecoy({ stubsDir: stubs.dir });
      try {
        assert.equal((await get(`${on.decoy.url}/g?x=1`)).text, '1');
        assert.equal((await get(`${off.decoy.url}/g?x=1`)).text, '{{request.query.x}}');
        // Stubs created over the admin API are templated too.
        const created = await fetch(`${on.decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify({ request: { urlPath: '/api' }, response: { body: '{{request.method}}' } }) });
        assert.equal(created.status, 201);
        assert.equal((await get(`${on.decoy.url}/api`)).text, 'GET');
      } finally {
        await on.decoy.stop();
        await off.decoy.stop();
        stubs.cleanup();
      }
    });
  });

  describe('seeded random values', () => {
    const template = "{{randomValue length=12}} {{randomInt}} {{pickRandom 'a' 'b' 'c' 'd'}} {{faker 'person.fullName'}} {{faker 'internet.email'}}";
    const run = async (seed: number): Promise<string[]> => {
      const stubs = tempStubs({ 's.yaml': `- request: { urlPath: /r }\n  response: { transformers: [response-template], body: ${JSON.stringify(template)} }\n` });
      const { decoy } = await startDecoy({ stubsDir: stubs.dir, seed });
      try {
        const out: string[] = [];
        for (let i = 0; i < 3; i++) out.push((await get(`${decoy.url}/r`)).text);
        return out;
      } finally {
        await decoy.stop();
        stubs.cleanup();
      }
    };

    it('gives the same values for the same --seed, and others for another', async () => {
      const a = await run(7);
      const b = await run(7);
      const c = await run(8);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
      assert.equal(new Set(a).size, 3, 'each request draws new values');
    });
  });

  describe('templates that cannot work are load errors', () => {
    const load = async (yaml: string) => {
      const stubs = tempStubs({ 'bad.yaml': yaml });
      const { decoy, log } = await startDecoy({ stubsDir: stubs.dir });
      await decoy.stop();
      stubs.cleanup();
      return { errors: decoy.loadReport!.errors.map((e) => e.format().replace(/^.*bad\.yaml/, 'bad.yaml')), log: log.text() };
    };

    it('names an unknown helper with the file and line, and lists the known ones', async () => {
      const { errors } = await load('- request: { urlPath: /a }\n  response:\n    transformers: [response-template]\n    body: "{{foo request.url}}"\n');
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, /^bad\.yaml:4:11 DECOY_ERR_TEMPLATE_INVALID unknown template helper 'foo' in response\.body \(template line 1, column 1\); known: .*jsonPath.*/);
    });

    it('reports an unknown faker function and an unknown helper in a header', async () => {
      const { errors } = await load([
        '- request: { urlPath: /b }\n  response: { transformers: [response-template], body: "{{faker \'person.nope\'}}" }',
        '- request: { urlPath: /c }\n  response:\n    transformers: [response-template]\n    headers: { X-A: "{{bar 1}}" }',
      ].join('\n') + '\n');
      assert.equal(errors.length, 2, errors.join('\n'));
      assert.match(errors[0]!, /^bad\.yaml:2:\d+ DECOY_ERR_TEMPLATE_INVALID faker has no function 'person\.nope' in response\.body/);
      assert.match(errors[1]!, /^bad\.yaml:6:\d+ DECOY_ERR_TEMPLATE_INVALID unknown template helper 'bar' in response\.headers\.X-A/);
    });

    it('a template that does not parse (a trailing }}}}) loads with a warning and answers 500 to each request, as WireMock does', async () => {
      const stubs = tempStubs({ 'bad.yaml': '- request: { urlPath: /a }\n  response: { status: 201, transformers: [response-template], body: "{\\"age\\": {{jsonPath request.body \'$.age\'}}}}" }\n- request: { urlPath: /b }\n  response: { body: fine }\n' });
      const { decoy, log } = await startDecoy({ stubsDir: stubs.dir });
      try {
        assert.deepEqual(decoy.loadReport!.errors, []);
        assert.match(log.text(), /bad\.yaml:1 stub .*: template syntax error in response\.body: .*Expecting 'CLOSE'.*; WireMock loads this stub and answers 500 to each request it matches, and so does Decoy/);
        const r = await fetch(`${decoy.url}/a`, { method: 'POST', body: '{"age":3}' });
        assert.equal(r.status, 500);
        assert.match(await r.text(), /template syntax error in response\.body/);
        assert.equal((await fetch(`${decoy.url}/b`)).status, 200);
      } finally {
        await decoy.stop();
        stubs.cleanup();
      }
    });

    it('warns about transformers Decoy cannot run (WireMock Java extensions), and still serves the stub', async () => {
      const { errors, log } = await load('- request: { urlPath: /a }\n  response: { transformers: [response-template, my-java-transformer], body: "{{request.method}}" }\n');
      assert.deepEqual(errors, []);
      assert.match(log, /uses response\.transformers "my-java-transformer", which this version of Decoy does not support yet; ignored/);
    });

    it('rejects a templated status on a response that is not templated', async () => {
      const { errors } = await load('- request: { urlPath: /a }\n  response: { status: "{{request.query.code}}" }\n');
      assert.match(errors[0]!, /DECOY_ERR_TEMPLATE_INVALID response\.status "\{\{request\.query\.code\}\}" is a template, but the response is not templated/);
    });

    it('answers 500 with the reason when a helper fails at request time', async () => {
      const stubs = tempStubs({ 's.yaml': "- request: { urlPath: /x }\n  response: { transformers: [response-template], body: \"{{math 1 '/' 0}}\" }\n" });
      const { decoy } = await startDecoy({ stubsDir: stubs.dir });
      try {
        const r = await get(`${decoy.url}/x`);
        assert.equal(r.status, 500);
        assert.match(r.text, /DECOY_ERR_TEMPLATE_RENDER the response template of stub .* failed: math: division by zero/);
      } finally {
        await decoy.stop();
        stubs.cleanup();
      }
    });
  });
});
