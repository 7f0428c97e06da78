/**
 * The `graphql` library takes about 100 ms to import: a Decoy without GraphQL stubs never loads it, and one
 * with them loads it when the stubs compile. Checked in a fresh process, where nothing else loaded it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts a Decoy on `stubs` in a child process, sends a REST request that matches and one that does not, and says whether graphql was loaded. */
function graphqlLoaded(stubs: string): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), 'decoy-graphql-load-'));
  try {
    writeFileSync(path.join(dir, 'stubs.yaml'), stubs);
    const script = `
      import { createRequire } from 'node:module';
      import { createDecoy } from ${JSON.stringify(path.join(root, 'src/index.ts'))};
      const decoy = createDecoy({ stubsDir: ${JSON.stringify(dir)}, port: 0, host: '127.0.0.1', watch: false, logger: false });
      await decoy.start();
      await (await fetch(decoy.url + '/ping', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ a }"}' })).text();
      await (await fetch(decoy.url + '/nothing', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).text();
      await decoy.stop();
      const cache = createRequire(import.meta.url).cache;
      process.stdout.write(String(Object.keys(cache).some((k) => k.includes('/node_modules/graphql/'))));
    `;
    return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }).trim().endsWith('true');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('loading the graphql library', function () {
  this.timeout(60_000);

  it('a Decoy without GraphQL stubs never loads it, even for a request that looks like GraphQL', () => {
    assert.equal(graphqlLoaded('- { request: { method: POST, url: /ping }, response: { status: 200 } }\n'), false);
  });

  it('a Decoy with GraphQL stubs loads it', () => {
    assert.equal(graphqlLoaded('- { request: { method: POST, url: /ping }, response: { status: 200 } }\n- { request: { graphql: { query: "{ a }" } }, response: { status: 200 } }\n'), true);
  });
});
