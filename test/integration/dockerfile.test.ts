/**
 * What the Dockerfile promises, checked on every test run (no Docker engine needed): two stages on the
 * Node 24 LTS slim image, a non-root user, every DECOY_* variable a real flag, the exposed ports, a health
 * check on /__admin/health. `test/ci/dockerfile.ci.ts` (run by .ci/run) runs its commands.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../../src/cli/main.js';
import { all, commandOf, envPairs, parseDockerfile } from '../support/dockerfile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stages = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
const runtime = stages[stages.length - 1]!;

describe('Dockerfile', () => {
  it('builds in one stage and runs from a second, both on the Node 24 LTS slim image', () => {
    assert.equal(stages.length, 2);
    for (const s of stages) assert.match(s.image, /^node:24-slim$/);
    assert.match(all(stages[0]!, 'RUN').map((r) => r.args).join(' '), /npm ci .*npm run build .*npm prune --omit=dev/);
    assert.deepEqual(all(runtime, 'COPY').filter((c) => c.flags.from).map((c) => c.flags.from), ['build', 'build']);
  });

  it('runs as a non-root user, with the stubs at /stubs', () => {
    const user = all(runtime, 'USER').at(-1)?.args;
    assert.ok(user && user !== 'root' && user !== '0', `runtime user is ${user}`);
    const env = Object.assign({}, ...all(runtime, 'ENV').map((e) => envPairs(e.args))) as Record<string, string>;
    assert.equal(env.DECOY_STUBS, '/stubs');
    assert.ok(all(runtime, 'COPY').some((c) => / \/stubs$/.test(c.args)));
  });

  it('sets only DECOY_* variables that are real flags, and exposes the port it serves on', () => {
    const known = new Set(buildProgram().options.map((o) => o.envVar));
    const env = Object.assign({}, ...all(runtime, 'ENV').map((e) => envPairs(e.args))) as Record<string, string>;
    for (const name of Object.keys(env).filter((k) => k.startsWith('DECOY_'))) assert.ok(known.has(name), `${name} is no flag's variable`);
    const exposed = all(runtime, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
    assert.ok(exposed.includes(env.DECOY_PORT!), `EXPOSE ${exposed.join(' ')} lacks DECOY_PORT ${env.DECOY_PORT}`);
  });

  it('checks health on /__admin/health, stops on SIGTERM and starts the CLI', () => {
    const health = all(runtime, 'HEALTHCHECK')[0]!;
    assert.match(health.args, /^CMD /);
    assert.match(commandOf(health.args.replace(/^CMD\s+/, '')).join(' '), /\/__admin\/health/);
    assert.equal(all(runtime, 'STOPSIGNAL')[0]?.args, 'SIGTERM');
    assert.deepEqual(commandOf(all(runtime, 'ENTRYPOINT')[0]!.args), ['node', 'dist/cli/main.js']);
  });
});
