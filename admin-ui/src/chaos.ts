/**
 * Chaos: the run-time chaos rules (added and removed here, with the time or hits they have left) and
 * the scenarios with their states; and Recording: start and stop a recording against a target, what
 * it captured, and saving it.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import type { LiveEntry } from './log';

type Rule = Record<string, any> & { id: string; description: string; remainingHits?: number; expiresAt?: string };

/** The URL keys of a request pattern, WireMock's and Decoy's `path` (a template), in the order they are looked for. */
const URL_KEYS = ['url', 'urlPath', 'urlPathTemplate', 'path', 'urlPattern', 'urlPathPattern'];

/** One matcher value in a few characters: `= v` for equalTo (and a plain string), otherwise the operator's name and its value. */
function describeMatcher(m: unknown): string {
  if (typeof m !== 'object' || m === null) return `= ${String(m)}`;
  const entries = Object.entries(m as Record<string, unknown>).filter(([k]) => k !== 'caseInsensitive');
  if (entries.length === 0) return 'any';
  return entries.map(([op, v]) => (op === 'equalTo' ? `= ${typeof v === 'string' ? v : JSON.stringify(v)}` : `${op} ${typeof v === 'string' ? v : JSON.stringify(v)}`)).join(', ');
}

function describeNamed(label: string, named: unknown): string[] {
  if (typeof named !== 'object' || named === null) return [`${label} ${String(named)}`];
  return Object.entries(named as Record<string, unknown>).map(([name, m]) => `${label} ${name} ${describeMatcher(m)}`);
}

/**
 * What a chaos rule's request pattern matches, in one line: the method, the URL (whichever key holds it,
 * a path template too) and every other matcher, so that a rule made from a stub never reads as "every GET".
 */
