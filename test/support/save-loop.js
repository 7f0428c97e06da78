/**
 * A child process for the crash-safety test: a Decoy on a stubs folder that, as fast as it can,
 * creates stubs over the admin API, edits stubs already in files, deletes some, and saves; and
 * records a loopback upstream (stubs and body files written when the recording stops). After each
 * save or recording it prints `SAVED <json list of files>`; before each, `SAVING`, so the parent can
 * aim its kill at the writes.
 * Usage: node save-loop.js <stubsDir> <seed>
 */
import http from 'node:http';
import { createDecoy } from '../../dist/index.js';

// Binary answers over the recorder's threshold, so recordings also write body files under __files/.
const upstream = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(Buffer.alloc(40_000 + (req.url.length * 997) % 20_000, req.url.length));
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));

const [dir, seedArg] = process.argv.slice(2);
let seed = Number(seedArg) >>> 0;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

const decoy = createDecoy({ stubsDir: dir, port: 0, host: '127.0.0.1', watch: false });
await decoy.start();
const admin = (method, p, body) => fetch(`${decoy.url}/__admin${p}`, {
  method, headers: { 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
}).then(async (r) => {
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
});

process.stdout.write('READY\n');
for (let round = 0; ; round++) {
  // Bodies of a few hundred KiB make each write take long enough to be killed in the middle of.
  const big = 'x'.repeat(50_000 + Math.floor(random() * 300_000));
  for (let i = 0; i < 3; i++) {
    await admin('POST', '/mappings', { name: `r${round}-${i}-${seed % 1000}`, request: { method: 'GET', url: `/r/${round}/${i}/${seed}` }, response: { status: 200, body: big } });
  }
  const listed = (await admin('GET', '/mappings?limit=1000')).json.mappings;
  const fileStubs = listed.filter((m) => m.persistent);
  if (fileStubs.length > 0) {
    const pick = fileStubs[Math.floor(random() * fileStubs.length)];
    await admin('PUT', `/mappings/${pick.id}`, { ...pick, response: { status: 200, body: `edited ${round} ${big}` } });
    if (fileStubs.length > 12) await admin('DELETE', `/mappings/${fileStubs[0].id}`);
  }
  process.stdout.write('SAVING\n');
  const saved = await admin('POST', '/mappings/save');
  if (saved.status !== 200) {
    process.stdout.write(`FAILED ${JSON.stringify(saved)}\n`);
    process.exit(1);
  }
  process.stdout.write(`SAVED ${JSON.stringify(saved.json?.written ?? [])}\n`);

  process.stdout.write('SAVING\n');
  await admin('POST', '/recordings/start', { targetBaseUrl: `http://127.0.0.1:${upstream.address().port}` });
  for (let i = 0; i < 3; i++) await fetch(`${decoy.url}/rec/${round % 4}/${i}`).then((r) => r.arrayBuffer());
  const recorded = await admin('POST', '/recordings/stop');
  if (recorded.status !== 200) {
    process.stdout.write(`FAILED ${JSON.stringify(recorded)}\n`);
    process.exit(1);
  }
  process.stdout.write(`SAVED ${JSON.stringify(recorded.json?.written ?? [])}\n`);
}
