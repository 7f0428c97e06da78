/**
 * Decoy's web admin UI: stubs, the live request log, chaos and recording, on one page. It talks only
 * to the admin API of the server that serves it.
 */
import { html, render } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { adminBase, api, follow, namespaces, onTokenNeeded, services, setAdminBase, setNamespace, type Service, type StreamState } from './api';
import { ChaosView, RecordingView } from './chaos';
import { LogView, type LiveEntry } from './log';
import { ResourcesView } from './resources';
import { StubsView } from './stubs';
import './styles.css';

/** The log keeps this many rows in the browser (the journal's default size). */
const MAX_ROWS = 10_000;
const TABS = ['Stubs', 'Live log', 'Chaos', 'Resources', 'Recording'] as const;
type Tab = (typeof TABS)[number];

function TokenDialog(props: { message: string; onToken(t: string): void }) {
  const [value, setValue] = useState('');
  return html`<div class="modal"><form class="dialog" data-testid="token-dialog" onSubmit=${(e: Event) => { e.preventDefault(); if (value) props.onToken(value); }}>
    <label>${props.message}<input type="password" autofocus value=${value} onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} /></label>
    <button class="primary" type="submit">Use token</button>
    <div class="muted">Kept for this tab only (sessionStorage).</div>
  </form></div>`;
}

function Admin(props: { base: string; namespace: string | undefined }) {
  const [tab, setTab] = useState<Tab>(() => (TABS as readonly string[]).includes(decodeURIComponent(location.hash.slice(1))) ? decodeURIComponent(location.hash.slice(1)) as Tab : 'Stubs');
  const [stream, setStream] = useState<StreamState>('connecting');
  // Newest first; mutated in place and redrawn at most once a frame, so a burst of requests costs one render.
  const entries = useRef<LiveEntry[]>([]);
  // Ids of the rows that arrived since the stream (re)connected, until the journal's rows are merged in.
  const arrived = useRef<Set<string> | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const [stubsVersion, setStubsVersion] = useState(0);
  const [seed, setSeed] = useState<string>();
  const frame = useRef(0);
  const countsTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const redraw = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setVersion((v) => v + 1);
    });
  };
  useEffect(() => {
    const live = follow((type, data) => {
      if (type === 'served' && (data as LiveEntry).namespace !== props.namespace) {
        // The live stream carries every namespace's requests: this view shows one namespace's (the picker's).
      } else if (type === 'served') {
        const list = entries.current;
        list.unshift(data as LiveEntry);
        arrived.current?.add((data as LiveEntry).id);
        if (list.length > MAX_ROWS) list.length = MAX_ROWS;
        redraw();
        // Match counts and chaos hits moved: the views reload at most once a second however busy the server is.
        if (!countsTimer.current) {
          countsTimer.current = setTimeout(() => {
            countsTimer.current = undefined;
            setStubsVersion((v) => v + 1);
          }, 1000);
        }
      } else if (type === 'stubs-changed') {
        setStubsVersion((v) => v + 1);
      } else if (type === 'ready') {
        // (Re)connected: the journal is what happened before (rows it no longer holds, cleared or
        // evicted while this tab was away, go), then whatever arrived since, newest first, without duplicates.
        const since = new Set<string>();
        arrived.current = since;
        api<{ entries: LiveEntry[] }>('GET', `/decoy/log?limit=${MAX_ROWS}`).then((log) => {
          const known = new Set(log.entries.map((e) => e.id));
          const newer = entries.current.filter((e) => since.has(e.id) && !known.has(e.id));
          entries.current = [...newer, ...log.entries.reverse()].slice(0, MAX_ROWS);
          if (arrived.current === since) arrived.current = undefined;
          redraw();
        }, () => undefined);
      }
    }, setStream);
    return () => live.stop();
  }, []);
  const go = (t: Tab) => {
    setTab(t);
    history.replaceState(null, '', `#${encodeURIComponent(t)}`);
  };
  const clear = () => api('DELETE', '/requests').then(() => { entries.current = []; redraw(); });
  return html`<div class="admin">
    <nav class="tabs">${TABS.map((t) => html`<button class=${t === tab ? 'on' : ''} onClick=${() => go(t)} data-testid=${`tab-${t.replace(' ', '-').toLowerCase()}`}>${t}</button>`)}
      <span class=${`live ${stream}`} data-testid="stream-state" data-state=${stream} title="live event stream">${stream === 'live' ? '● live' : stream}</span></nav>
    <main>
      <div hidden=${tab !== 'Stubs'}><${StubsView} version=${stubsVersion} active=${tab === 'Stubs'} seed=${seed} onSeedUsed=${() => setSeed(undefined)} /></div>
      <div hidden=${tab !== 'Live log'}><${LogView} entries=${entries.current} version=${version} onClear=${clear} onSuggest=${(y: string) => { setSeed(y); go('Stubs'); }} /></div>
      <div hidden=${tab !== 'Chaos'}><${ChaosView} version=${stubsVersion} active=${tab === 'Chaos'} /></div>
      <div hidden=${tab !== 'Resources'}><${ResourcesView} version=${stubsVersion} active=${tab === 'Resources'} /></div>
      <div hidden=${tab !== 'Recording'}><${RecordingView} entries=${entries.current} version=${version} /></div>
    </main>
  </div>`;
}

