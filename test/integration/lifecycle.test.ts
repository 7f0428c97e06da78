/**
 * A Decoy's start/stop lifecycle as a client sees it: a stop that comes during a start, before any
 * start, or twice, and a second start while the first is running, each leave no port answering
 * after the last stop.
 */
import assert from 'node:assert/strict';
import { createDecoy, type Decoy } from '../../src/index.js';
import { tempStubs } from '../support/decoy.js';

const stub = (url: string, body: string) => `- { request: { method: GET, url: ${url} }, response: { status: 200, body: ${body} } }\n`;

describe('a Decoy\'s start and stop', function () {
  this.timeout(30_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy | undefined;

  beforeEach(() => {
    folder = tempStubs({ 'main.yaml': stub('/main', 'main'), 'pay/p.yaml': stub('/pay', 'paid') });
  });
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    folder.cleanup();
  });

  const create = (): Decoy => createDecoy({
    port: 0, host: '127.0.0.1', adminPort: 0, watch: true, stubsDir: folder.dir, discoverServices: false,
    services: [{ name: 'pay', port: 0, stubsDir: `${folder.dir}/pay` }],
  });

  it('a stop() that comes while start() is still running waits for it, then closes every port the start opened', async () => {
    decoy = create();
    const started = decoy.start();
    const stopped = decoy.stop();
    await started;
    const urls = [decoy.url, decoy.adminUrl!, decoy.service('pay')!.url];
    await stopped;
    for (const url of urls) await assert.rejects(fetch(`${url}/__admin/health`), `${url} still answers`);
  });

  it('a stop() before any start() closes nothing, and the Decoy still starts and stops', async () => {
    decoy = create();
    await decoy.stop();
    await decoy.start();
    assert.equal(await (await fetch(`${decoy.url}/main`)).text(), 'main');
    const urls = [decoy.url, decoy.adminUrl!, decoy.service('pay')!.url];
    await decoy.stop();
    for (const url of urls) await assert.rejects(fetch(`${url}/__admin/health`), `${url} still answers`);
  });

  it('a second start() while the first is running is refused, and opens no second set of ports', async () => {
    decoy = create();
    const first = decoy.start();
    await assert.rejects(decoy.start(), /already started/);
    await first;
    assert.deepEqual(decoy.services().map((s) => s.name), ['default', 'pay']);
    assert.equal(await (await fetch(`${decoy.url}/main`)).text(), 'main');
  });

  it('a stopped Decoy starts again: it serves its stubs and its child services on new ports, and stops again', async () => {
    decoy = create();
    await decoy.start();
    await decoy.stop();
    await decoy.start();
    assert.deepEqual(decoy.services().map((s) => s.name), ['default', 'pay']);
    assert.equal(await (await fetch(`${decoy.url}/main`)).text(), 'main');
    assert.equal(await (await fetch(`${decoy.service('pay')!.url}/pay`)).text(), 'paid');
    const urls = [decoy.url, decoy.adminUrl!, decoy.service('pay')!.url];
    await decoy.stop();
    for (const url of urls) await assert.rejects(fetch(`${url}/__admin/health`), `${url} still answers`);
  });

  it('stopping twice closes once: both stops resolve, and the ports are closed', async () => {
    decoy = create();
    await decoy.start();
    const url = decoy.url;
    await Promise.all([decoy.stop(), decoy.stop()]);
    await decoy.stop();
    await assert.rejects(fetch(`${url}/main`));
  });
});
