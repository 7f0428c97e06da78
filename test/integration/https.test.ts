/**
 * HTTPS next to HTTP: a certificate generated at start or given as PEM files, mutual TLS, and the
 * journal telling the schemes apart. Real TLS clients (undici, node:https) on loopback.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import { generate } from 'selfsigned';
import { Agent, fetch as undiciFetch } from 'undici';
import { createDecoy, type Decoy } from '../../src/index.js';
import { startDecoy, tempStubs } from '../support/decoy.js';

const STUBS = '- { request: { method: GET, url: /hello }, response: { status: 200, body: hi } }\n';

/** A CA, a server certificate and a client certificate it signed (the client's is what mutual TLS checks). */
async function makePki() {
  const ca = await generate([{ name: 'commonName', value: 'Test CA' }], {
    keyType: 'ec', algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }],
  });
  const leaf = (cn: string, usage: { serverAuth?: boolean; clientAuth?: boolean }) => generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec', algorithm: 'sha256', ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', ...usage },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { ca, server: await leaf('localhost', { serverAuth: true }), client: await leaf('test client', { clientAuth: true }) };
}

/** A GET over node:https; resolves with the status and body, rejects with the TLS error. */
function httpsGet(url: string, options: https.RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...options, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
  });
}

describe('HTTPS', function () {
  this.timeout(30_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy | undefined;
  let pki: Awaited<ReturnType<typeof makePki>>;

  before(async () => { pki = await makePki(); });
  beforeEach(() => { folder = tempStubs({ 'stubs.yaml': STUBS }); });
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    folder.cleanup();
  });

  it('serves the same stubs over HTTP and HTTPS with a certificate generated at start, and the journal tells the schemes apart', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, httpsPort: 0 }));
    assert.match(decoy.httpsUrl!, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(decoy.certificate!, /BEGIN CERTIFICATE/);
    const agent = new Agent({ connect: { ca: decoy.certificate! } });
    try {
      const secure = await undiciFetch(`${decoy.httpsUrl}/hello`, { dispatcher: agent });
      assert.equal(secure.status, 200);
      assert.equal(await secure.text(), 'hi');
      // The admin API answers over HTTPS too, and hands out the generated certificate.
      const pem = await undiciFetch(`${decoy.httpsUrl}/__admin/decoy/tls/certificate`, { dispatcher: agent });
      assert.equal(await pem.text(), decoy.certificate);
    } finally {
      await agent.close();
    }
    const plain = await fetch(`${decoy.url}/hello`);
    assert.equal(await plain.text(), 'hi');
    const { requests } = await (await fetch(`${decoy.url}/__admin/requests`)).json() as { requests: Array<{ request: { scheme: string; absoluteUrl: string; url: string } }> };
    const schemes = requests.filter((r) => r.request.url === '/hello').map((r) => r.request.scheme).sort();
    assert.deepEqual(schemes, ['http', 'https']);
    assert.ok(requests.some((r) => r.request.absoluteUrl.startsWith('https://')));
  });

  it('refuses a client that does not trust the generated certificate (it is self-signed)', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, httpsPort: 0 }));
    await assert.rejects(httpsGet(`${decoy.httpsUrl}/hello`, {}), (e: NodeJS.ErrnoException) => /SELF_SIGNED|self[- ]signed/i.test(`${e.code} ${e.message}`));
  });

  it('serves the certificate and key given as PEM, verified against their CA', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, httpsPort: 0, tls: { cert: pki.server.cert, key: pki.server.private } }));
    const answer = await httpsGet(`${decoy.httpsUrl}/hello`, { ca: pki.ca.cert, servername: 'localhost' });
    assert.deepEqual(answer, { status: 200, body: 'hi' });
  });

  it('mutual TLS: accepts a client certificate signed by the CA, refuses the handshake without one', async () => {
    ({ decoy } = await startDecoy({
      stubsDir: folder.dir, httpsPort: 0,
      tls: { cert: pki.server.cert, key: pki.server.private, ca: pki.ca.cert, requireClientCert: true },
    }));
    const withCert = new Agent({ connect: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.private } });
    const without = new Agent({ connect: { ca: pki.ca.cert } });
    try {
      const res = await undiciFetch(`${decoy.httpsUrl}/hello`, { dispatcher: withCert });
      assert.equal(await res.text(), 'hi');
      await assert.rejects(undiciFetch(`${decoy.httpsUrl}/hello`, { dispatcher: without }), (e: Error & { cause?: NodeJS.ErrnoException }) => {
        const why = `${e.cause?.code ?? ''} ${e.cause?.message ?? e.message}`;
        assert.match(why, /certificate|ECONNRESET|socket/i);
        return true;
      });
      // A client certificate from another CA is refused too.
      const stranger = await generate([{ name: 'commonName', value: 'stranger' }], { keyType: 'ec', algorithm: 'sha256' });
      await assert.rejects(httpsGet(`${decoy.httpsUrl}/hello`, { ca: pki.ca.cert, cert: stranger.cert, key: stranger.private }));
    } finally {
      await withCert.close();
      await without.close();
    }
    // Plain HTTP on the other port is not affected by mutual TLS.
    assert.equal(await (await fetch(`${decoy.url}/hello`)).text(), 'hi');
  });

  it('an HTTPS port already taken fails the start and closes the HTTP port it had opened; a second start() of a running Decoy changes nothing', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, httpsPort: 0 }));
    const other = createDecoy({ stubsDir: folder.dir, port: 0, host: '127.0.0.1', watch: false, httpsPort: decoy.httpsPort! });
    await assert.rejects(other.start(), (e: Error & { code?: string }) => e.code === 'DECOY_ERR_OPTION_INVALID' && /already in use/.test(e.message));
    assert.notEqual(other.port, 0);
    await assert.rejects(fetch(`http://127.0.0.1:${other.port}/hello`));
    assert.throws(() => other.url, /not started/);
    await assert.rejects(decoy.start(), /already started/);
    assert.equal(await (await fetch(`${decoy.url}/hello`)).text(), 'hi');
  });

  it('a bad certificate is a start-up error naming the problem', async () => {
    await assert.rejects(startDecoy({ stubsDir: folder.dir, httpsPort: 0, tls: { cert: 'not a certificate', key: pki.server.private } }),
      (e: Error & { code?: string }) => e.code === 'DECOY_ERR_TLS' && /cannot be used/.test(e.message));
    await assert.rejects(startDecoy({ stubsDir: folder.dir, httpsPort: 0, tls: { cert: pki.server.cert } }),
      (e: Error & { code?: string }) => e.code === 'DECOY_ERR_TLS' && /without its key/.test(e.message));
    await assert.rejects(startDecoy({ stubsDir: folder.dir, httpsPort: 0, tls: { requireClientCert: true } }),
      (e: Error & { code?: string }) => e.code === 'DECOY_ERR_TLS' && /CA/.test(e.message));
  });
});
