/**
 * What the namespace tests share: stub files with a resource, a scenario and a sequence, and a request
 * as a test run sends it (in its namespace when it has one).
 */
export const SHARED_STUBS = {
  'orders.yaml': `
resource: /orders
ids: sequential
seed: orders-seed.yaml
`,
  '__files/orders-seed.yaml': `
- { id: 1, customer: ada, total: 10 }
`,
  'shared.json': JSON.stringify({
    mappings: [
      { request: { method: 'GET', url: '/shared' }, response: { status: 200, body: 'from the file' } },
      { request: { method: 'GET', url: '/cart' }, scenarioName: 'cart', requiredScenarioState: 'Started', response: { status: 200, body: 'empty' } },
      { request: { method: 'POST', url: '/cart' }, scenarioName: 'cart', newScenarioState: 'Full', response: { status: 201 } },
      { request: { method: 'GET', url: '/cart' }, scenarioName: 'cart', requiredScenarioState: 'Full', response: { status: 200, body: 'full' } },
      { request: { method: 'GET', url: '/retry' }, responses: [{ status: 503 }, { status: 200, body: 'recovered' }] },
    ],
  }),
};

export interface Answer { status: number; text: string; json: unknown }

/** A request as a test run sends it: in its namespace (by header) when it has one. */
export async function send(base: string, method: string, path: string, options: { namespace?: string; header?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.namespace !== undefined) headers[options.header ?? 'X-Decoy-Namespace'] = options.namespace;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, text, json };
}
