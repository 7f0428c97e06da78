/**
 * Every answer of Decoy's admin API that WireMock's Java client parses is read here with WireMock's own
 * model classes (from the jar the `wiremock` package ships), the way that client reads them: strictly, so a
 * member WireMock's model does not have fails the whole answer (as a top-level `faults` on a serve event,
 * or `statusMessage` on a logged response, once failed the whole journal). The traffic gives the journal
 * each kind of event: matched, unmatched, faulted, delayed, with a status message, with a chaos rule.
 *
 * Needs `javac` (a JDK); without one the test is skipped and says so.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';
import { findWireMockJar } from '../support/wiremock.js';

const SOURCE = fileURLToPath(new URL('../fixtures/admin-differential/wiremock-model/ParseAnswers.java', import.meta.url));
const MODEL = 'com.github.tomakehurst.wiremock';

describe('admin answers as WireMock\'s Java client parses them (its own model classes, strictly)', function () {
  this.timeout(60_000);
  let work: string;
  let decoy: Decoy;
  let folder: ReturnType<typeof tempStubs>;

  before(function () {
    if (spawnSync('javac', ['-version']).status !== 0) {
      this.skip();
      return;
    }
    work = mkdtempSync(path.join(tmpdir(), 'decoy-wiremock-model-'));
    execFileSync('javac', ['-nowarn', '-cp', findWireMockJar(), '-d', work, SOURCE]);
  });
  after(async () => {
    await decoy?.stop();
    folder?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the journal (every kind of event), found requests, near misses, stubs, scenarios, settings and errors all parse', async () => {
    folder = tempStubs({ 'mappings/.keep': '', '__files/.keep': '' });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    const admin = async (method: string, p: string, body?: unknown): Promise<string> => {
      const res = await fetch(`${decoy.url}/__admin${p}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return res.text();
    };
    await admin('POST', '/mappings', { id: '66666666-6666-4666-8666-666666666661', request: { url: '/plain' }, response: { status: 200, statusMessage: 'Fine', body: 'p', headers: { 'X-A': '1' } }, metadata: { team: 'a' } });
    await admin('POST', '/mappings', { id: '66666666-6666-4666-8666-666666666662', request: { url: '/cut' }, response: { status: 200, fault: 'CONNECTION_RESET_BY_PEER' } });
    await admin('POST', '/mappings', { id: '66666666-6666-4666-8666-666666666663', request: { url: '/slow' }, response: { status: 200, fixedDelayMilliseconds: 5 } });
    await admin('POST', '/mappings', { id: '66666666-6666-4666-8666-666666666664', scenarioName: 's', requiredScenarioState: 'Started', newScenarioState: 'next', request: { url: '/step' }, response: { status: 200 } });
    await admin('POST', '/mappings', { id: '66666666-6666-4666-8666-666666666665', request: { url: '/late' }, response: { status: 200, bodyFileName: 'late.txt' } });
    await admin('POST', '/decoy/chaos', { request: { urlPath: '/chaos' }, status: 503, body: 'down' });
    await get(`${decoy.url}/plain`);
    await fetch(`${decoy.url}/cut`).catch(() => undefined);
    await get(`${decoy.url}/slow`);
    await get(`${decoy.url}/step`);
    await get(`${decoy.url}/late`);
    await get(`${decoy.url}/chaos`);
    await get(`${decoy.url}/nowhere`, { method: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
    const events = JSON.parse(await admin('GET', '/requests')) as { requests: Array<{ id: string }> };
    assert.equal(events.requests.length, 7);

    const answers: Array<[string, string, string]> = [
      ['journal', `${MODEL}.admin.model.GetServeEventsResult`, await admin('GET', '/requests')],
      ['unmatched events', `${MODEL}.admin.model.GetServeEventsResult`, await admin('GET', '/requests?unmatched=true')],
      ['events of a stub', `${MODEL}.admin.model.GetServeEventsResult`, await admin('GET', '/requests?matchingStub=66666666-6666-4666-8666-666666666661')],
      ...await Promise.all(events.requests.map(async (e, i): Promise<[string, string, string]> => [`event ${i}`, `${MODEL}.stubbing.ServeEvent`, await admin('GET', `/requests/${e.id}`)])),
      ['found requests', `${MODEL}.verification.FindRequestsResult`, await admin('POST', '/requests/find', { method: 'ANY', urlPattern: '/.*' })],
      ['unmatched requests', `${MODEL}.verification.FindRequestsResult`, await admin('GET', '/requests/unmatched')],
      ['count', `${MODEL}.verification.VerificationResult`, await admin('POST', '/requests/count', { url: '/plain' })],
      ['near misses of the unmatched', `${MODEL}.verification.FindNearMissesResult`, await admin('GET', '/requests/unmatched/near-misses')],
      ['near misses of a request', `${MODEL}.verification.FindNearMissesResult`, await admin('POST', '/near-misses/request', { url: '/plai', method: 'GET' })],
      ['near misses of a pattern', `${MODEL}.verification.FindNearMissesResult`, await admin('POST', '/near-misses/request-pattern', { url: '/plai', method: 'GET' })],
      ['stubs', `${MODEL}.admin.model.ListStubMappingsResult`, await admin('GET', '/mappings')],
      ['one stub', `${MODEL}.stubbing.StubMapping`, await admin('GET', '/mappings/66666666-6666-4666-8666-666666666661')],
      ['stubs by metadata', `${MODEL}.admin.model.ListStubMappingsResult`, await admin('POST', '/mappings/find-by-metadata', { matchesJsonPath: '$.team' })],
      ['scenarios', `${MODEL}.admin.model.GetScenariosResult`, await admin('GET', '/scenarios')],
      ['settings', `${MODEL}.admin.model.GetGlobalSettingsResult`, await admin('GET', '/settings')],
      ['recording status', `${MODEL}.recording.RecordingStatusResult`, await admin('GET', '/recordings/status')],
      ['an invalid stub', `${MODEL}.common.Errors`, await admin('POST', '/mappings', { request: { url: '/x' }, response: { status: 'x' } })],
      ['a duplicate id', `${MODEL}.common.Errors`, await admin('POST', '/mappings', { id: '66666666-6666-4666-8666-666666666661', request: { url: '/x' }, response: {} })],
      ['an unknown scenario state', `${MODEL}.common.Errors`, await admin('PUT', '/scenarios/s/state', { state: 'nope' })],
      ['stop when not recording', `${MODEL}.common.Errors`, await admin('POST', '/recordings/stop')],
      ['removed events', `${MODEL}.admin.model.GetServeEventsResult`, await admin('POST', '/requests/remove', { method: 'ANY', urlPattern: '/.*' })],
    ];
    const args: string[] = [];
    answers.forEach(([, cls, text], i) => {
      const file = path.join(work, `answer-${i}.json`);
      writeFileSync(file, text);
      args.push(cls, file);
    });
    const out = execFileSync('java', ['-cp', `${findWireMockJar()}${path.delimiter}${work}`, 'ParseAnswers', ...args], { encoding: 'utf8' });
    const failures = out.trim().split('\n').flatMap((line, i) => (line.startsWith('OK ') ? [] : [`${answers[i]![0]}: ${line}\n    ${answers[i]![2].slice(0, 400)}`]));
    assert.deepEqual(failures, []);
  });
});
