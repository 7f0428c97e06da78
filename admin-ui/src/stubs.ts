/**
 * Stubs: the list (search and filters by method, path, file and tag; the file each came from and how
 * often it matched; a fault switch; a badge on a stub that breaks its API contract), and the editor (YAML or JSON, the API's validation errors shown on
 * the lines they point at), with create, clone, delete and save to files.
 */
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError } from './api';

interface StubInfo {
  id: string;
  name?: string;
  file?: string;
  line?: number;
  source: string;
  explanation: string;
}

type Mapping = Record<string, any> & { id: string; request?: Record<string, any>; response?: Record<string, any>; metadata?: Record<string, any> };

interface Row {
  info: StubInfo;
  mapping: Mapping;
  method: string;
  path: string;
  tags: string[];
  count: number;
}

/** The switches: each adds a run-time chaos rule with the stub's request pattern, so the stub itself is untouched. */
export const FAULT_SWITCHES: Array<{ key: string; label: string; action: Record<string, unknown> }> = [
  { key: 'reset', label: 'connection reset', action: { fault: 'CONNECTION_RESET_BY_PEER' } },
  { key: 'empty', label: 'empty response', action: { fault: 'EMPTY_RESPONSE' } },
  { key: 'hang', label: 'hang', action: { fault: 'HANG' } },
  { key: '503', label: '503 error', action: { status: 503, body: 'chaos: service unavailable' } },
  { key: 'slow', label: '2 s delay', action: { fixedDelayMilliseconds: 2000 } },
];

function pathOf(req: Record<string, any> | undefined): string {
  if (!req) return '(any)';
  return req.url ?? req.urlPath ?? req.urlPathTemplate ?? req.urlPattern ?? req.urlPathPattern ?? req.path ?? '(any)';
}

function tagsOf(m: Mapping): string[] {
  const t = m.metadata?.tags;
  return Array.isArray(t) ? t.map(String) : typeof t === 'string' ? [t] : [];
}

interface ContractViolation { rule: string; field: string; message: string; contract: string; operation?: string }

/** What the stub breaks of the API contracts (`--contract`, soft mode): Decoy marks it in the stub's metadata. */
function violationsOf(m: Mapping): ContractViolation[] {
  const v = m.metadata?.decoy?.contract?.violations;
  return Array.isArray(v) ? v : [];
}

/** A badge on a stub that breaks its contract: the violations on hover, and listed when it is opened. */
function ContractBadge(props: { violations: ContractViolation[] }) {
  const { violations } = props;
  if (violations.length === 0) return null;
  const summary = violations.map((v) => `${v.rule}: ${v.message}`).join('\n');
  return html`<details class="contract" data-testid="contract-badge">
    <summary class="tag bad" title=${summary}>breaks the contract${violations.length > 1 ? ` (${violations.length})` : ''}</summary>
    <ul data-testid="contract-violations">${violations.map((v) => html`<li><b>${v.rule}</b> <span class="mono">${v.field}</span>: ${v.message}
      <span class="muted">(${v.operation ? `${v.operation}, ` : ''}${v.contract})</span></li>`)}</ul>
  </details>`;
}

const NEW_STUB = `request:
  method: GET
  urlPath: /hello
response:
  status: 200
  headers:
    Content-Type: application/json
  jsonBody:
    message: hello
`;

interface EditorProblem { line?: number; pointer?: string; detail: string }

