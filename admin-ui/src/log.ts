/**
 * The live request log: a virtualized list (only the rows in view are in the DOM, so ten thousand
 * entries scroll like ten), the traffic chart, and the detail of one request with its near-miss diff.
 */
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from './api';

// The server's own type: a type-only import costs nothing in the bundle.
export type { LiveEntry } from '../../src/admin/event-hub';
import type { LiveEntry } from '../../src/admin/event-hub';

const ROW = 28;
const OVERSCAN = 8;

function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function statusClass(e: LiveEntry): string {
  if (!e.matched && !e.proxiedTo) return 'unmatched';
  if (e.status === 0) return 's-none';
  return `s-${Math.floor(e.status / 100)}xx`;
}

/** Rows `items[i]` for the visible window only; `items` is newest first. */
function VirtualList(props: { items: LiveEntry[]; selected?: string; onOpen(e: LiveEntry): void }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  useEffect(() => {
    const el = box.current!;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const { items } = props;
  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const e = items[i]!;
    rows.push(html`<div key=${e.id} role="row" data-testid="log-row" data-id=${e.id} data-url=${e.url} data-status=${e.status}
        class=${`log-row ${statusClass(e)} ${props.selected === e.id ? 'selected' : ''}`} style=${`top:${i * ROW}px`} onClick=${() => props.onOpen(e)}>
      <span class="c-time">${clock(e.time)}</span>
      <span class="c-method">${e.method}</span>
      <span class="c-path" title=${e.url}>${e.url}${e.operation ? html` <b class="operation" data-testid="log-operation">${e.operation}</b>` : null}</span>
      <span class="c-status">${e.status || '—'}</span>
      <span class="c-dur">${e.durationMs} ms</span>
      <span class="c-stub">${e.stub ? e.stub.name ?? e.stub.id.slice(0, 8) : e.proxiedTo ? `proxied → ${e.proxiedTo}` : 'no match'}</span>
      <span class="c-fault" title=${e.faults?.join('; ') ?? ''}>${e.faults?.join('; ') ?? ''}</span>
    </div>`);
  }
  return html`<div class="log-box" ref=${box} data-testid="log-list" onScroll=${(ev: Event) => setScrollTop((ev.target as HTMLElement).scrollTop)}>
    <div class="log-inner" style=${`height:${items.length * ROW}px`}>${rows}</div>
  </div>`;
}

const CLASSES = ['2xx', '3xx', '4xx', '5xx', 'none'] as const;
const COLORS: Record<(typeof CLASSES)[number], string> = { '2xx': '#2f9e44', '3xx': '#1c7ed6', '4xx': '#f08c00', '5xx': '#e03131', none: '#862e9c' };
const SECONDS = 120;

/** Requests per second by status class, the last two minutes, as stacked bars on a canvas. */
export function TrafficChart(props: { entries: LiveEntry[]; version: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const counts = useRef(new Map<number, number[]>());
  const seen = useRef(new Set<string>());
  const [tick, setTick] = useState(0);
  useEffect(() => {
    api<{ endsAt: number; seconds: number; series: Record<string, number[]> }>('GET', `/decoy/traffic?seconds=${SECONDS}`).then((t) => {
      const end = t.endsAt / 1000;
      for (let i = 0; i < t.seconds; i++) {
        const second = end - (t.seconds - 1 - i);
        const row = CLASSES.map((c) => t.series[c]?.[i] ?? 0);
        if (row.some((n) => n > 0)) counts.current.set(second, row);
      }
      setTick((n) => n + 1);
    }, () => undefined);
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  // Count what arrived since the last draw (entries are newest first; stop at the first one seen).
  for (const e of props.entries) {
    if (seen.current.has(e.id)) break;
    seen.current.add(e.id);
    const second = Math.floor(e.time / 1000);
    const row = counts.current.get(second) ?? [0, 0, 0, 0, 0];
    const k = e.status === 0 ? 4 : Math.min(3, Math.max(0, Math.floor(e.status / 100) - 2));
    row[k]! += 1;
    counts.current.set(second, row);
  }
  if (seen.current.size > 20_000) seen.current = new Set(props.entries.slice(0, 10_000).map((e) => e.id));
  useEffect(() => {
    const c = canvas.current!;
    const ctx = c.getContext('2d')!;
    const w = c.width;
    const h = c.height;
    ctx.clearRect(0, 0, w, h);
    const now = Math.floor(Date.now() / 1000);
    for (const second of counts.current.keys()) if (second < now - SECONDS) counts.current.delete(second);
    let max = 1;
    for (const row of counts.current.values()) max = Math.max(max, row.reduce((a, b) => a + b, 0));
    const barW = w / SECONDS;
    for (let i = 0; i < SECONDS; i++) {
      const row = counts.current.get(now - (SECONDS - 1 - i));
      if (!row) continue;
      let y = h;
      row.forEach((n, k) => {
        if (n === 0) return;
        const bh = (n / max) * (h - 12);
        ctx.fillStyle = COLORS[CLASSES[k]!];
        ctx.fillRect(i * barW, y - bh, Math.max(1, barW - 1), bh);
        y -= bh;
      });
    }
    ctx.fillStyle = '#868e96';
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillText(`max ${max}/s`, 4, 10);
  }, [tick, props.version]);
  return html`<div class="chart">
    <canvas ref=${canvas} width="720" height="90" data-testid="traffic-chart" aria-label="requests per second by status, last two minutes"></canvas>
    <div class="legend">${CLASSES.map((c) => html`<span><i style=${`background:${COLORS[c]}`}></i>${c === 'none' ? 'no response' : c}</span>`)}
      <span class="muted">requests/s, last 2 min</span></div>
  </div>`;
}

interface NearMissAnswer {
  nearMisses: Array<{ stub: { id: string; name?: string; file?: string }; distance: number; fields: Array<{ label: string; expected: string; actual: string; matched: boolean; detail?: string }> }>;
  suggestion: string;
}

function Headers(props: { headers?: Record<string, string | string[]> }) {
  const entries = Object.entries(props.headers ?? {});
  if (entries.length === 0) return html`<div class="muted">no headers</div>`;
  return html`<table class="kv">${entries.map(([k, v]) => html`<tr><th>${k}</th><td>${Array.isArray(v) ? v.join(', ') : v}</td></tr>`)}</table>`;
}

function Body(props: { body?: string; base64?: string }) {
  if (!props.body && !props.base64) return html`<div class="muted">no body</div>`;
  let text = props.body ?? `(binary, ${Math.round(((props.base64?.length ?? 0) * 3) / 4)} bytes)`;
  try {
    if (props.body && /^\s*[[{]/.test(props.body)) text = JSON.stringify(JSON.parse(props.body), null, 2);
  } catch { /* shown as sent */ }
  return html`<pre class="body">${text}</pre>`;
}

/** What the UI shows of one webhook attempt (the API's `WebhookAttempt`). */
interface WebhookAttempt {
  method: string; url: string; headers: Record<string, string[]>; body: string; bodyAsBase64: string;
  outcome: string; status?: number; error?: string; attempt: number; copy: number; sentAt: string; durationMs: number; faults: string[];
}

/**
 * The callbacks a request's stub made, beside it: fetched when the detail opens and again each second
 * while it stays open (callbacks come after the response, some after a long delay or retries).
 */
function Webhooks(props: { requestId: string }) {
  const [attempts, setAttempts] = useState<WebhookAttempt[]>([]);
  useEffect(() => {
    let live = true;
    const load = () => api<{ webhooks: WebhookAttempt[] }>('GET', `/decoy/webhooks?requestId=${encodeURIComponent(props.requestId)}`)
      .then((r) => { if (live) setAttempts(r.webhooks); }, () => undefined);
    void load();
    const timer = setInterval(load, 1000);
    return () => { live = false; clearInterval(timer); };
  }, [props.requestId]);
  if (attempts.length === 0) return null;
  return html`<section data-testid="webhooks"><h3>Webhooks</h3>
    ${attempts.map((a) => html`<details data-testid="webhook-attempt" data-outcome=${a.outcome}>
      <summary><b>${a.method} ${a.url}</b> · ${a.status ?? a.error ?? a.outcome} · ${a.outcome}${a.attempt > 1 ? ` · attempt ${a.attempt}` : ''}${a.copy > 1 ? ` · delivery ${a.copy}` : ''} · ${a.durationMs} ms</summary>
      <div class="muted">${a.sentAt}${a.faults.length > 0 ? ` · ${a.faults.join('; ')}` : ''}</div>
      <${Headers} headers=${a.headers} /><${Body} body=${a.body} base64=${a.bodyAsBase64} />
    </details>`)}
  </section>`;
}

/** One request and its response; for an unmatched request, the near-miss diff against the closest stubs. */
/** The near-miss report an unmatched request got: the journal keeps it as WireMock's REQUEST_NOT_MATCHED sub-event. */
function notMatchedReport(event: { subEvents?: Array<{ type: string; data?: { report?: string } }> }): string | undefined {
  return event.subEvents?.find((s) => s.type === 'REQUEST_NOT_MATCHED')?.data?.report;
}

export function RequestDetail(props: { entry: LiveEntry; onClose(): void; onSuggest(yaml: string): void }) {
  const { entry } = props;
  const [event, setEvent] = useState<any>();
  const [misses, setMisses] = useState<NearMissAnswer>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setEvent(undefined);
    setMisses(undefined);
    setError(undefined);
    api('GET', `/requests/${entry.id}`).then(setEvent, (e: Error) => setError(`${e.message} (the journal may have dropped it, or it is off)`));
    if (!entry.matched && !entry.proxiedTo) api<NearMissAnswer>('GET', `/decoy/requests/${entry.id}/near-misses`).then(setMisses, () => undefined);
  }, [entry.id]);
  const closest = misses?.nearMisses[0];
  return html`<aside class="detail" data-testid="request-detail">
    <header><b>${entry.method} ${entry.url}</b> <span class=${`badge ${statusClass(entry)}`}>${entry.status || 'no response'}</span>
      <button class="link" onClick=${props.onClose} aria-label="close">✕</button></header>
    <div class="muted">${new Date(entry.time).toISOString()} · ${entry.durationMs} ms · ${entry.stub ? `stub ${entry.stub.name ?? entry.stub.id}` : entry.proxiedTo ? `proxied to ${entry.proxiedTo}` : 'no stub matched'}</div>
    ${entry.faults ? html`<div class="faults">Applied: ${entry.faults.join('; ')}</div>` : null}
    ${!entry.matched && !entry.proxiedTo ? html`<section data-testid="near-miss">
      <h3>Near misses</h3>
      ${misses === undefined ? html`<div class="muted">working out the closest stubs…</div>`
        : closest === undefined ? html`<div class="muted">no stubs are loaded</div>`
        : html`<div>Closest: <b>${closest.stub.name ?? closest.stub.id}</b> ${closest.stub.file ? html`<span class="muted">(${closest.stub.file})</span>` : null}</div>
        <table class="diff" data-testid="near-miss-diff">
          <tr><th></th><th>stub expects</th><th>request has</th></tr>
          ${closest.fields.map((f) => html`<tr class=${f.matched ? 'ok' : 'miss'}><th>${f.label}</th><td>${f.expected}</td><td>${f.actual}${f.matched ? '' : html` <b class="marker">✗ ${f.detail ?? 'does not match'}</b>`}</td></tr>`)}
        </table>
        ${misses.nearMisses.length > 1 ? html`<div class="muted">Also close: ${misses.nearMisses.slice(1).map((m) => `${m.stub.name ?? m.stub.id} (differs in ${m.fields.filter((f) => !f.matched).map((f) => f.label).join(', ') || 'scenario state'})`).join('; ')}</div>` : null}`}
      ${misses ? html`<details><summary>A stub that would match</summary><pre class="body">${misses.suggestion}</pre>
        <button onClick=${() => props.onSuggest(misses.suggestion)}>Create this stub</button></details>` : null}
    </section>` : null}
    ${error ? html`<div class="error">${error}</div>` : null}
    ${event ? html`<section><h3>Request</h3><${Headers} headers=${event.request.headers} /><${Body} body=${event.request.body} base64=${event.request.bodyAsBase64} /></section>
      <section><h3>Response</h3>${event.response?.status !== undefined ? html`<div>Status ${event.response.status}</div><${Headers} headers=${event.response.headers} /><${Body} body=${event.response.body || notMatchedReport(event)} base64=${event.response.bodyAsBase64} />` : html`<div class="muted">no response was sent (a fault, or the connection was cut)</div>`}</section>` : null}
    ${entry.stub ? html`<${Webhooks} requestId=${entry.id} />` : null}
  </aside>`;
}

export function LogView(props: { entries: LiveEntry[]; version: number; onSuggest(yaml: string): void; onClear(): void }) {
  const [query, setQuery] = useState('');
  const [onlyUnmatched, setOnlyUnmatched] = useState(false);
  const [open, setOpen] = useState<LiveEntry>();
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q && !onlyUnmatched) return props.entries;
    return props.entries.filter((e) => (!onlyUnmatched || (!e.matched && !e.proxiedTo))
      && (!q || `${e.method} ${e.url} ${e.operation ?? ''} ${e.status} ${e.stub?.name ?? ''}`.toLowerCase().includes(q)));
  }, [props.version, query, onlyUnmatched]);
  return html`<div class="log-view">
    <${TrafficChart} entries=${props.entries} version=${props.version} />
    <div class="toolbar">
      <input type="search" placeholder="filter: method, path, operation, status, stub" value=${query} onInput=${(e: Event) => setQuery((e.target as HTMLInputElement).value)} />
      <label><input type="checkbox" checked=${onlyUnmatched} data-testid="only-unmatched" onChange=${(e: Event) => setOnlyUnmatched((e.target as HTMLInputElement).checked)} /> unmatched only</label>
      <span class="muted" data-testid="log-count">${shown.length} of ${props.entries.length}</span>
      <button onClick=${props.onClear}>Clear journal</button>
    </div>
    <div class="split">
      <div class="log-col">
        <div class="log-head"><span class="c-time">time</span><span class="c-method">method</span><span class="c-path">path</span><span class="c-status">status</span><span class="c-dur">duration</span><span class="c-stub">stub</span><span class="c-fault">fault</span></div>
        <${VirtualList} items=${shown} selected=${open?.id} onOpen=${setOpen} />
      </div>
      ${open ? html`<${RequestDetail} entry=${open} onClose=${() => setOpen(undefined)} onSuggest=${props.onSuggest} />` : null}
    </div>
  </div>`;
}