/** The port of `http://host:port` as `location.port` writes it ('' for the scheme's default). */
function portOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).port;
  } catch {
    return undefined;
  }
}

function App() {
  const [list, setList] = useState<Service[]>();
  const [base, setBase] = useState(adminBase());
  const [names, setNames] = useState<string[]>([]);
  const [namespace, setPicked] = useState<string | undefined>();
  const pickNamespace = (n: string) => {
    const picked = n === '' ? undefined : n;
    setNamespace(picked);
    setPicked(picked);
  };
  const [prompt, setPrompt] = useState<{ message: string; resolve(t: string): void }>();
  useEffect(() => {
    onTokenNeeded((message) => new Promise((resolve) => setPrompt({ message, resolve })));
    void services().then((found) => {
      // /__admin is the admin API of whichever service owns this port: start on that service's entry
      // (each entry's adminBase works on every port), the main one on the separate admin port.
      if (found.length > 1) {
        const here = found.find((s) => portOf(s.url) === location.port || portOf(s.httpsUrl) === location.port) ?? found[0]!;
        pick(here.adminBase);
      }
      setList(found);
    });
    void namespaces().then(setNames);
  }, []);
  const pick = (b: string) => {
    setAdminBase(b);
    setBase(b);
  };
  return html`<div class="page">
    <header class="top"><h1>Decoy</h1>
      ${list && list.length > 1 ? html`<label class="service">service <select value=${base} onChange=${(e: Event) => pick((e.target as HTMLSelectElement).value)} data-testid="service-picker">
        ${list.map((s) => html`<option value=${s.adminBase}>${s.name}${s.port ? ` (:${s.port})` : ''}</option>`)}</select></label>` : null}
      <label class="service">namespace <select value=${namespace ?? ''} onFocus=${() => void namespaces().then(setNames)} onChange=${(e: Event) => pickNamespace((e.target as HTMLSelectElement).value)} data-testid="namespace-picker">
        <option value="">(default)</option>${[...new Set([...names, ...(namespace ? [namespace] : [])])].map((n) => html`<option value=${n}>${n}</option>`)}</select></label>
      <span class="muted">${base}</span></header>
    ${list === undefined ? html`<div class="muted">loading…</div>` : html`<${Admin} key=${`${base} ${namespace ?? ''}`} base=${base} namespace=${namespace} />`}
    ${prompt ? html`<${TokenDialog} message=${prompt.message} onToken=${(t: string) => { setPrompt(undefined); prompt.resolve(t); }} />` : null}
  </div>`;
}

render(html`<${App} />`, document.getElementById('app')!);
