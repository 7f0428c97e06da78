/**
 * Resources: the collections the stubs serve (docs/guides/stateful-mocks.md), how many items each holds,
 * and one resource's items; reset one to its seed or empty it.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';

interface Resource { name: string; idField: string; items: number; maxItems: number }

/** The admin path segment of a resource: its path without the first slash, as one segment. */
const segment = (name: string) => encodeURIComponent(name.replace(/^\//, ''));

export function ResourcesView(props: { version: number; active: boolean }) {
  const [resources, setResources] = useState<Resource[]>([]);
  const [chosen, setChosen] = useState<string>();
  const [items, setItems] = useState<unknown[]>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!props.active) return;
    api<{ resources: Resource[] }>('GET', '/decoy/resources').then((r) => {
      setResources(r.resources);
      const name = chosen ?? r.resources[0]?.name;
      setChosen(name);
      if (name !== undefined) return api<{ items: unknown[] }>('GET', `/decoy/resources/${segment(name)}/items`).then((i) => setItems(i.items));
      setItems(undefined);
      return undefined;
    }).then(() => setError(undefined), (e: Error) => setError(e.message));
  }, [props.version, props.active, chosen, tick]);
  const run = (p: Promise<unknown>) => p.then(() => setTick((t) => t + 1), (e: Error) => setError(e.message));
  return html`<div class="chaos-view" data-testid="resources-view">
    <h2>Resources</h2>
    <p class="muted">Collections declared with <code>resource:</code> in a stub file: what clients created, changed and deleted. A reset puts a resource back to its seed.</p>
    ${error ? html`<div class="error">${error}</div>` : null}
    ${resources.length === 0 ? html`<div class="muted">No stub file declares a resource.</div>` : html`<table class="rules" data-testid="resources">
      <thead><tr><th>resource</th><th class="num">items</th><th class="num">at most</th><th></th></tr></thead>
      <tbody>${resources.map((r) => html`<tr class=${r.name === chosen ? 'on' : ''} data-testid="resource-row">
        <td class="mono"><a href="#Resources" onClick=${(e: Event) => { e.preventDefault(); setChosen(r.name); }}>${r.name}</a></td>
        <td class="num" data-testid="resource-count">${r.items}</td><td class="num">${r.maxItems}</td>
        <td><button onClick=${() => run(api('POST', `/decoy/resources/${segment(r.name)}/reset`))} data-testid="resource-reset">Reset to seed</button>
          <button class="danger" onClick=${() => run(api('DELETE', `/decoy/resources/${segment(r.name)}/items`))} data-testid="resource-clear">Empty</button></td></tr>`)}</tbody></table>`}
    ${chosen && items ? html`<h3>${chosen}</h3><pre class="mono" data-testid="resource-items">${JSON.stringify(items, null, 2)}</pre>` : null}
  </div>`;
}