/** Where `pointer` is in the text: a line number (1-based), from the YAML parser's node ranges (JSON parses as YAML). */
function lineOf(YAML: typeof import('yaml'), text: string, pointer: string | undefined): number | undefined {
  if (pointer === undefined) return undefined;
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines });
  const path = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).filter((p) => p !== '');
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function StubEditor(props: { mapping?: Mapping; seed?: string; onDone(id?: string): void }) {
  const editing = props.mapping !== undefined;
  const [format, setFormat] = useState<'yaml' | 'json'>('yaml');
  const [text, setText] = useState<string>();
  const [problems, setProblems] = useState<EditorProblem[]>([]);
  const [busy, setBusy] = useState(false);
  const [YAML, setYAML] = useState<typeof import('yaml')>();
  useEffect(() => {
    // The YAML library loads only when the editor opens: the list and log do without it.
    import('yaml').then((m) => setYAML(() => m));
  }, []);
  const definition = (): Record<string, unknown> | undefined => {
    if (!props.mapping) return undefined;
    // The id stays out of the text (an edit keeps it); the keys read in the order people write them.
    const { uuid: _u, id: _i, name, priority, request, response, ...rest } = props.mapping;
    return { ...(name !== undefined ? { name } : {}), ...(priority !== undefined ? { priority } : {}), request, response, ...rest };
  };
  useEffect(() => {
    if (!YAML) return;
    const def = definition();
    if (def) setText(format === 'yaml' ? YAML.stringify(def) : JSON.stringify(def, null, 2));
    else {
      const seed = YAML.parse(props.seed ?? NEW_STUB);
      setText(format === 'yaml' ? YAML.stringify(seed) : JSON.stringify(seed, null, 2));
    }
    setProblems([]);
  }, [YAML, props.mapping?.id, props.seed]);
  const switchFormat = (to: 'yaml' | 'json') => {
    if (!YAML || text === undefined || to === format) return;
    try {
      const value = YAML.parse(text);
      setText(to === 'yaml' ? YAML.stringify(value) : JSON.stringify(value, null, 2));
      setFormat(to);
      setProblems([]);
    } catch (e) {
      setProblems([{ detail: `fix the text before switching: ${(e as Error).message}` }]);
    }
  };
  const save = async () => {
    if (!YAML || text === undefined) return;
    const lines = new YAML.LineCounter();
    const doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length) {
      setProblems(doc.errors.map((e) => ({ line: lines.linePos(e.pos[0]).line, detail: e.message.split('\n')[0]! })));
      return;
    }
    const value = doc.toJS();
    setBusy(true);
    try {
      const saved = editing ? await api('PUT', `/mappings/${encodeURIComponent(props.mapping!.id)}`, value) : await api('POST', '/mappings', value);
      setProblems([]);
      props.onDone(saved?.id);
    } catch (e) {
      if (e instanceof ApiError && e.problem?.errors?.length) {
        setProblems(e.problem.errors.map((p) => ({ pointer: p.source?.pointer, line: lineOf(YAML, text, p.source?.pointer), detail: p.detail })));
      } else {
        setProblems([{ detail: (e as Error).message }]);
      }
    } finally {
      setBusy(false);
    }
  };
  const bad = new Set(problems.map((p) => p.line).filter((l) => l !== undefined));
  const lineCount = (text ?? '').split('\n').length;
  return html`<section class="editor" data-testid="stub-editor">
    <header><b>${editing ? `Edit ${props.mapping!.name ?? props.mapping!.id}` : 'New stub'}</b>
      <span class="seg"><button class=${format === 'yaml' ? 'on' : ''} onClick=${() => switchFormat('yaml')}>YAML</button><button class=${format === 'json' ? 'on' : ''} onClick=${() => switchFormat('json')}>JSON</button></span>
    </header>
    <div class="code">
      <div class="gutter" aria-hidden="true">${Array.from({ length: lineCount }, (_, i) => html`<div class=${bad.has(i + 1) ? 'bad' : ''}>${i + 1}</div>`)}</div>
      <textarea spellcheck="false" data-testid="stub-text" disabled=${text === undefined} rows=${Math.max(12, lineCount + 1)} value=${text ?? 'loading…'} onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea>
    </div>
    ${problems.length ? html`<ul class="problems" data-testid="stub-problems">${problems.map((p) => html`<li>${p.line ? html`<b>line ${p.line}</b> ` : null}${p.pointer ? html`<code>${p.pointer}</code> ` : null}${p.detail}</li>`)}</ul>` : null}
    <footer>
      <button class="primary" disabled=${busy || !YAML} onClick=${save} data-testid="stub-save">${editing ? 'Apply' : 'Create'}</button>
      <button onClick=${() => props.onDone()}>Cancel</button>
      <span class="muted">Applied at once; "Save to files" writes it to the stubs folder.</span>
    </footer>
  </section>`;
}

