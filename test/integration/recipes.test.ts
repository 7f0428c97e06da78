/**
 * The recipes in docs/recipes/ are tested or checked: every YAML and JSON block parses; every stub in
 * them loads into a real Decoy; the image, port, health path, stubs mount, flags and DECOY_* variables
 * agree with the Dockerfile and the CLI; the Kubernetes manifests hang together; every admin call
 * (`curl localhost:8080/__admin/...`) is accepted by a real Decoy; and the fault-injection cookbook's
 * scenarios run for real (a client timeout on HANG, a retrying client, a circuit breaker).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Decoy } from '../../src/index.js';
import { configMapWrite } from '../support/configmap.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const recipesDir = path.join(root, 'docs', 'recipes');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

interface Block { file: string; lang: string; text: string }

const markdown = readdirSync(recipesDir).filter((f) => f.endsWith('.md')).sort()
  .map((f) => ({ file: f, text: readFileSync(path.join(recipesDir, f), 'utf8') }));
const blocks: Block[] = markdown.flatMap((m) => [...m.text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((b) => ({ file: m.file, lang: b[1]!, text: b[2]! })));
/** Recipe files that are not Markdown (manifests, workflows), if any. */
const dataFiles = readdirSync(recipesDir).filter((f) => /\.(ya?ml|json)$/.test(f))
  .map((f) => ({ file: f, lang: f.endsWith('.json') ? 'json' : 'yaml', text: readFileSync(path.join(recipesDir, f), 'utf8') }));
const allText = markdown.map((m) => m.text).join('\n');

