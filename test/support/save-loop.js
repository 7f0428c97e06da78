/**
 * A child process for the crash-safety test: a Decoy on a stubs folder that, as fast as it can,
 * creates stubs over the admin API, edits stubs already in files, deletes some, and saves; after each
 * save it prints `SAVED <json list of files>` so the parent knows what must load after a SIGKILL.
 * Usage: node save-loop.js <stubsDir> <seed>
 */
import { createDecoy } from '../../dist/index.js';

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
  const saved = await admin('POST', '/mappings/save');
  if (saved.status !== 200) {
    process.stdout.write(`FAILED ${JSON.stringify(saved)}\n`);
    process.exit(1);
  }
  process.stdout.write(`SAVED ${JSON.stringify(saved.json?.written ?? [])}\n`);
}