export function StubsView(props: { version: number; active: boolean; seed?: string; onSeedUsed(): void }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [loadErrors, setLoadErrors] = useState<Array<{ formatted: string }>>([]);
  const [rules, setRules] = useState<Array<Record<string, any>>>([]);
  const [query, setQuery] = useState('');
  const [method, setMethod] = useState('');
  const [file, setFile] = useState('');
  const [tag, setTag] = useState('');
  const [editing, setEditing] = useState<{ mapping?: Mapping; seed?: string }>();
  const [message, setMessage] = useState<string>();
  const load = async () => {
    const [infos, mappings, counts, errors, chaos] = await Promise.all([
      api<{ stubs: StubInfo[] }>('GET', '/decoy/stubs'),
      api<{ mappings: Mapping[] }>('GET', '/mappings'),
      api<{ counts: Record<string, number> }>('GET', '/decoy/match-counts'),
      api<{ errors: Array<{ formatted: string }> }>('GET', '/decoy/load-errors').catch(() => ({ errors: [] })),
      api<{ rules: Array<Record<string, any>> }>('GET', '/decoy/chaos'),
    ]);
    const byId = new Map(mappings.mappings.map((m) => [m.id, m]));
    setRows(infos.stubs.map((info) => {
      const mapping = byId.get(info.id) ?? { id: info.id };
      return { info, mapping, method: mapping.request?.method ?? 'ANY', path: pathOf(mapping.request), tags: tagsOf(mapping), count: counts.counts[info.id] ?? 0 };
    }));
    setLoadErrors(errors.errors);
    setRules(chaos.rules);
  };
  // Reloaded while shown only: a busy server bumps the version every second.
  useEffect(() => {
    if (props.active) load().catch((e: Error) => setMessage(e.message));
  }, [props.version, props.active]);
  useEffect(() => {
    if (props.seed !== undefined) setEditing({ seed: props.seed });
  }, [props.seed]);
  const methods = useMemo(() => [...new Set(rows.map((r) => r.method))].sort(), [rows]);
  const files = useMemo(() => [...new Set(rows.map((r) => r.info.file ?? ''))].sort(), [rows]);
  const tags = useMemo(() => [...new Set(rows.flatMap((r) => r.tags))].sort(), [rows]);
  const shown = rows.filter((r) => (!method || r.method === method) && (!file || (r.info.file ?? '') === file) && (!tag || r.tags.includes(tag))
    && (!query || `${r.info.name ?? ''} ${r.info.id} ${r.path} ${r.info.explanation}`.toLowerCase().includes(query.toLowerCase())));
  const switchOf = (r: Row) => rules.find((rule) => JSON.stringify(rule.request) === JSON.stringify(r.mapping.request));
  const setSwitch = async (r: Row, key: string) => {
    const current = switchOf(r);
    if (current) await api('DELETE', `/decoy/chaos/${current.id}`);
    const chosen = FAULT_SWITCHES.find((f) => f.key === key);
    if (chosen) await api('POST', '/decoy/chaos', { request: r.mapping.request, ...chosen.action });
    await load();
  };
  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setMessage(done);
      await load();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  const saveAll = () => act(async () => {
    const r = await api<{ written?: string[] } | undefined>('POST', '/mappings/save');
    setMessage(r?.written?.length ? `Saved: ${r.written.join(', ')}` : 'Nothing to save');
  }, '');
  const clone = (m: Mapping) => {
    const { id: _i, uuid: _u, ...rest } = m;
    setEditing({ seed: JSON.stringify({ ...rest, name: `${m.name ?? 'stub'} (copy)` }) });
  };
  return html`<div class="stubs-view">
    ${loadErrors.length ? html`<div class="error" data-testid="load-errors"><b>Stub files with problems:</b><pre>${loadErrors.map((e) => e.formatted).join('\n')}</pre></div>` : null}
    <div class="toolbar">
      <input type="search" placeholder="search name, path, id" value=${query} onInput=${(e: Event) => setQuery((e.target as HTMLInputElement).value)} data-testid="stub-search" />
      <select value=${method} onChange=${(e: Event) => setMethod((e.target as HTMLSelectElement).value)} aria-label="method"><option value="">any method</option>${methods.map((m) => html`<option>${m}</option>`)}</select>
      <select value=${file} onChange=${(e: Event) => setFile((e.target as HTMLSelectElement).value)} aria-label="file"><option value="">any file</option>${files.map((f) => html`<option value=${f}>${f || '(API, unsaved)'}</option>`)}</select>
      ${tags.length ? html`<select value=${tag} onChange=${(e: Event) => setTag((e.target as HTMLSelectElement).value)} aria-label="tag"><option value="">any tag</option>${tags.map((t) => html`<option>${t}</option>`)}</select>` : null}
      <button class="primary" onClick=${() => setEditing({})} data-testid="stub-new">New stub</button>
      <button onClick=${saveAll} data-testid="stub-save-files">Save to files</button>
      <span class="muted">${shown.length} of ${rows.length}</span>
    </div>
    ${message ? html`<div class="note" data-testid="stub-message">${message}</div>` : null}
    ${editing ? html`<${StubEditor} key=${editing.mapping?.id ?? editing.seed ?? 'new'} mapping=${editing.mapping} seed=${editing.seed}
        onDone=${(id?: string) => { setEditing(undefined); props.onSeedUsed(); if (id) setMessage(`Stub ${id} applied`); void load(); }} />` : null}
    <table class="stubs" data-testid="stub-list">
      <thead><tr><th>method</th><th>path</th><th>name</th><th>file</th><th title="requests matched since start">matched</th><th>fault</th><th></th></tr></thead>
      <tbody>${shown.map((r) => html`<tr key=${r.info.id} data-testid="stub-row" data-stub-id=${r.info.id}>
        <td class="c-method">${r.method}</td>
        <td class="mono" title=${r.info.explanation}>${r.path}</td>
        <td>${r.info.name ?? html`<span class="muted">${r.info.id.slice(0, 8)}</span>`} ${r.tags.map((t) => html`<span class="tag">${t}</span>`)}
          <${ContractBadge} violations=${violationsOf(r.mapping)} /></td>
        <td class="mono">${r.info.file ? `${r.info.file}${r.info.line ? `:${r.info.line}` : ''}` : html`<span class="muted">${r.info.source}</span>`}${r.info.file && r.info.source !== 'file' ? html` <span class="tag warn">edited</span>` : null}</td>
        <td class="num" data-testid="stub-count">${r.count}</td>
        <td><select aria-label="fault switch" value=${FAULT_SWITCHES.find((f) => switchOf(r) && JSON.stringify({ ...f.action }) === JSON.stringify(pick(switchOf(r)!, Object.keys(f.action))))?.key ?? ''}
          onChange=${(e: Event) => void setSwitch(r, (e.target as HTMLSelectElement).value)}><option value="">off</option>${FAULT_SWITCHES.map((f) => html`<option value=${f.key}>${f.label}</option>`)}</select></td>
        <td class="actions"><button onClick=${() => setEditing({ mapping: r.mapping })}>Edit</button><button onClick=${() => clone(r.mapping)}>Clone</button>
          <button class="danger" onClick=${() => confirm(`Delete stub ${r.info.name ?? r.info.id}?`) && act(() => api('DELETE', `/mappings/${encodeURIComponent(r.info.id)}`), 'Deleted')}>Delete</button></td>
      </tr>`)}</tbody>
    </table>
  </div>`;
}

function pick(o: Record<string, any>, keys: string[]): Record<string, any> {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