function parse(b: Block): unknown[] {
  if (b.lang === 'json') return [JSON.parse(b.text)];
  return parseAllDocuments(b.text).map((d) => {
    if (d.errors.length) throw new Error(`${b.file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS();
  });
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStub = (v: unknown): boolean => isObject(v) && 'request' in v && ('response' in v || 'responses' in v);
const isStubFile = (v: unknown): boolean => isStub(v) || (Array.isArray(v) && v.length > 0 && v.every(isStub));
const docs = [...blocks, ...dataFiles].filter((b) => b.lang === 'yaml' || b.lang === 'json').flatMap((b) => parse(b).map((doc) => ({ ...b, doc })));
const manifests = docs.filter((d) => isObject(d.doc) && 'kind' in d.doc).map((d) => d.doc as Record<string, any>);
const compose = docs.find((d) => d.file === 'docker-compose.md' && isObject(d.doc) && 'services' in d.doc)!.doc as Record<string, any>;
const workflow = docs.find((d) => d.file === 'github-actions.md' && isObject(d.doc) && 'jobs' in d.doc)!.doc as Record<string, any>;
const configMap = manifests.find((m) => m.kind === 'ConfigMap')!;

/** What the Dockerfile says: the exposed port, the stubs folder and the health path. */
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const EXPOSED = Number(/^EXPOSE (\d+)/m.exec(dockerfile)![1]);
const MOUNT = /DECOY_STUBS=(\S+)/.exec(dockerfile)![1]!;
const HEALTH = /HEALTHCHECK[\s\S]*?(\/__admin\/[a-z]+)/.exec(dockerfile)![1]!;
/** The image, named once in the recipes' README, tagged with the package version. */
const IMAGE = /`(ghcr\.io\/[^`:]+:[^`]+)`/.exec(readFileSync(path.join(recipesDir, 'README.md'), 'utf8'))![1]!;
/** The one documented image name (the registry path is a choice; the tag follows the package). */
const IMAGE_NAME = 'ghcr.io/decoy-mock/decoy';

/** README.md, every Markdown page under docs/, and the Dockerfile: every place a user reads an image name. */
function userFacingText(): { file: string; text: string }[] {
  const files = ['README.md', 'Dockerfile'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.md')) files.push(path.join(dir, e.name));
    }
  };
  walk('docs');
  return files.map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));
}

function helpFlags(args: string[]): Set<string> {
  const out = spawnSync(process.execPath, [path.join(root, pkg.bin.decoy!), ...args], { encoding: 'utf8' });
  return new Set([...out.stdout.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]));
}

describe('docs/recipes', () => {
  it('every YAML and JSON block and file parses', () => {
    const parsed = [...blocks, ...dataFiles].filter((b) => b.lang === 'yaml' || b.lang === 'json');
    assert.ok(parsed.length >= 10, `found ${parsed.length} YAML/JSON blocks`);
    for (const b of parsed) assert.doesNotThrow(() => parse(b), `a block in ${b.file}`);
    for (const b of blocks) assert.ok(['yaml', 'json', 'sh', 'ts'].includes(b.lang), `${b.file}: a code block's language is one of yaml, json, sh, ts (got "${b.lang}")`);
  });

  it('the Dockerfile facts the recipes rely on are where the checks read them', () => {
    assert.equal(EXPOSED, 8080);
    assert.equal(MOUNT, '/stubs');
    assert.equal(HEALTH, '/__admin/health');
    assert.equal(IMAGE.split(':')[1], pkg.version, 'the image tag is the package version');
  });

  it('the image has one documented name, used by the README, every docs page and the Dockerfile, with no placeholder left', () => {
    assert.equal(IMAGE, `${IMAGE_NAME}:${pkg.version}`);
    const pages = userFacingText();
    for (const { file, text } of pages) {
      assert.doesNotMatch(text, /your-org|<your[- ]registry>/i, `${file} still has a placeholder image name`);
      for (const m of text.matchAll(/\b(?:ghcr\.io|docker\.io|quay\.io)\/[^\s`'"),]+/g)) assert.equal(m[0], IMAGE, `${file} names another image: ${m[0]}`);
      // docker build/run lines name the image by its full name, never a local alias such as `decoy`.
      for (const m of text.matchAll(/docker (?:build|run) -[^\n`]*/g)) {
        if (!m[0].includes('wiremock/wiremock')) assert.ok(m[0].includes(IMAGE), `${file}: ${m[0]} does not use ${IMAGE}`);
      }
    }
    assert.ok(pages.find((p) => p.file === 'Dockerfile')!.text.includes(`docker build -t ${IMAGE} .`), 'the Dockerfile says how to build the image under its name');
  });

  it('every recipe that uses the image says in one line how to build it locally until it is published', () => {
    const users = markdown.filter((m) => m.text.includes(IMAGE));
    assert.ok(users.length >= 5, `recipes using the image: ${users.map((m) => m.file).join(', ')}`);
    for (const m of users) assert.ok(m.text.includes(`docker build -t ${IMAGE} .`), `${m.file} uses ${IMAGE} without saying how to build it`);
  });

  it('every image reference is the one image, with the Dockerfile\'s port, health path and stubs mount', () => {
    const images = [...allText.matchAll(/ghcr\.io\/[^\s`'"]+/g)].map((m) => m[0]);
    assert.ok(images.length >= 6);
    for (const i of images) assert.equal(i, IMAGE);

    // Every Deployment runs Decoy (the replicas recipe's Redis is a StatefulSet).
    const containers = manifests.filter((m) => m.kind === 'Deployment').flatMap((d) => d.spec.template.spec.containers);
    assert.ok(containers.length >= 1);
    for (const c of containers) {
      assert.equal(c.image, IMAGE);
      assert.deepEqual(c.ports.map((p: any) => p.containerPort), [EXPOSED]);
      for (const probe of [c.readinessProbe, c.livenessProbe]) assert.equal(probe.httpGet.path, HEALTH);
      assert.deepEqual(c.volumeMounts.map((v: any) => v.mountPath), [MOUNT]);
    }

    const payments = compose.services.payments;
    assert.equal(payments.image, IMAGE);
    assert.deepEqual(payments.ports.map((p: string) => Number(p.split(':')[1])), [EXPOSED]);
    assert.deepEqual(payments.volumes.map((v: string) => v.split(':')[1]), [MOUNT]);
    assert.ok(payments.healthcheck.test.join(' ').includes(`127.0.0.1:${EXPOSED}${HEALTH}`));
    assert.equal(compose.services.app.environment.PAYMENTS_URL, `http://payments:${EXPOSED}`);

    const service = workflow.jobs.test.services.decoy;
    assert.equal(service.image, IMAGE);
    assert.deepEqual(service.ports.map((p: string) => Number(p.split(':')[1])), [EXPOSED]);

    const tc = blocks.find((b) => b.file === 'testcontainers.md' && b.lang === 'ts')!.text;
    assert.match(tc, new RegExp(`new GenericContainer\\('${IMAGE.replace(/[.]/g, '\\.')}'\\)`));
    assert.match(tc, new RegExp(`withExposedPorts\\(${EXPOSED}\\)`));
    assert.match(tc, new RegExp(`target: '${MOUNT}'`));
    assert.match(tc, new RegExp(`Wait\\.forHttp\\('${HEALTH}', ${EXPOSED}\\)`));
    assert.match(tc, new RegExp(`getMappedPort\\(${EXPOSED}\\)`));
    for (const m of [...allText.matchAll(/docker run [^\n`]*/g)].filter((d) => d[0].includes(IMAGE))) {
      assert.match(m[0], new RegExp(`-p ${EXPOSED}:${EXPOSED} `), m[0]);
      assert.match(m[0], new RegExp(`:${MOUNT}(:ro)?[" ]`), m[0]);
    }
  });

  it('every DECOY_* variable is a CLI flag (DECOY_ + the flag in upper snake case), and every decoy flag exists', () => {
    const flags = helpFlags(['--help']);
    const recordFlags = helpFlags(['record', '--help']);
    const vars = new Set([...allText.matchAll(/\bDECOY_[A-Z_]+/g)].map((m) => m[0]));
    assert.ok(vars.size >= 4, `found ${[...vars].join(', ')}`);
    for (const v of vars) {
      const flag = `--${v.slice('DECOY_'.length).toLowerCase().replace(/_/g, '-')}`;
      assert.ok(flags.has(flag), `${v} is not the variable of a flag (no ${flag} in decoy --help)`);
    }
    // Every decoy command line in a code block, and the Decoy column of the migration table.
    const lines = [
      ...blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.text.split('\n')).filter((l) => /(^|\s)(npx )?decoy /.test(l)),
      ...[...allText.matchAll(/^\| `[^`]*` \| ([^\n]*) \|$/gm)].map((m) => m[1]!).filter((cell) => cell.includes('--')),
    ];
    assert.ok(lines.length >= 5);
    for (const line of lines) {
      const known = /decoy record/.test(line) ? recordFlags : flags;
      for (const f of line.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) assert.ok(known.has(f[0]), `${f[0]} in "${line}" is not a decoy flag`);
    }
  });

  it('the Kubernetes manifests hang together: the volume is the ConfigMap, the Service selects the pods', () => {
    const deployment = manifests.find((m) => m.kind === 'Deployment')!;
    const service = manifests.find((m) => m.kind === 'Service')!;
    const pod = deployment.spec.template;
    assert.deepEqual(deployment.spec.selector.matchLabels, pod.metadata.labels);
    assert.deepEqual(service.spec.selector, pod.metadata.labels);
    const volume = pod.spec.volumes.find((v: any) => v.name === pod.spec.containers[0].volumeMounts[0].name);
    assert.equal(volume.configMap.name, configMap.metadata.name);
    assert.equal(pod.spec.containers[0].volumeMounts[0].subPath, undefined, 'a subPath mount never updates');
    const portNames = pod.spec.containers[0].ports.map((p: any) => p.name);
    assert.ok(portNames.includes(service.spec.ports[0].targetPort));
    assert.ok(portNames.includes(pod.spec.containers[0].readinessProbe.httpGet.port));
  });

  it('the replicas recipe: N Decoy replicas share the Redis its StatefulSet runs (with persistence) and mount the ConfigMap of the Kubernetes recipe', () => {
    const own = docs.filter((d) => d.file === 'replicas-kubernetes.md' && isObject(d.doc) && 'kind' in d.doc).map((d) => d.doc as Record<string, any>);
    const redis = own.find((m) => m.kind === 'StatefulSet')!;
    const redisService = own.find((m) => m.kind === 'Service' && m.metadata.name === redis.spec.serviceName)!;
    assert.deepEqual(redisService.spec.selector, redis.spec.template.metadata.labels);
    assert.ok(redis.spec.template.spec.containers[0].args.join(' ').includes('--appendonly yes'), 'Redis persists what the fleet writes');
    const fleet = own.find((m) => m.kind === 'Deployment')!;
    assert.ok(fleet.spec.replicas > 1);
    const env = Object.fromEntries(fleet.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    assert.equal(new URL(env.DECOY_STORE).hostname, redisService.metadata.name);
    assert.equal(Number(new URL(env.DECOY_STORE).port), redisService.spec.ports[0].port);
    const volume = fleet.spec.template.spec.volumes[0];
    assert.equal(volume.configMap.name, configMap.metadata.name);
    const service = own.find((m) => m.kind === 'Service' && m !== redisService)!;
    assert.deepEqual(service.spec.selector, fleet.spec.template.metadata.labels);
  });

  describe('against a real Decoy', () => {
    let folder: ReturnType<typeof tempStubs> | undefined;
    let decoy: Decoy | undefined;
    afterEach(async () => {
      await decoy?.stop();
      decoy = undefined;
      folder?.cleanup();
      folder = undefined;
    });

    /** Runs `curl [-X M] localhost:8080/... [-d '...']` against the Decoy; answers the response. */
    const curl = async (line: string) => {
      const method = /-X (\w+)/.exec(line)?.[1] ?? (/ -d /.test(line) ? 'POST' : 'GET');
      const url = /localhost:8080(\/\S*)/.exec(line)![1]!;
      const body = /-d '([^']*)'/.exec(line)?.[1];
      return get(`${decoy!.url}${url}`, { method, ...(body !== undefined ? { body } : {}) });
    };
    const curls = (file: string) => blocks.filter((b) => b.file === file && b.lang === 'sh').flatMap((b) => b.text.split('\n'))
      .map((l) => l.trim()).filter((l) => l.startsWith('curl ') && l.includes('localhost:8080/__admin'));

    it('every stub example loads (the ConfigMap\'s from a ConfigMap-style volume) and answers', async () => {
      const stubs = docs.filter((d) => isStubFile(d.doc));
      assert.ok(stubs.length >= 7, `found ${stubs.length} stub examples`);
      folder = tempStubs();
      stubs.forEach((s, i) => folder!.write(`${s.file.replace(/\.md$/, '')}-${i}.${s.lang}`, s.text));
      const volume = path.join(folder.dir, 'configmap');
      folder.write('configmap/.keep', '');
      configMapWrite(volume, configMap.data);
      ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
      assert.deepEqual(decoy.loadReport!.errors.map((e) => e.format()), []);
      const expected = stubs.reduce((n, s) => n + (Array.isArray(s.doc) ? s.doc.length : 1), 0)
        + Object.values(configMap.data as Record<string, string>).reduce((n, text) => n + parse({ file: 'configmap', lang: 'yaml', text })
          .reduce<number>((k, d) => k + (Array.isArray(d) ? d.length : 1), 0), 0);
      assert.equal(decoy.loadReport!.stubs, expected);
      assert.equal((await get(`${decoy.url}/refunds`, { method: 'POST' })).status, 503);
      assert.equal((await get(`${decoy.url}/accounts/7`, { headers: { Accept: 'application/json' } })).status, 200);
      assert.equal((await get(`${decoy.url}/payments/pay_123`)).status, 200);
    });

    it('every admin call in the recipes is accepted', async () => {
      folder = tempStubs();
      ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
      const lines = markdown.flatMap((m) => curls(m.file));
      assert.ok(lines.length >= 6, `found ${lines.length} admin calls`);
      for (const line of lines) {
        const res = await curl(line);
        assert.ok(res.status >= 200 && res.status < 300, `${line} → ${res.status} ${res.text}`);
      }
    });

    describe('the fault-injection cookbook', () => {
      const cookbook = blocks.filter((b) => b.file === 'fault-injection.md');
      const stubFile = (name: string) => cookbook.find((b) => b.text.startsWith(`# stubs/${name}`))!.text;
      const start = async () => {
        folder = tempStubs({ 'timeouts.yaml': stubFile('timeouts.yaml'), 'retries.yaml': stubFile('retries.yaml'), 'breaker.yaml': stubFile('breaker.yaml') });
        ({ decoy } = await startDecoy({ stubsDir: folder.dir, seed: 1 }));
        assert.deepEqual(decoy.loadReport!.errors, []);
      };
      const count = async (method: string, url: string) => JSON.parse((await get(`${decoy!.url}/__admin/requests/count`, { method: 'POST', body: JSON.stringify({ method, url }) })).text).count as number;
      const timesOut = (p: Promise<unknown>) => assert.rejects(p, (e: Error) => e.name === 'TimeoutError');

      it('timeouts: HANG and a long delay trip a client timeout; STALL_BODY passes the headers and trips a body timeout', async () => {
        await start();
        await timesOut(fetch(`${decoy!.url}/inventory/hang`, { signal: AbortSignal.timeout(300) }));
        await timesOut(fetch(`${decoy!.url}/inventory/slow`, { signal: AbortSignal.timeout(300) }));
        assert.equal((await fetch(`${decoy!.url}/inventory/slow`, { signal: AbortSignal.timeout(10_000) })).status, 200, 'a timeout longer than the delay gets the answer');
        const stalled = await fetch(`${decoy!.url}/inventory/stall`, { signal: AbortSignal.timeout(500) });
        assert.equal(stalled.status, 200, 'the headers arrive');
        await timesOut(stalled.text());
        // The run-time rule: a path that works hangs while the rule lasts.
        const rule = curls('fault-injection.md').find((l) => l.includes('"HANG"'))!;
        assert.equal((await curl(rule)).status, 201);
        await timesOut(fetch(`${decoy!.url}/inventory/anything`, { signal: AbortSignal.timeout(300) }));
      });

      /** A client that retries 503s (and only them) up to `attempts` times. */
      const retrying = async (url: string, attempts: number): Promise<number> => {
        let status = 0;
        for (let i = 0; i < attempts; i++) {
          status = (await get(url, { method: 'POST' })).status;
          if (status !== 503) break;
        }
        return status;
      };

      it('retries: succeeds on the third attempt, gives up at its limit, never retries a 400', async () => {
        await start();
        assert.equal(await retrying(`${decoy!.url}/payments`, 3), 201);
        assert.equal(await count('POST', '/payments'), 3);
        assert.equal((await get(`${decoy!.url}/__admin/reset`, { method: 'POST' })).status, 200);
        assert.equal(await retrying(`${decoy!.url}/payments`, 2), 503, 'two attempts are not enough');
        assert.equal(await retrying(`${decoy!.url}/refunds`, 3), 503);
        assert.equal(await count('POST', '/refunds'), 3);
        assert.equal(await retrying(`${decoy!.url}/charges`, 3), 400);
        assert.equal(await count('POST', '/charges'), 1);
        // The run-time rule: exactly the next 2 requests fail, then it is gone.
        const rule = curls('fault-injection.md').find((l) => l.includes('"hits":2'))!;
        assert.equal((await curl(rule)).status, 201);
        assert.equal((await get(`${decoy!.url}/payments`, { method: 'POST' })).text, 'try again');
        assert.equal((await get(`${decoy!.url}/payments`, { method: 'POST' })).status, 503);
        assert.deepEqual(JSON.parse((await get(`${decoy!.url}/__admin/decoy/chaos`)).text).rules, []);
      });

      it('circuit breaker: opens after the outage\'s failures, fails fast while open, closes after the recovery', async () => {
        await start();
        // A minimal breaker: open after 3 failures in a row; after the cool-down, one trial call decides.
        const breaker = { failures: 0, openedAt: 0, coolDownMs: 300 };
        const call = async (): Promise<number | 'open'> => {
          if (breaker.failures >= 3 && Date.now() - breaker.openedAt < breaker.coolDownMs) return 'open';
          const status = (await get(`${decoy!.url}/quotes`)).status;
          if (status >= 500) {
            breaker.failures++;
            if (breaker.failures >= 3) breaker.openedAt = Date.now();
          } else {
            breaker.failures = 0;
          }
          return status;
        };
        const [outage, counting, recover] = curls('fault-injection.md').filter((l) => /quotes|DELETE localhost:8080\/__admin\/decoy\/chaos$/.test(l));
        assert.equal((await call()), 200);
        assert.equal((await curl(outage!)).status, 201);
        const during = [];
        for (let i = 0; i < 6; i++) during.push(await call());
        assert.deepEqual(during, [503, 503, 503, 'open', 'open', 'open']);
        assert.equal(JSON.parse((await curl(counting!)).text).count, 4, 'no calls reached Decoy while the breaker was open');
        assert.equal((await curl(recover!)).status, 200);
        await new Promise((r) => setTimeout(r, breaker.coolDownMs + 50));
        assert.equal(await call(), 200, 'the trial call succeeds');
        assert.equal(breaker.failures, 0, 'and the breaker closes');
        assert.equal(await count('GET', '/quotes'), 5);
      });
    });
  });
});
