import assert from 'node:assert/strict';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { DecoyError } from '../../../../src/core/errors.js';
import { parseRedaction, Redactor, summarize, type ExchangeContents, type RedactionSettings } from '../../../../src/core/recording/redaction.js';

const base: ExchangeContents = { method: 'GET', url: '/', requestHeaders: [], requestBody: Buffer.alloc(0), status: 200, responseHeaders: [], responseBody: Buffer.alloc(0) };

/** Learns over every exchange, then redacts each: as a recording does. */
function run(exchanges: Array<Partial<ExchangeContents>>, settings: Partial<RedactionSettings> = {}) {
  const redactor = new Redactor(settings);
  const all = exchanges.map((e) => ({ ...base, ...e }));
  for (const e of all) redactor.learn(e);
  const out = all.map((e) => {
    const r = redactor.redact(e);
    redactor.count(r.counts);
    return r.exchange;
  });
  return { out, report: redactor.report(), text: out.map((e) => [e.url, ...e.requestHeaders, e.requestBody.toString('latin1'), ...e.responseHeaders, e.responseBody.toString('latin1')].join('\n')).join('\n') };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('recording redaction', () => {
  describe('names that say a value is a secret', () => {
    const cases: Array<[string, boolean]> = [
      ['password', true], ['Passwd', true], ['new_password', true], ['client_secret', true], ['access_token', true], ['refresh_token', true],
      ['id_token', true], ['apiKey', true], ['X-API-Key', true], ['private_key', true], ['sessionId', true], ['X-Amz-Signature', true], ['pin', true],
      ['Proxy-Authorization', true], ['token_type', false], ['token_endpoint', false], ['session_timeout', false], ['expires_in', false],
      ['username', false], ['Content-Type', false], ['Access-Control-Allow-Credentials', false], ['keyboard', false],
    ];
    const r = new Redactor();
    for (const [name, secret] of cases) it(`${name}: ${secret ? 'secret' : 'not secret'}`, () => assert.equal(r.isSecretName(name), secret));
    it('the user\'s names, with * wildcards; none of the defaults with defaults off', () => {
      const custom = new Redactor({ names: ['tenant-pin', 'x-internal-*'], defaults: false });
      assert.equal(custom.isSecretName('tenantPin'), true);
      assert.equal(custom.isSecretName('X-Internal-Route'), true);
      assert.equal(custom.isSecretName('password'), false);
    });
  });

  describe('values that look like credentials, whatever their name', () => {
    const values: Array<[string, string]> = [
      ['JWT', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
      ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
      ['GitHub token', `ghp_${'a1B2c3D4e5'.repeat(4)}`],
      ['GitHub fine-grained token', `github_pat_11ABCDEFG0${'x'.repeat(40)}`],
      ['Slack token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
      ['Stripe key', `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`],
      ['Google API key', `AIza${'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'}`],
      ['PEM private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----'],
    ];
    for (const [label, value] of values) {
      it(`${label} in a text field of a JSON body`, () => {
        const { text } = run([{ responseHeaders: ['Content-Type', 'application/json'], responseBody: json({ note: `see ${value} here`, n: 1 }) }]);
        assert.ok(!text.includes(value), text);
        assert.ok(text.includes('see <redacted> here'), text);
      });
    }
    it('the credential of a Bearer or Basic value, keeping the scheme', () => {
      const { out } = run([{ requestHeaders: ['X-Forwarded-Auth', 'Bearer abcdef0123456789'], responseBody: Buffer.from('Basic dXNlcjpzM2NyZXQtcGFzcw==') }]);
      assert.deepEqual(out[0]!.requestHeaders, ['X-Forwarded-Auth', 'Bearer <redacted>']);
      assert.equal(out[0]!.responseBody.toString(), 'Basic <redacted>');
    });
    it('the password of a URL', () => {
      const { text } = run([{ responseBody: Buffer.from('db: postgres://app:pg-Secret-99@db.internal:5432/app') }]);
      assert.ok(!text.includes('pg-Secret-99'), text);
    });
    it('the user\'s patterns; none of the built-in ones with defaults off', () => {
      const { text } = run([{ responseBody: Buffer.from('ref ACME-1234-5678 and AKIAIOSFODNN7EXAMPLE') }], { patterns: ['ACME-\\d{4}-\\d{4}'], defaults: false });
      assert.ok(!text.includes('ACME-1234-5678'), text);
      assert.ok(text.includes('AKIAIOSFODNN7EXAMPLE'), text);
    });
  });

  describe('every other occurrence of a known secret', () => {
    it('in earlier and later exchanges, in URL paths, URL-encoded, JSON-escaped, base64 and inside a Basic credential', () => {
      const token = 'tok+en/With=Specials-8812';
      const password = 'correct horse "battery"';
      const { text, report } = run([
        { method: 'GET', url: `/files/${encodeURIComponent(token)}`, requestHeaders: ['Authorization', `Basic ${Buffer.from(`ada:${password}`).toString('base64')}`] },
        { method: 'POST', url: '/login', requestHeaders: ['Content-Type', 'application/json'], requestBody: json({ user: 'ada', password }), responseHeaders: ['Content-Type', 'application/json'], responseBody: json({ access_token: token }) },
        { method: 'GET', url: `/search?q=${encodeURIComponent(token)}`, responseBody: Buffer.from(`echo ${Buffer.from(token).toString('base64')} and ${JSON.stringify({ x: `said ${password}` })}`) },
      ]);
      for (const s of [token, encodeURIComponent(token), password, JSON.stringify(password).slice(1, -1), Buffer.from(token).toString('base64'), Buffer.from(`ada:${password}`).toString('base64')]) {
        assert.ok(!text.includes(s), `${s} in:\n${text}`);
      }
      assert.ok((report.counts['repeated occurrence'] ?? 0) >= 3, report.summary);
    });
  });

  describe('what is hunted everywhere once known', () => {
    it('a short word or number is masked where it was found, not swept from other texts', () => {
      const { out } = run([
        { responseHeaders: ['Set-Cookie', 'session=deleted; Max-Age=0'], responseBody: Buffer.from('{"status":"deleted","pin":"482913"}') },
        { responseBody: Buffer.from('order 482913 was deleted') },
      ]);
      assert.deepEqual(out[0]!.responseHeaders, ['Set-Cookie', 'session=<redacted>; Max-Age=0']);
      assert.equal(out[0]!.responseBody.toString(), '{"status":"deleted","pin":"<redacted>"}');
      assert.equal(out[1]!.responseBody.toString(), 'order 482913 was deleted');
    });
  });

  describe('secrets inside other values', () => {
    it('a secret-named parameter of a URL inside a header or a JSON member, and an OAuth implicit-flow fragment', () => {
      const { out, text } = run([{
        responseHeaders: ['Location', 'https://app.test/cb#access_token=frag-Token-5150&state=xyz', 'Link', '<https://api.test/items?page=2&api_key=link-Key-7788>; rel="next"'],
        responseBody: json({ next: 'https://api.test/items?page=3&session_id=url-Session-9911' }),
      }]);
      for (const s of ['frag-Token-5150', 'link-Key-7788', 'url-Session-9911']) assert.ok(!text.includes(s), `${s} in:\n${text}`);
      assert.equal(out[0]!.responseHeaders[1], 'https://app.test/cb#access_token=<redacted>&state=xyz');
      assert.match(out[0]!.responseHeaders[3]!, /page=2&api_key=<redacted>>; rel="next"/);
    });
    it('members of JSON held in a JSON string', () => {
      const { out } = run([{ responseHeaders: ['Content-Type', 'application/json'], responseBody: json({ payload: JSON.stringify({ user: 'ada', password: 'inner-Pass-2024' }) }) }]);
      assert.deepEqual(JSON.parse(JSON.parse(out[0]!.responseBody.toString()).payload), { user: 'ada', password: '<redacted>' });
    });
    it('a CDATA section inside an XML element named as a secret', () => {
      const { out } = run([{ responseHeaders: ['Content-Type', 'text/xml'], responseBody: Buffer.from('<r><ApiKey><![CDATA[cdata-Key-6060]]></ApiKey><Note><![CDATA[hello]]></Note></r>') }]);
      assert.equal(out[0]!.responseBody.toString(), '<r><ApiKey><![CDATA[<redacted>]]></ApiKey><Note><![CDATA[hello]]></Note></r>');
    });
  });

  describe('cookies', () => {
    it('keeps cookie names and Set-Cookie attributes, masks every value', () => {
      const { out } = run([{ requestHeaders: ['Cookie', 'theme=darkmode; sid=abc123456789'], responseHeaders: ['Set-Cookie', 'sid=abc123456789; Path=/; HttpOnly'] }]);
      assert.deepEqual(out[0]!.requestHeaders, ['Cookie', 'theme=<redacted>; sid=<redacted>']);
      assert.deepEqual(out[0]!.responseHeaders, ['Set-Cookie', 'sid=<redacted>; Path=/; HttpOnly']);
    });
  });

  describe('bodies', () => {
    it('inspects gzip and br bodies decoded; a changed one is kept decoded without Content-Encoding', () => {
      for (const [coding, compress] of [['gzip', gzipSync], ['br', brotliCompressSync]] as const) {
        const { out } = run([{ responseHeaders: ['Content-Type', 'application/json', 'Content-Encoding', coding], responseBody: compress(json({ refresh_token: 'r-123456789' })) }]);
        assert.equal(out[0]!.responseBody.toString(), '{"refresh_token":"<redacted>"}');
        assert.deepEqual(out[0]!.responseHeaders, ['Content-Type', 'application/json']);
      }
    });
    it('leaves out a body whose Content-Encoding cannot be decoded, and says so', () => {
      const { out, report } = run([{ responseHeaders: ['Content-Encoding', 'gzip'], responseBody: Buffer.from('not gzip at all, AKIAIOSFODNN7EXAMPLE') }]);
      assert.equal(out[0]!.responseBody.length, 0);
      assert.equal(report.counts['uninspectable body'], 1);
    });
    it('form fields, multipart fields, XML elements and attributes named as secrets', () => {
      const multipart = '--XyZ\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\ncs-0987654321\r\n--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--XyZ--\r\n';
      const { out, report } = run([
        { requestHeaders: ['Content-Type', 'application/x-www-form-urlencoded'], requestBody: Buffer.from('grant_type=password&username=ada&password=pa55-w0rd-xyz') },
        { requestHeaders: ['Content-Type', 'multipart/form-data; boundary=XyZ'], requestBody: Buffer.from(multipart) },
        { responseHeaders: ['Content-Type', 'application/xml'], responseBody: Buffer.from('<auth><user>ada</user><ns:Password>xml-pass-123</ns:Password><key value="plain" apiKey="xml-attr-key-1"/></auth>') },
      ]);
      assert.equal(out[0]!.requestBody.toString(), 'grant_type=password&username=ada&password=%3Credacted%3E');
      assert.ok(out[1]!.requestBody.toString().includes('name="client_secret"\r\n\r\n<redacted>\r\n'), out[1]!.requestBody.toString());
      assert.ok(out[1]!.requestBody.toString().includes('hello'));
      assert.equal(out[2]!.responseBody.toString(), '<auth><user>ada</user><ns:Password>&lt;redacted&gt;</ns:Password><key value="plain" apiKey="&lt;redacted&gt;"/></auth>');
      assert.deepEqual(report.counts, { 'form field': 1, 'multipart field': 1, 'XML element': 1, 'XML attribute': 1 });
    });
    it('JSON members at any depth, in arrays, and whole objects under a secret name', () => {
      const { out } = run([{ responseHeaders: ['Content-Type', 'application/json'], responseBody: json({ a: [{ b: { apiKey: 'k-1234567890' } }], credentials: { user: 'ada', pin: 1234 }, token_type: 'Bearer' }) }]);
      assert.deepEqual(JSON.parse(out[0]!.responseBody.toString()), { a: [{ b: { apiKey: '<redacted>' } }], credentials: { user: '<redacted>', pin: '<redacted>' }, token_type: 'Bearer' });
    });
  });

  describe('personal data (maskPii)', () => {
    const pii = { email: 'ada.lovelace@example.org', phone: '+44 20 7946 0958', card: '4111 1111 1111 1111', iban: 'DE89 3704 0044 0532 0130 00', ssn: '123-45-6789' };
    it('replaces e-mails, phones, Luhn-valid cards, valid IBANs and SSNs with same-shape fakes, the same fake each time', () => {
      const body = `${pii.email}, ${pii.phone}, ${pii.card}, ${pii.iban}, ${pii.ssn}`;
      const { out, report } = run([{ responseBody: Buffer.from(body) }, { url: `/users/${encodeURIComponent(pii.email)}`, responseBody: Buffer.from(pii.email) }], { maskPii: true });
      const first = out[0]!.responseBody.toString();
      for (const v of Object.values(pii)) assert.ok(!first.includes(v), `${v} in ${first}`);
      const [email, , card] = first.split(", ");
      const [card1, card2, card3, card4] = card!.split(" ");
      assert.match(email!, /^[^@\s]+@example\.com$/);
      assert.equal(out[1]!.responseBody.toString(), email, 'the same real value gets the same fake');
      assert.equal(out[1]!.url, `/users/${encodeURIComponent(email!)}`);
      const cardDigits = [card1, card2, card3, card4].join('');
      assert.match(cardDigits, /^4\d{15}$/);
      const luhn = (d: string) => [...d].reverse().reduce((s, c, i) => s + (i % 2 ? (Number(c) * 2 > 9 ? Number(c) * 2 - 9 : Number(c) * 2) : Number(c)), 0) % 10 === 0;
      assert.ok(luhn(cardDigits), `the fake card ${cardDigits} passes the Luhn check`);
      assert.match(first, /\bDE\d{2} \d{4} \d{4} \d{4} \d{4} \d{2}\b/);
      assert.match(first, /\b9\d{2}-\d{2}-\d{4}\b/);
      assert.ok((report.counts['e-mail address'] ?? 0) >= 2 && report.counts['card number'] === 1 && report.counts.IBAN === 1, report.summary);
    });
    it('leaves numbers that fail the Luhn or IBAN checksum alone', () => {
      const { out } = run([{ responseBody: Buffer.from('order 4111 1111 1111 1112 and DE00 3704 0044 0532 0130 00') }], { maskPii: true });
      assert.equal(out[0]!.responseBody.toString(), 'order 4111 1111 1111 1112 and DE00 3704 0044 0532 0130 00');
    });
    it('is off by default', () => {
      const { text } = run([{ responseBody: Buffer.from(pii.email) }]);
      assert.ok(text.includes(pii.email));
    });
  });


  describe('time linear in the text (hostile bodies)', () => {
    // Each input is ~100 KB built to make a loose pattern rescan the rest of the text from every position.
    const hostile: Array<[string, string]> = [
      ['JWT prefix repeated inside a token run', 'eyJ-'.repeat(25_000)],
      ['scheme-like run before ://', 'a.'.repeat(50_000)],
      ['PEM BEGIN markers with no END', '-----BEGIN PRIVATE KEY-----\n'.repeat(3_600)],
      ['GitLab prefix repeated', 'glpat-'.repeat(17_000)],
      ['Slack prefix repeated', 'xoxb-'.repeat(20_000)],
      ['OpenAI prefix repeated', 'sk-'.repeat(33_000)],
      ['e-mail local part with no @', 'a'.repeat(100_000)],
      ['e-mail domain labels with no top-level domain', `a@${'a.1'.repeat(33_000)}`],
      ['many @ signs', 'a@'.repeat(50_000)],
      ['name=value pairs with no value', '&a'.repeat(50_000)],
      ['XML CDATA openings with no end', `<a>${'<![CDATA['.repeat(10_000)}`],
      ['XML elements never closed', '<password>x'.repeat(9_000)],
      ['XML attribute quote never closed', `<a b="${'<a '.repeat(33_000)}`],
      ['IBAN-like groups', 'DE12 3456 7890 '.repeat(6_600)],
      ['phone-like digits', '+1 234 '.repeat(14_000)],
    ];
    for (const [label, text] of hostile) {
      it(`${label}: each pass over 100 KB (learnt and redacted as text, JSON, form, XML and multipart) takes under a second`, () => {
        const redactor = new Redactor({ maskPii: true });
        const started = performance.now();
        for (const type of ['text/plain', 'application/json', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=XyZ']) {
          const body = type.startsWith('multipart') ? `--XyZ\r\nContent-Disposition: form-data; name="f"\r\nContent-Type: application/xml\r\n\r\n${text}\r\n--XyZ--\r\n` : text;
          const e = { ...base, requestHeaders: ['Content-Type', type], requestBody: Buffer.from(body) };
          redactor.learn(e);
          redactor.redact(e);
        }
        const ms = performance.now() - started;
        assert.ok(ms / 10 < 1_000, `${label}: ${Math.round(ms)} ms for ten passes`);
      });
    }
  });

  describe('bodies whose shape used to hide a secret', () => {
    const secret = 'hunter2hunter2';
    it('a multipart part holding JSON, a form or XML is read by its own Content-Type', () => {
      const parts = [['application/json', `{"password":"${secret}","n":1.10}`], ['application/x-www-form-urlencoded', `user=ada&password=${secret}`], ['application/xml', `<login><password>${secret}</password></login>`]];
      const body = parts.map(([type, content], i) => `--XyZ\r\nContent-Disposition: form-data; name="p${i}"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n`).join('') + '--XyZ--\r\n';
      const { out, text } = run([{ requestHeaders: ['Content-Type', 'multipart/form-data; boundary=XyZ'], requestBody: Buffer.from(body) }]);
      assert.ok(!text.includes(secret), text);
      const written = out[0]!.requestBody.toString();
      assert.ok(written.includes('{"password":"<redacted>","n":1.10}'), written);
      assert.ok(written.includes('<login><password>&lt;redacted&gt;</password></login>'), written);
    });
    it('a multipart body with bare LF line endings is masked as one with CRLF', () => {
      const body = `--XyZ\nContent-Disposition: form-data; name="password"\n\n${secret}\n--XyZ\nContent-Disposition: form-data; name="note"\n\nhello\n--XyZ--\n`;
      const { out } = run([{ requestHeaders: ['Content-Type', 'multipart/form-data; boundary="XyZ"'], requestBody: Buffer.from(body) }]);
      assert.equal(out[0]!.requestBody.toString(), body.replace(secret, '<redacted>'));
    });
    it('a multipart boundary written with spaces around "=" is read as the matcher reads it, and its secret part masked', () => {
      const body = `--XyZ\r\nContent-Disposition: form-data; name="password"\r\n\r\n${secret}\r\n--XyZ--\r\n`;
      const { out } = run([{ requestHeaders: ['Content-Type', 'multipart/form-data; boundary = XyZ'], requestBody: Buffer.from(body) }]);
      assert.equal(out[0]!.requestBody.toString(), body.replace(secret, '<redacted>'));
    });
    it('a form body that is not UTF-8 is read as latin1: its secret fields masked, its other bytes kept', () => {
      const body = Buffer.from(`password=${secret}&name=caf\xe9`, 'latin1');
      const { out } = run([{ requestHeaders: ['Content-Type', 'application/x-www-form-urlencoded'], requestBody: body }]);
      assert.deepEqual(out[0]!.requestBody, Buffer.from('password=%3Credacted%3E&name=caf\xe9', 'latin1'));
    });
    it('JSON that starts with a byte order mark is read as JSON, the mark kept', () => {
      const { out } = run([{ responseHeaders: ['Content-Type', 'application/json'], responseBody: Buffer.from(`\ufeff{"password":"${secret}"}`) }]);
      assert.equal(out[0]!.responseBody.toString(), '\ufeff{"password":"<redacted>"}');
    });
    it('an XML secret element holding a child element, a comment or an entity is masked', () => {
      const xml = `<login><password><value>${secret}</value></password><token><!-- c -->${secret}2</token><pin>${secret}&amp;3</pin></login>`;
      const { out, text } = run([{ responseHeaders: ['Content-Type', 'application/xml'], responseBody: Buffer.from(xml) }]);
      assert.ok(!text.includes(secret), text);
      assert.equal(out[0]!.responseBody.toString(), '<login><password><value>&lt;redacted&gt;</value></password><token><!-- c -->&lt;redacted&gt;</token><pin>&lt;redacted&gt;</pin></login>');
    });
  });

  describe('what masking keeps as it was', () => {
    it('XML stays well-formed: the mask is written XML-escaped in element text and attribute values', () => {
      const xml = `<?xml version="1.0"?><a password='p-1234567890' b="x &amp; y"><secret>s-1234567890</secret><note>eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig</note></a>`;
      const { out } = run([{ responseHeaders: ['Content-Type', 'application/xml'], responseBody: Buffer.from(xml) }]);
      assert.equal(out[0]!.responseBody.toString(),
        `<?xml version="1.0"?><a password='&lt;redacted&gt;' b="x &amp; y"><secret>&lt;redacted&gt;</secret><note>&lt;redacted&gt;</note></a>`);
    });
    it('masking one JSON member leaves every other byte as it was: big integers, 1.10, 1e999, spacing, key order', () => {
      const body = '{ "id": 12345678901234567890, "price": 1.10, "huge": 1e999,\n  "password": "hunter2hunter2", "pin": 1234, "z": [1.0, {"apiKey": "k-1234567890"}] }';
      const { out } = run([{ responseHeaders: ['Content-Type', 'application/json'], responseBody: Buffer.from(body) }]);
      assert.equal(out[0]!.responseBody.toString(),
        '{ "id": 12345678901234567890, "price": 1.10, "huge": 1e999,\n  "password": "<redacted>", "pin": "<redacted>", "z": [1.0, {"apiKey": "<redacted>"}] }');
    });
  });

  describe('the report', () => {
    it('reads as a sentence', () => {
      assert.equal(summarize({ header: 3, 'JSON member': 2, 'query parameter': 1, 'repeated occurrence': 8 }, 6).summary,
        'redacted 14 values in 6 exchanges: 3 headers, 1 query parameter, 2 JSON members, 8 repeated occurrences');
      assert.equal(summarize({}, 0).summary, 'redacted nothing: no secret found');
    });
  });

  describe('the recording spec\'s redact object', () => {
    it('reads every member and rejects bad ones with a pointer', () => {
      const r = parseRedaction({ names: ['pin'], patterns: ['ACME-\\d+'], maskPii: true, defaults: false }, '/redact');
      assert.equal(r.maskPii, true);
      assert.equal(r.defaults, false);
      const bad: Array<[unknown, string]> = [
        [{ patterns: ['('] }, '/redact/patterns/0'], [{ patterns: ['x*'] }, '/redact/patterns/0'], [{ maskPii: 'yes' }, '/redact/maskPii'],
        [{ defaults: 0 }, '/redact/defaults'], [{ nmaes: [] }, '/redact/nmaes'], [{ jsonPaths: ['customer.email'] }, '/redact/jsonPaths/0'],
      ];
      for (const [spec, pointer] of bad) {
        assert.throws(() => parseRedaction(spec, '/redact'), (e: unknown) => e instanceof DecoyError && e.source?.pointer === pointer, JSON.stringify(spec));
      }
    });
  });
});
