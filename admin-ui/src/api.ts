/**
 * Talking to the admin API: the admin base (the main service's `/__admin`, or another service's when
 * several are listed), the admin token, JSON calls, and the live event stream.
 *
 * The token is asked for once, when a call first answers 401, and kept in sessionStorage for the tab.
 * The event stream is read with fetch rather than EventSource, because EventSource cannot send an
 * Authorization header; putting the token in the URL instead would leave it in logs and history.
 */

const TOKEN_KEY = 'decoy-admin-token';

/** One service of the process, as `GET /__admin/decoy/services` lists it (the server's own type). */
export type { ServiceInfo as Service } from '../../src/services/service-admin';
import type { ServiceInfo as Service } from '../../src/services/service-admin';

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem | undefined, message: string) {
    super(message);
  }
}

/** An RFC 7807 problem as the admin API answers it. */
export interface Problem {
  title?: string;
  detail?: string;
  errors?: Array<{ source?: { pointer?: string }; detail: string; title?: string }>;
}

let base = '/__admin';
/** The namespace the views show (docs/guides/stateful-mocks.md), sent as X-Decoy-Namespace; none: the default one. */
let namespace: string | undefined;
/** The header that names it (`--namespace-header`), as the namespace list says. */
let namespaceHeader = 'X-Decoy-Namespace';
/** Asks the person for the token; set by the UI. */
let promptToken: (message: string) => Promise<string> = async () => {
  throw new Error('no token prompt');
};
let pendingPrompt: Promise<string> | undefined;

export function adminBase(): string {
  return base;
}

export function setAdminBase(b: string): void {
  base = b;
}

export function setNamespace(n: string | undefined): void {
  namespace = n;
}

/** The namespace header of the calls the views make (the namespace picker's choice). */
function namespaceHeaders(): Record<string, string> {
  return namespace === undefined ? {} : { [namespaceHeader]: namespace };
}

/** The namespaces of this Decoy, by name (none when it does not list them). */
export async function namespaces(): Promise<string[]> {
  try {
    const answer = await api<{ namespaces?: Array<{ name: string }>; header?: string }>('GET', '/decoy/namespaces');
    if (typeof answer?.header === 'string') namespaceHeader = answer.header;
    return Array.isArray(answer?.namespaces) ? answer.namespaces.map((n) => n.name) : [];
  } catch {
    return [];
  }
}

export function onTokenNeeded(prompt: (message: string) => Promise<string>): void {
  promptToken = prompt;
}

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

/** One prompt at a time, however many calls were refused at once. */
async function askToken(wrong: boolean): Promise<void> {
  pendingPrompt ??= promptToken(wrong ? 'That token was refused. Admin token:' : 'This Decoy needs an admin token:').finally(() => {
    pendingPrompt = undefined;
  });
  sessionStorage.setItem(TOKEN_KEY, await pendingPrompt);
}

/** fetch with the token; a 401 asks for the token and tries again. */
async function authorized(url: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...authHeaders() } });
    if (res.status !== 401 || attempt > 5) return res;
    await askToken(token() !== null);
  }
}

/** Calls the admin API at the current base; answers the parsed JSON (or text), throws ApiError for 4xx/5xx. */
export async function api<T = any>(method: string, path: string, body?: unknown, opts: { root?: boolean } = {}): Promise<T> {
  // The richer RFC 9457 document (title, detail) is sent only to clients that ask for it.
  const init: RequestInit = { method, headers: { Accept: 'application/problem+json, application/json', ...(opts.root ? {} : namespaceHeaders()) } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { ...(init.headers as Record<string, string>), 'Content-Type': 'application/json' };
  }
  const res = await authorized(`${opts.root ? '/__admin' : base}${path}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  if (!res.ok) {
    const problem = typeof json === 'object' && json !== null ? (json as Problem) : undefined;
    const why = problem?.errors?.map((e) => e.detail).join('; ') || problem?.detail || problem?.title || text || res.statusText;
    throw new ApiError(res.status, problem, `${method} ${path}: ${res.status} ${why}`);
  }
  return json as T;
}

/** The services this Decoy runs (when it lists them), else none. */
export async function services(): Promise<Service[]> {
  try {
    const answer = await api<{ services?: Service[] }>('GET', '/decoy/services', undefined, { root: true });
    return Array.isArray(answer?.services) ? answer.services : [];
  } catch {
    return [];
  }
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows `/decoy/events` (server-sent events) until `stop()`: parses each event and hands it over;
 * reconnects after a drop. `onLive` runs each time the subscription is live (to reload what was missed).
 */
export function follow(onEvent: (type: string, data: any) => void, onState: (s: StreamState) => void): { stop(): void } {
  let stopped = false;
  let controller: AbortController | undefined;
  const run = async () => {
    while (!stopped) {
      onState('connecting');
      controller = new AbortController();
      try {
        const res = await authorized(`${base}/decoy/events`, { signal: controller.signal, headers: { Accept: 'text/event-stream' } });
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) type = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length === 0) continue;
            if (type === 'ready') onState('live');
            onEvent(type, JSON.parse(data.join('\n')));
          }
        }
      } catch {
        // dropped, refused or stopped: try again below
      }
      if (stopped) return;
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, 1500));
    }
  };
  void run();
  return {
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}
