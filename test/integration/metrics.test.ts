/**
 * `/__admin/metrics` after real traffic (matched, unmatched, delayed, faulted, chaos), parsed by a strict
 * exposition-format parser: names, labels, counts and histogram buckets.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Decoy } from '../../src/index.js';
import { decoyPerTest, eventually, get, startDecoy, tempStubs } from '../support/decoy.js';
import { parsePrometheusText, samples, value, type Family } from '../support/prometheus-text.js';

const STUBS = [
  '- { id: ok, name: ok, request: { method: GET, url: /ok }, response: { status: 200, body: fine } }',
  '- { id: created, request: { method: POST, url: /orders }, response: { status: 201 } }',
  '- { id: slow, request: { method: GET, url: /slow }, response: { status: 200, body: late, fixedDelayMilliseconds: 300 } }',
  '- { id: reset, request: { method: GET, url: /reset }, response: { fault: CONNECTION_RESET_BY_PEER } }',
  '- { id: flaky, request: { method: GET, url: /flaky }, response: { status: 200 }, chaos: [ { firstRequests: 2, status: 503 } ] }',
].join('\n');

describe('Prometheus metrics at /__admin/metrics', () => {
  const suite = decoyPerTest({ 'stubs.yaml': STUBS });
  let decoy: Decoy | undefined;

  const scrape = async (headers: Record<string, string> = {}): Promise<Map<string, Family>> => {
    const res = await fetch(`${decoy!.url}/__admin/metrics`, { headers });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(await res.text());
  };

  it('counts requests, durations, faults and unmatched requests by method, status, stub and service', async () => {
    ({ decoy } = await suite.start());
    for (let i = 0; i < 3; i++) assert.equal((await get(`${decoy.url}/ok`)).status, 200);
    assert.equal((await get(`${decoy.url}/orders`, { method: 'POST', body: '{}' })).status, 201);
    assert.equal((await get(`${decoy.url}/slow`)).status, 200);
    await assert.rejects(fetch(`${decoy.url}/reset`));
    for (const want of [503, 503, 200]) assert.equal((await get(`${decoy.url}/flaky`)).status, want);
    assert.equal((await get(`${decoy.url}/nothing/here?id=42`)).status, 404);
    assert.equal((await get(`${decoy.url}/nothing/else`, { method: 'DELETE' })).status, 404);
    const rule = await get(`${decoy.url}/__admin/decoy/chaos`, { method: 'POST', body: JSON.stringify({ request: { url: '/ok' }, status: 500, hits: 1 }) });
    assert.equal(rule.status, 201);
    assert.equal((await get(`${decoy.url}/ok`)).status, 500);

    // Every request is counted once its response is finished; the reset one's a moment after the client sees it.
    let m = await scrape();
    await eventually(async () => samples((m = await scrape()), 'decoy_requests_total').reduce((n, s) => n + s.value, 0) === 12, 3_000, 'all 12 requests counted');

    for (const f of m.values()) {
      assert.match(f.name, /^decoy_/, `${f.name} has the decoy_ prefix`);
      if (f.type === 'counter') assert.match(f.name, /_total$/, `counter ${f.name} ends in _total`);
      assert.ok(f.help.length > 0, `${f.name} has a HELP text`);
    }
    assert.equal(m.get('decoy_requests_total')?.type, 'counter');
    assert.equal(m.get('decoy_request_duration_seconds')?.type, 'histogram');
    const d = { service: 'default' };
    assert.equal(value(m, 'decoy_requests_total', { ...d, method: 'GET', status: '200', stub: 'ok' }), 3);
    assert.equal(value(m, 'decoy_requests_total', { ...d, method: 'GET', status: '500', stub: 'ok' }), 1);
    assert.equal(value(m, 'decoy_requests_total', { ...d, method: 'POST', status: '201', stub: 'created' }), 1);
    assert.equal(value(m, 'decoy_requests_total', { ...d, method: 'GET', status: 'CONNECTION_RESET_BY_PEER', stub: 'reset' }), 1);
    assert.equal(value(m, 'decoy_requests_total', { ...d, status: '503', stub: 'flaky' }), 2);
    assert.equal(value(m, 'decoy_requests_total', { ...d, status: '200', stub: 'flaky' }), 1);
    assert.equal(value(m, 'decoy_requests_total', { ...d, method: 'GET', status: '404', stub: '' }), 1);
    assert.equal(value(m, 'decoy_requests_total', { ...d, method: 'DELETE', status: '404', stub: '' }), 1);
    for (const s of samples(m, 'decoy_requests_total')) {
      assert.deepEqual(Object.keys(s.labels).sort(), ['method', 'service', 'status', 'stub']);
      assert.doesNotMatch(JSON.stringify(s.labels), /nothing|id=42/, 'no raw URL in any label');
    }

    assert.equal(value(m, 'decoy_unmatched_requests_total', { ...d, method: 'GET' }), 1);
    assert.equal(value(m, 'decoy_unmatched_requests_total', { ...d, method: 'DELETE' }), 1);

    assert.equal(value(m, 'decoy_faults_applied_total', { ...d, stub: 'reset', source: 'stub', action: 'fault', fault: 'CONNECTION_RESET_BY_PEER' }), 1);
    assert.equal(value(m, 'decoy_faults_applied_total', { ...d, stub: 'slow', source: 'stub', action: 'delay' }), 1);
    assert.equal(value(m, 'decoy_faults_applied_total', { ...d, stub: 'flaky', source: 'stub-chaos', action: 'status' }), 2);
    assert.equal(value(m, 'decoy_faults_applied_total', { ...d, stub: 'ok', source: 'chaos-rule', action: 'status' }), 1);

    // The delayed request: its 300 ms is in the histogram (not in the buckets below 0.25 s, in those from 0.5 s).
    const slow = { ...d, method: 'GET', status: '200', stub: 'slow' };
    assert.equal(value(m, 'decoy_request_duration_seconds_count', slow), 1);
    assert.ok(value(m, 'decoy_request_duration_seconds_sum', slow) >= 0.29);
    assert.equal(value(m, 'decoy_request_duration_seconds_bucket', { ...slow, le: '0.25' }), 0);
    assert.equal(value(m, 'decoy_request_duration_seconds_bucket', { ...slow, le: '0.5' }), 1);
    assert.equal(value(m, 'decoy_request_duration_seconds_bucket', { ...slow, le: '+Inf' }), 1);
    const les = samples(m, 'decoy_request_duration_seconds_bucket', slow).map((s) => s.labels.le);
    assert.deepEqual(les, ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '+Inf']);
    assert.equal(value(m, 'decoy_request_duration_seconds_count', { ...d, method: 'GET', status: '200', stub: 'ok' }), 3);
    // Decoy's own time leaves the injected 300 ms out: the delayed request falls in the fast buckets there.
    assert.equal(m.get('decoy_request_own_duration_seconds')?.type, 'histogram');
    assert.equal(value(m, 'decoy_request_own_duration_seconds_count', slow), 1);
    assert.ok(value(m, 'decoy_request_own_duration_seconds_sum', slow) < 0.25, `own time ${value(m, 'decoy_request_own_duration_seconds_sum', slow)} s`);
    assert.equal(value(m, 'decoy_request_own_duration_seconds_bucket', { ...slow, le: '0.25' }), 1);
    assert.ok(Math.abs(value(m, 'decoy_injected_delay_seconds_total', slow) - 0.3) < 0.001, 'the 300 ms delay, counted apart');

    assert.equal(value(m, 'decoy_journal_entries', d), 12);
    assert.equal(value(m, 'decoy_stubs', d), 5);
    assert.equal(value(m, 'decoy_stub_reload_errors_total', d), 0);
    // The metrics reference's table names what is served.
    const readme = readFileSync(new URL('../../docs/reference/metrics.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Metrics and logs'), readme.indexOf('**Logs**'));
    const documented = [...section.matchAll(/^\| ([^|]+) \|/gm)].flatMap((r) => [...r[1]!.matchAll(/`(decoy_[a-z_]+)`/g)].map((x) => x[1]!));
    assert.ok(documented.length >= 7, `found ${documented.join(', ')}`);
    for (const name of documented) assert.ok(m.has(name), `the documented ${name} is served`);
    // The shipped Grafana dashboard queries only metrics Decoy serves, in a dashboard Grafana can import.
    const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/decoy-dashboard.json', import.meta.url), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }>; templating: { list: Array<{ name: string }> } };
    assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource'), 'the data source is chosen on import');
    const queried = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b(decoy_[a-z_]+)/g)].map((x) => x[1]!.replace(/_(bucket|sum|count)$/, ''))));
    assert.ok(queried.length >= 10, queried.join(', '));
    for (const name of queried) assert.ok(m.has(name), `the dashboard's ${name} is served`);
    // The process's own metrics, prefixed too.
    assert.equal(m.get('decoy_process_cpu_seconds_total')?.type, 'counter');
    assert.ok(value(m, 'decoy_process_resident_memory_bytes') > 0);
  });

  it('counts stub files that fail to reload, and follows the journal as it is cleared', async () => {
    ({ decoy } = await suite.start({ watch: true }));
    await get(`${decoy.url}/ok`);
    suite.folder.write('broken.yaml', 'request: { method: GET, url: /x }\nresponse: { status: "two hundred" }\n');
    await eventually(async () => value(await scrape(), 'decoy_stub_reload_errors_total', { service: 'default' }) === 1, 3_000, 'the reload error counted');
    assert.equal((await get(`${decoy.url}/__admin/requests`, { method: 'DELETE' })).status, 200);
    assert.equal(value(await scrape(), 'decoy_journal_entries', { service: 'default' }), 0);
    assert.equal(value(await scrape(), 'decoy_requests_total', { service: 'default', stub: 'ok' }), 1, 'counters do not follow the journal');
  });

  it('is behind --admin-token like the rest of the admin API; a bearer token (as a Prometheus scrape config sends) opens it', async () => {
    ({ decoy } = await suite.start({ adminToken: 's3cret' }));
    await get(`${decoy.url}/ok`);
    assert.equal((await fetch(`${decoy.url}/__admin/metrics`)).status, 401);
    const m = await scrape({ Authorization: 'Bearer s3cret' });
    assert.equal(value(m, 'decoy_requests_total', { stub: 'ok' }), 1);
  });

  it('keeps each Decoy\'s counts apart, and labels a named service', async () => {
    const other = tempStubs({ 'stubs.yaml': STUBS });
    const second = await startDecoy({ stubsDir: other.dir, name: 'payments' });
    try {
      ({ decoy } = await suite.start());
      await get(`${decoy.url}/ok`);
      await get(`${second.decoy.url}/ok`);
      await get(`${second.decoy.url}/ok`);
      assert.equal(value(await scrape(), 'decoy_requests_total', { stub: 'ok' }), 1);
      const theirs = parsePrometheusText(await (await fetch(`${second.decoy.url}/__admin/metrics`)).text());
      assert.equal(value(theirs, 'decoy_requests_total', { service: 'payments', stub: 'ok' }), 2);
    } finally {
      await second.decoy.stop();
      other.cleanup();
    }
  });
});