export function describeRequestPattern(request: Record<string, any> | undefined): string {
  if (!request || Object.keys(request).length === 0) return 'every request';
  const urlKey = URL_KEYS.find((k) => request[k] !== undefined);
  const method = request.method && request.method !== 'ANY' ? (Array.isArray(request.method) ? request.method.join('|') : String(request.method)) : '';
  const parts = [`${method ? `${method} ` : ''}${urlKey ? String(request[urlKey]) : 'any path'}`];
  for (const [key, value] of Object.entries(request)) {
    if (key === 'method' || URL_KEYS.includes(key)) continue;
    if (key === 'queryParameters' || key === 'query') parts.push(...describeNamed('query', value));
    else if (key === 'headers') parts.push(...describeNamed('header', value));
    else if (key === 'cookies') parts.push(...describeNamed('cookie', value));
    else if (key === 'pathParameters') parts.push(...describeNamed('path param', value));
    else if (key === 'formParameters') parts.push(...describeNamed('form', value));
    else if (key === 'bodyPatterns' && Array.isArray(value)) parts.push(...value.map((b) => `body ${describeMatcher(b)}`));
    else parts.push(`${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return parts.join(' · ');
}

/** The recording status as WireMock's API names it, in words. */
export const RECORDING_STATUS_WORDS: Record<string, string> = { NeverStarted: 'Not started', Recording: 'Recording', Stopped: 'Stopped' };

function left(rule: Rule, now: number): string {
  const parts: string[] = [];
  if (rule.expiresAt) parts.push(`${Math.max(0, Math.ceil((Date.parse(rule.expiresAt) - now) / 1000))} s left`);
  if (rule.remainingHits !== undefined) parts.push(`${rule.remainingHits} hits left`);
  return parts.join(', ') || 'until removed';
}

function ChaosForm(props: { onAdded(): void }) {
  const [urlPattern, setUrlPattern] = useState('');
  const [method, setMethod] = useState('');
  const [action, setAction] = useState('error');
  const [value, setValue] = useState('503');
  const [probability, setProbability] = useState('1');
  const [seconds, setSeconds] = useState('');
  const [hits, setHits] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const rule: Record<string, unknown> = {};
    const request: Record<string, unknown> = {};
    if (urlPattern.trim()) request.urlPathPattern = urlPattern.trim();
    if (method) request.method = method;
    if (Object.keys(request).length) rule.request = request;
    if (action === 'delay') rule.fixedDelayMilliseconds = Number(value);
    else if (action === 'error') { rule.status = Number(value); rule.body = `chaos: ${value}`; }
    else if (action === 'reset') rule.fault = 'CONNECTION_RESET_BY_PEER';
    else if (action === 'hang') rule.fault = 'HANG';
    else if (action === 'empty') rule.fault = 'EMPTY_RESPONSE';
    if (probability !== '' && Number(probability) !== 1) rule.probability = Number(probability);
    if (seconds) rule.durationMs = Math.round(Number(seconds) * 1000);
    if (hits) rule.hits = Number(hits);
    try {
      await api('POST', '/decoy/chaos', rule);
      setError(undefined);
      props.onAdded();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const needsValue = action === 'delay' || action === 'error';
  return html`<form class="chaos-form" onSubmit=${submit} data-testid="chaos-form">
    <label>path regex <input name="urlPathPattern" placeholder="/orders.* (empty: every request)" value=${urlPattern} onInput=${(e: Event) => setUrlPattern((e.target as HTMLInputElement).value)} /></label>
    <label>method <select name="method" value=${method} onChange=${(e: Event) => setMethod((e.target as HTMLSelectElement).value)}><option value="">any</option>${['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => html`<option>${m}</option>`)}</select></label>
    <label>action <select name="action" value=${action} onChange=${(e: Event) => { const a = (e.target as HTMLSelectElement).value; setAction(a); setValue(a === 'delay' ? '1000' : '503'); }}>
      <option value="error">error status</option><option value="delay">delay (ms)</option><option value="reset">connection reset</option><option value="empty">empty response</option><option value="hang">hang</option></select></label>
    ${needsValue ? html`<label>${action === 'delay' ? 'ms' : 'status'} <input name="value" type="number" value=${value} onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} /></label>` : null}
    <label>probability <input name="probability" type="number" step="0.05" min="0" max="1" value=${probability} onInput=${(e: Event) => setProbability((e.target as HTMLInputElement).value)} /></label>
    <label>for seconds <input name="seconds" type="number" min="1" placeholder="∞" value=${seconds} onInput=${(e: Event) => setSeconds((e.target as HTMLInputElement).value)} /></label>
    <label>hits <input name="hits" type="number" min="1" placeholder="∞" value=${hits} onInput=${(e: Event) => setHits((e.target as HTMLInputElement).value)} /></label>
    <button class="primary" type="submit" data-testid="chaos-add">Add rule</button>
    ${error ? html`<div class="error">${error}</div>` : null}
  </form>`;
}

export function ChaosView(props: { version: number; active: boolean }) {
  const [rules, setRules] = useState<Rule[]>([]);
  const [scenarios, setScenarios] = useState<Array<{ name: string; state: string; possibleStates: string[] }>>([]);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState<string>();
  const load = () => Promise.all([
    api<{ rules: Rule[] }>('GET', '/decoy/chaos').then((r) => setRules(r.rules)),
    api<{ scenarios: Array<{ name: string; state: string; possibleStates: string[] }> }>('GET', '/scenarios').then((s) => setScenarios(s.scenarios)),
  ]).catch((e: Error) => setError(e.message));
  useEffect(() => {
    if (props.active) void load();
  }, [props.version, props.active]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  // A rule whose time ran out is gone on the server too.
  useEffect(() => {
    if (rules.some((r) => r.expiresAt && Date.parse(r.expiresAt) <= now)) void load();
  }, [now]);
  const run = (what: Promise<unknown>) => what.then(load, (e: Error) => setError(e.message));
  return html`<div class="chaos-view">
    <h2>Chaos rules</h2>
    <p class="muted">Applied to every request they match (stubbed, proxied or unmatched), first added first; each can expire after a time or a number of hits.</p>
    <${ChaosForm} onAdded=${load} />
    ${error ? html`<div class="error">${error}</div>` : null}
    <table class="rules" data-testid="chaos-rules">
      <thead><tr><th>matches</th><th>does</th><th>probability</th><th>left</th><th></th></tr></thead>
      <tbody>${rules.map((r) => html`<tr data-testid="chaos-rule" key=${r.id}>
        <td class="mono" data-testid="chaos-rule-matches">${describeRequestPattern(r.request)}</td>
        <td>${r.description}</td><td class="num">${r.probability ?? 1}</td><td>${left(r, now)}</td>
        <td><button class="danger" onClick=${() => run(api('DELETE', `/decoy/chaos/${r.id}`))}>Remove</button></td></tr>`)}</tbody>
    </table>
    ${rules.length ? html`<button onClick=${() => run(api('DELETE', '/decoy/chaos'))}>Remove all</button>` : html`<div class="muted">No chaos rules.</div>`}
    <h2>Scenarios</h2>
    ${scenarios.length === 0 ? html`<div class="muted">No stub belongs to a scenario.</div>` : html`<table class="rules" data-testid="scenarios">
      <thead><tr><th>scenario</th><th>state</th><th></th></tr></thead>
      <tbody>${scenarios.map((s) => html`<tr key=${s.name}><td>${s.name}</td>
        <td><select value=${s.state} onChange=${(e: Event) => run(api('PUT', `/scenarios/${encodeURIComponent(s.name)}/state`, { state: (e.target as HTMLSelectElement).value }))}>${s.possibleStates.map((p) => html`<option>${p}</option>`)}</select></td>
        <td><button onClick=${() => run(api('PUT', `/scenarios/${encodeURIComponent(s.name)}/state`))}>Reset</button></td></tr>`)}</tbody>
    </table>
    <button onClick=${() => run(api('POST', '/scenarios/reset'))}>Reset all scenarios</button>`}
  </div>`;
}

export function RecordingView(props: { entries: LiveEntry[]; version: number }) {
  const [status, setStatus] = useState<string>('…');
  const [target, setTarget] = useState('');
  const [since, setSince] = useState<number>();
  const [result, setResult] = useState<{ mappings: Array<Record<string, any>>; written?: string[]; redaction?: { summary: string } }>();
  const [maskPii, setMaskPii] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const refresh = () => api<{ status: string }>('GET', '/recordings/status').then((s) => setStatus(s.status), (e: Error) => setError(e.message));
  useEffect(() => { void refresh(); }, []);
  const start = async () => {
    try {
      await api('POST', '/recordings/start', { targetBaseUrl: target.trim(), ...(maskPii ? { redact: { maskPii: true } } : {}) });
      setSince(Date.now());
      setResult(undefined);
      setSaved(undefined);
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
    await refresh();
  };
  const stop = async () => {
    try {
      setResult(await api('POST', '/recordings/stop'));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
    await refresh();
  };
  const save = async () => {
    try {
      const r = await api<{ written?: string[] } | undefined>('POST', '/mappings/save');
      setSaved(r?.written?.length ? `Saved: ${r.written.join(', ')}` : 'Nothing left to save');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const captured = since === undefined ? [] : props.entries.filter((e) => e.proxiedTo !== undefined && e.time >= since - 1000);
  return html`<div class="recording-view">
    <h2>Recording</h2>
    <p class="muted">While recording, requests that no stub matches are forwarded to the target; each answer becomes a stub. Secrets (credential headers and cookies, secret-named fields, tokens and keys wherever they appear) are masked before anything is kept.</p>
    <div class="toolbar">
      <input type="url" placeholder="http://localhost:9000" value=${target} data-testid="record-target" onInput=${(e: Event) => setTarget((e.target as HTMLInputElement).value)} />
      <button class="primary" disabled=${status === 'Recording' || !target.trim()} onClick=${start} data-testid="record-start">Start recording</button>
      <label class="muted"><input type="checkbox" checked=${maskPii} disabled=${status === 'Recording'} data-testid="record-mask-pii" onChange=${(e: Event) => setMaskPii((e.target as HTMLInputElement).checked)} /> Mask personal data</label>
      <button class="danger" disabled=${status !== 'Recording'} onClick=${stop} data-testid="record-stop">Stop</button>
      <span data-testid="record-status" data-status=${status} class=${`badge ${status === 'Recording' ? 's-5xx' : ''}`}>${RECORDING_STATUS_WORDS[status] ?? status}</span>
    </div>
    ${error ? html`<div class="error">${error}</div>` : null}
    ${since !== undefined ? html`<h3>Captured (${captured.length})</h3>
      <table class="rules" data-testid="record-captured"><tbody>${captured.slice(0, 200).map((e) => html`<tr><td class="c-method">${e.method}</td><td class="mono">${e.url}</td><td class="num">${e.status || '—'}</td></tr>`)}</tbody></table>` : null}
    ${result ? html`<h3>Recorded stubs (${result.mappings.length})</h3>
      ${result.redaction ? html`<div class="note" data-testid="record-redaction">${result.redaction.summary}</div>` : null}
      <table class="rules" data-testid="record-result"><tbody>${result.mappings.map((m) => html`<tr><td class="c-method">${m.request?.method}</td><td class="mono">${m.request?.url ?? m.request?.urlPath ?? m.request?.urlPattern ?? ''}</td><td class="num">${m.response?.status}</td><td>${m.name ?? ''}</td></tr>`)}</tbody></table>
      ${result.written?.length ? html`<div class="note">Written to: ${result.written.join(', ')}</div>`
        : html`<div><button onClick=${save} data-testid="record-save">Save to files</button> ${saved ? html`<span class="note">${saved}</span>` : null}</div>`}` : null}
  </div>`;
}
