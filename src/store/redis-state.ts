/**
 * The Redis State adapter: replicas of Decoy behind a load balancer share one Redis and behave as one
 * Decoy (`--store redis://host:port/db`).
 *
 * Reads on the hot path stay local. Each replica keeps its own copy of the scenario states, chaos rules,
 * settings, the recording in progress and the fleet's journal, and Redis pushes every change to every
 * copy over one pub/sub channel. Only operations that must be atomic for the fleet (a scenario's
 * compare-and-set, a counter's increment) wait for Redis: one round trip, a Lua script or an INCR.
 *
 * Versions: every scenario change takes a number from one Redis counter, inside the script that makes it,
 * and a replica applies a change only when it is newer than what it holds. A command's answer and a
 * message arrive on two connections in either order; the numbers put them back in order.
 *
 * The journal: each replica keeps the fleet's journal in a local ring (the same bound as Redis's list).
 * Its own events go in at once and to Redis in batches, every few milliseconds, off the hot path; each
 * batch is published on the replica's own journal feed (a channel of its own), which the other replicas
 * follow and this one does not: a replica never reads its own batches back, which would cost it as much
 * again as writing them. Replicas announce themselves (a hash of the replicas and a `hello` on the changes
 * channel) when they join and every few minutes while they write; the others follow a feed when they hear
 * of it and read the journal's tail once, for a batch published before they followed.
 *
 * When Redis goes away, every operation falls back to the local copy (a scenario advances, a counter
 * counts, on this replica alone), the loss is logged once and shown by `health()`, the client reconnects
 * with backoff, and on reconnection the replica reads the shared state again (Redis wins) and writes the
 * journal events it kept meanwhile.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { createRedisConnection, parseStoreUrl, safeUrl, type StoreTopology } from './redis-connection.js';
import { DecoyError } from '../core/errors.js';
import { Journal } from '../core/state/journal.js';
import { ServeEvent, type JournalResponse } from '../core/state/serve-event.js';
import { STARTED } from '../core/state/scenarios.js';
import { MAX_RECORDED_EXCHANGES, MemoryResources } from '../core/state/memory-state.js';
import type {
  ChaosRuleStore, CounterStore, InsertOutcome, JournalStore, RecordingState, RecordingStore, ResourceCollection, ResourceItem, ResourceStore,
  ScenarioStore, SettingsStore, SharedStubStore,
  State, StateChange, StoreHealth, StoredChaosRule, StubChange,
} from '../core/state/state.js';
import type { Stub } from '../core/stub.js';
import type { AppliedFault } from '../core/faults/fault.js';

export interface RedisStateOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Prefix of every key and of the channel: fleets with different prefixes share one Redis without meeting. Default `decoy`. */
  prefix?: string;
  /** Start alone when Redis is unreachable, and join once it answers. Default false: a start-up error. */
  optional?: boolean;
  /** The fleet's journal bound (each replica's copy and Redis's list). 0: no journal. Default 10,000. */
  journalSize?: number;
  /** The clock for chaos rule expiry. */
  now?: () => number;
  /** The stub of a given id, for events another replica served (journal entries keep the stub's id). */
  resolveStub?: (id: string) => Stub | undefined;
  /** How often this replica's journal events are written to Redis, in ms. Default 10. */
  flushMs?: number;
  /** How long the first connection may take before start-up fails (or, optional, goes on alone), in ms. Default 3000. */
  connectTimeoutMs?: number;
  logger?: { info(message: string): void; warn(message: string): void };
  /** The namespace this state is of (its keys are under `namespaceKeyScope(name)`); none: the default one. */
  namespace?: string;
}

type Client = RedisClientType;
type Multi = ReturnType<Client['multi']>;

export { safeUrl };

/**
 * The one name of every key (and of the channel) a fleet uses: `{prefix}:name`, or `{prefix}:ns:<namespace>:name`
 * for a namespace's. The braces are Redis Cluster's hash tag: every key of one fleet is in one slot, so a
 * script or a transaction may touch any of them, on one node, and the fleet's sharded channel lives there too.
 */
export function storeKey(prefix: string, name: string, namespace?: string): string {
  return `{${prefix}}:${namespace === undefined ? '' : namespaceKeyScope(namespace)}${name}`;
}

/** Where a namespace's keys are, after the fleet's prefix: `{<prefix>}:ns:<name>:<key>`. */
export function namespaceKeyScope(name: string): string {
  return `ns:${name}:`;
}

/** The most events written to Redis in one command. */
const BATCH = 500;
/** A replica announces itself again before a journal batch when its last announcement is older than this. */
const ANNOUNCE_MS = 5 * 60_000;
/** A replica not announced for this long is gone (killed): a joining replica does not follow it, and forgets it. */
const FORGET_REPLICA_MS = 3 * ANNOUNCE_MS;

// ---- Lua scripts: each runs atomically in Redis, and publishes its change in the same step ----

/** KEYS: scenarios hash, version counter. ARGV: name, expected, next, channel, origin. → {moved 0/1, state, version}. */
const CAS = `
local cur = redis.call('HGET', KEYS[1], ARGV[1]) or '${STARTED}'
if cur ~= ARGV[2] then return {0, cur, tonumber(redis.call('GET', KEYS[2]) or '0')} end
local v = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], cjson.encode({o = ARGV[5], k = 'scenario', name = ARGV[1], state = ARGV[3], v = v}))
return {1, ARGV[3], v}`;

/** KEYS: scenarios hash, version counter. ARGV: name, state, channel, origin. → version. */
const SET_SCENARIO = `
local v = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], cjson.encode({o = ARGV[4], k = 'scenario', name = ARGV[1], state = ARGV[2], v = v}))
return v`;

/** KEYS: scenarios hash, version counter. ARGV: channel, origin, name (none: every scenario). → version. */
const RESET_SCENARIOS = `
local v = redis.call('INCR', KEYS[2])
if ARGV[3] then redis.call('HDEL', KEYS[1], ARGV[3]) else redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', ARGV[1], cjson.encode({o = ARGV[2], k = 'scenarios-reset', name = ARGV[3], v = v}))
return v`;

/**
 * KEYS: a hash, version counter. ARGV: channel, the message up to its version (`{...,"v":`), then field,
 * value pairs (stored as "version value"). The message ends with the version the script took. → version.
 */
const PUT_ORDERED = `
local v = redis.call('INCR', KEYS[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], v .. ' ' .. ARGV[i + 1]) end
redis.call('PUBLISH', ARGV[1], ARGV[2] .. v .. '}')
return v`;

/** KEYS: stubs hash, removed-all flag, version counter. ARGV: channel, message up to its version, '1' to set the flag. */
const CLEAR_STUBS = `
local v = redis.call('INCR', KEYS[3])
redis.call('DEL', KEYS[1])
if ARGV[3] == '1' then redis.call('SET', KEYS[2], '1') else redis.call('DEL', KEYS[2]) end
redis.call('PUBLISH', ARGV[1], ARGV[2] .. v .. '}')
return v`;

/** KEYS: scenarios hash, version counter. ARGV: name. → {state or false, version}: one command, one round trip. */
const READ_SCENARIO = `
return {redis.call('HGET', KEYS[1], ARGV[1]), tonumber(redis.call('GET', KEYS[2]) or '0')}`;

/**
 * KEYS: journal list, the batch's marker. ARGV: channel, the message's start, bound, the batch: its entries
 * (events as JSON) one per line (JSON has no raw line break). The message is the start, the entries joined by
 * commas, and "]}": the entries cross the wire once, as one argument. A batch sent again
 * (its answer was lost with the connection, but Redis had run it) is not written twice.
 */
const APPEND_JOURNAL = `
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', 600000) then return 0 end
local entries = {}
for entry in string.gmatch(ARGV[4], '[^\\n]+') do entries[#entries + 1] = entry end
for i = 1, #entries, 1000 do redis.call('RPUSH', KEYS[1], unpack(entries, i, math.min(i + 999, #entries))) end
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('PUBLISH', ARGV[1], ARGV[2] .. table.concat(entries, ',') .. ']}')
return 1`;

/** KEYS: journal list. ARGV: channel, message, ids... (an entry is JSON that starts with {"id":"<36-character id>"). */
const REMOVE_JOURNAL = `
local ids = {}
for i = 3, #ARGV do ids[ARGV[i]] = true end
local all = redis.call('LRANGE', KEYS[1], 0, -1)
local kept = {}
for _, e in ipairs(all) do
  if not ids[string.sub(e, 8, 43)] then kept[#kept + 1] = e end
end
redis.call('DEL', KEYS[1])
for i = 1, #kept, 1000 do redis.call('RPUSH', KEYS[1], unpack(kept, i, math.min(i + 999, #kept))) end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return #all - #kept`;

/** KEYS: recording id, exchanges list. ARGV: recording id, bound, exchange. Kept only while that recording runs. */
const APPEND_RECORDING = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
return 1`;

/** KEYS: recording state, recording id, exchanges list. ARGV: channel, message, stopped state. → the exchanges. */
const STOP_RECORDING = `
local all = redis.call('LRANGE', KEYS[3], 0, -1)
redis.call('DEL', KEYS[3], KEYS[2])
redis.call('SET', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return all`;

// Namespaces: a sorted set of the fleet's namespaces by last use (epoch ms), and each namespace's keys under its scope.

/** KEYS: namespaces sorted set. ARGV: name, now, max. Registers a use; a new namespace only while fewer than max exist. → 1, or 0 refused. */
const CLAIM_NAMESPACE = `if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`;

/**
 * KEYS: namespaces sorted set, the namespace's seeded-resources set. ARGV: name, the namespace's key prefix,
 * channel, message ('' for none), '1' to delete only when the namespace is not listed, its fixed keys...
 */
const DROP_NAMESPACE = `if ARGV[5] == '1' and redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
for _, n in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', ARGV[2] .. 'res:items:' .. n) end
for i = 6, #ARGV do redis.call('DEL', ARGV[2] .. ARGV[i]) end
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return 1`;

/** The keys a namespace's state has besides its resources' items (journal batch markers expire by themselves). */
const NAMESPACE_KEYS = ['scenarios', 'counters', 'chaos', 'settings', 'recording', 'recording:id', 'recording:exchanges', 'version', 'journal', 'stubs',
  'stubs:removed-all', 'res:seeded', 'res:order'];

/** Buffers survive JSON as `{"$b64": ...}`. */
// Resources: one hash per collection (id → "<order> <item as JSON>", the order from one counter), and a set
// of the collections written since the last reset (the others hold their seed). -1: not seeded yet.

/** KEYS: items hash, seeded set, order counter. ARGV: name, then id, item pairs. Seeds an unseeded collection. */
const SEED_RESOURCE = `if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], redis.call('INCR', KEYS[3]) .. ' ' .. ARGV[i + 1]) end
redis.call('SADD', KEYS[2], ARGV[1])
return 1`;

/** KEYS: items hash, seeded set. ARGV: name, id (none: every item). → -1, or {items...}. */
const READ_RESOURCE = `if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return -1 end
if #ARGV == 1 then return redis.call('HVALS', KEYS[1]) end
local v = redis.call('HGET', KEYS[1], ARGV[2])
if v then return {v} end
return {}`;

/**
 * KEYS: items hash, seeded set, order counter. ARGV: name, op (insert, replace, delete), id, item, bound,
 * channel, message. → -1, or what it did (created, exists, full, replaced, deleted, absent).
 */
const CHANGE_RESOURCE = `if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return -1 end
local op, id = ARGV[2], ARGV[3]
local r
if op == 'insert' then
  if redis.call('HEXISTS', KEYS[1], id) == 1 then return 'exists' end
  if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return 'full' end
  redis.call('HSET', KEYS[1], id, redis.call('INCR', KEYS[3]) .. ' ' .. ARGV[4])
  r = 'created'
elseif op == 'replace' then
  local old = redis.call('HGET', KEYS[1], id)
  if not old then return 'absent' end
  redis.call('HSET', KEYS[1], id, string.sub(old, 1, string.find(old, ' ')) .. ARGV[4])
  r = 'replaced'
else
  if redis.call('HDEL', KEYS[1], id) == 0 then return 'absent' end
  r = 'deleted'
end
redis.call('PUBLISH', ARGV[6], ARGV[7])
return r`;

/** KEYS: items hash, seeded set, order counter. ARGV: name, channel, message, then id, item pairs. */
const SET_RESOURCE = `redis.call('DEL', KEYS[1])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], redis.call('INCR', KEYS[3]) .. ' ' .. ARGV[i + 1]) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;

/**
 * KEYS: seeded set, then the items hash of each collection to reset. ARGV: channel, message, then the name of
 * each of those collections. Resetting every collection: the caller reads the seeded set first and passes
 * them all; one seeded meanwhile makes the script answer 0 (nothing done) and the caller tries again, so that
 * the script touches only the keys it was given (Redis Cluster's rule). → 1 done, 0 try again.
 */
const RESET_RESOURCES = `local all = ARGV[3] == '*'
if all then
  local given = {}
  for i = 4, #ARGV do given[ARGV[i]] = true end
  for _, n in ipairs(redis.call('SMEMBERS', KEYS[1])) do if not given[n] then return 0 end end
end
for i = 4, #ARGV do
  redis.call('DEL', KEYS[i - 2])
  redis.call('SREM', KEYS[1], ARGV[i])
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1`;

/** A command's failure that is the connection's, not Redis refusing the command. */
const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|socket|closed|connection|offline/i;

const shardedScripts = new Map<string, string>();

/** A script for a Cluster: its message goes out on the shard channel (SPUBLISH), in the slot of its keys. */
function shardedScript(lua: string): string {
  let sharded = shardedScripts.get(lua);
  if (sharded === undefined) {
    sharded = lua.replaceAll("redis.call('PUBLISH',", "redis.call('SPUBLISH',");
    shardedScripts.set(lua, sharded);
  }
  return sharded;
}

/** An item as a resource hash keeps it, without its order: JSON of {id, value}. */
function decodeItem(stored: string): { order: number; item: ResourceItem } {
  const sp = stored.indexOf(' ');
  return { order: Number(stored.slice(0, sp)), item: JSON.parse(stored.slice(sp + 1)) as ResourceItem };
}

function itemsInOrder(stored: readonly string[]): ResourceItem[] {
  return stored.map(decodeItem).sort((a, b) => a.order - b.order).map((x) => x.item);
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    return Buffer.isBuffer(raw) ? { $b64: raw.toString('base64') } : v;
  });
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v) => (v !== null && typeof v === 'object' && typeof v.$b64 === 'string' && Object.keys(v).length === 1 ? Buffer.from(v.$b64, 'base64') : v));
}

/** A serve event as Redis and the other replicas get it: plain JSON, bodies in base64, the stub by its id. */
interface StoredEvent {
  id: string; t: number; m: string; u: string; h: readonly string[]; b: string; c: ServeEvent['connection']; v: string;
  s: string | undefined; r: StoredResponse | undefined; ms: number; f: readonly AppliedFault[] | undefined; p: string | undefined;
}

type StoredResponse = Omit<JournalResponse, 'body'> & { body: string; complete?: boolean };

const EMPTY = Buffer.alloc(0);
const base64 = (b: Buffer): string => (b.length === 0 ? '' : b.toString('base64'));
const unbase64 = (s: string): Buffer => (s === '' ? EMPTY : Buffer.from(s, 'base64'));

/** A stored event's id: its JSON starts with `{"id":"` and a 36-character UUID (what the journal scripts read too). */
const idOfEntry = (entry: string): string => (entry[43] === '"' ? entry.slice(7, 43) : (JSON.parse(entry) as { id: string }).id);

/** The JSON of what many events share (a connection, which its requests share; a stub), made once for each. */
const sharedJson = new WeakMap<object, string>();

function jsonOnce(shared: object, value: unknown): string {
  let json = sharedJson.get(shared);
  if (json === undefined) {
    json = JSON.stringify(value);
    sharedJson.set(shared, json);
  }
  return json;
}

/**
 * An event as Redis keeps it (the StoredEvent's JSON), written out piece by piece: every journal event of a
 * replica goes through here, and building the text directly, with the connection's and the stub's JSON made
 * once for all their events, costs half of stringifying a fresh object per event. The id comes first (the
 * journal scripts read it there).
 */
export function encodeEvent(e: ServeEvent): string {
  const r = e.response as (JournalResponse & { complete?: boolean }) | undefined;
  let text = `{"id":"${e.id}","t":${JSON.stringify(e.loggedAt)},"m":${JSON.stringify(e.method)},"u":${JSON.stringify(e.url)},"h":${JSON.stringify(e.rawHeaders)},`
    + `"b":"${base64(e.body)}","c":${jsonOnce(e.connection, e.connection)},"v":${JSON.stringify(e.httpVersion)}`;
  if (e.stub !== undefined) text += `,"s":${jsonOnce(e.stub, e.stub.id)}`;
  if (r !== undefined) {
    text += `,"r":{"status":${JSON.stringify(r.status)}`;
    if (r.statusMessage !== undefined) text += `,"statusMessage":${JSON.stringify(r.statusMessage)}`;
    text += `,"headers":${JSON.stringify(r.headers)}`;
    if (r.upstreamHeaders !== undefined) text += `,"upstreamHeaders":${JSON.stringify(r.upstreamHeaders)}`;
    text += `,"body":"${base64(r.body)}"`;
    if (r.complete !== undefined) text += `,"complete":${JSON.stringify(r.complete)}`;
    text += '}';
  }
  text += `,"ms":${JSON.stringify(e.totalMs)}`;
  if (e.faults !== undefined) text += `,"f":${JSON.stringify(e.faults)}`;
  if (e.proxiedTo !== undefined) text += `,"p":${JSON.stringify(e.proxiedTo)}`;
  return `${text}}`;
}

export class RedisState implements State {
  readonly scenarios: ScenarioStore;
  readonly counters: CounterStore;
  readonly chaosRules: ChaosRuleStore;
  readonly settings: SettingsStore;
  readonly journal: JournalStore;
  readonly recordings: RecordingStore;
  readonly stubs: SharedStubStore;
  readonly resources: ResourceStore;

  /** This replica, in every message it publishes: its own messages come back to it and are skipped. */
  readonly #origin = randomUUID();
  readonly #ownJournalPrefix = `{"o":"${this.#origin}","k":"journal","events":[`;
  readonly #url: string;
  readonly #topology: StoreTopology;
  /** A Cluster: changes go out with SPUBLISH on the fleet's shard channel. */
  readonly #sharded: boolean;
  readonly #prefix: string;
  /** `namespaceKeyScope(namespace)` for a namespace's state, else empty. */
  readonly #scope: string;
  readonly #options: RedisStateOptions;
  /** The default namespace's state, whose connections a namespace's state uses. */
  #parent: RedisState | undefined;
  /** The namespaces' states open on this connection. */
  readonly #children = new Set<RedisState>();
  readonly #droppedListeners = new Set<(name: string) => Promise<void> | void>();
  readonly #optional: boolean;
  readonly #now: () => number;
  readonly #flushMs: number;
  readonly #connectTimeoutMs: number;
  readonly #logger: NonNullable<RedisStateOptions['logger']>;
  resolveStub: (id: string) => Stub | undefined;
  #client: Client | undefined;
  #sub: Client | undefined;
  readonly #shas = new Map<string, string>();
  readonly #listeners = new Set<(change: StateChange) => void>();
  #lostSince: number | undefined;
  #closed = false;
  /** Whether the shared state was read once (then a reconnection reads it again). */
  #joined = false;
  #rejoining = false;
  #subscribed = false;
  /** Refusals already logged. */
  readonly #refused = new Set<string>();
  /** The ids of the journal events the last read of Redis brought: a batch published meanwhile is not added twice. */
  #loadedIds = new Set<string>();
  /** Counts the journal's clears and removals: a catch-up read that spans one is dropped. */
  #journalEpoch = 0;
  /** The replicas whose journal feed this one follows. */
  readonly #feeds = new Set<string>();
  #announcedAt = 0;
  /** Journal batches heard while the shared state is read (then the ones heard during the last read). */
  #journalHeld: StoredEvent[] | undefined;
  #journalHeldLast: StoredEvent[] = [];

  // local copies
  readonly #scenarioStates = new Map<string, { state: string | undefined; v: number }>();
  #scenariosResetAt = 0;
  /** The resource collections this replica has read or written (a reset of every one names their keys). */
  readonly #resourceNames = new Set<string>();
  /** Resources' items as last read, for templates, and to serve on alone while Redis is away. */
  readonly #resources = new MemoryResources(() => {});
  readonly #counts = new Map<string, number>();
  #rules: StoredChaosRule[] = [];
  #rulesVersion = 0;
  #settings: Record<string, unknown> | undefined;
  #recording: RecordingState = { status: 'NeverStarted', spec: undefined };
  /** The recording in progress: captures of an earlier one that come late are not kept. */
  #recordingId: string | undefined;
  readonly #recordingWrites = new Set<Promise<unknown>>();
  /** What this replica (every namespace's state) asked of Redis and Redis has not answered yet; kept by the default namespace's state. */
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #mirror: Journal;
  #pending: ServeEvent[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  /** The batch last sent, until Redis answers for it. */
  #unanswered: { id: string; events: ServeEvent[] } | undefined;
  #stubFollower: ((change: StubChange) => void) | undefined;
  #stubVersion = 0;
  /** Stub changes heard while the compacted list is read. */
  #stubsHeld: Array<Record<string, unknown>> | undefined;

  constructor(options: RedisStateOptions) {
    this.#url = options.url;
    this.#topology = parseStoreUrl(options.url);
    this.#sharded = this.#topology.kind === 'cluster';
    this.#prefix = options.prefix ?? 'decoy';
    this.#scope = options.namespace === undefined ? '' : namespaceKeyScope(options.namespace);
    this.#options = options;
    this.#optional = options.optional ?? false;
    this.#now = options.now ?? Date.now;
    this.#flushMs = options.flushMs ?? 10;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 3000;
    this.#logger = options.logger ?? { info: () => {}, warn: () => {} };
    this.resolveStub = options.resolveStub ?? (() => undefined);
    this.#mirror = new Journal(options.journalSize ?? 10_000);
    this.scenarios = this.#scenarioStore();
    this.counters = this.#counterStore();
    this.chaosRules = this.#chaosStore();
    this.settings = this.#settingsStore();
    this.journal = this.#journalStore();
    this.recordings = this.#recordingStore();
    this.stubs = this.#stubStore();
    this.resources = this.#resourceStore();
  }

  #key(name: string): string {
    return storeKey(this.#prefix, this.#scope + name);
  }

  get #channel(): string {
    return this.#key('changes');
  }

  get #up(): boolean {
    if (this.#parent !== undefined) return this.#parent.#up;
    return this.#client?.isReady === true && this.#lostSince === undefined;
  }

  // ---- connection ----

  /**
   * Connects and reads the shared state. Redis unreachable: a DecoyError naming the URL, or, with
   * `optional`, a warning, and the replica serves alone until Redis answers.
   */
  async connect(): Promise<void> {
    this.#closed = false;
    this.#joined = false;
    this.#subscribed = false;
    // A new subscriber connection: it follows no feed yet.
    this.#feeds.clear();
    const client = await createRedisConnection(this.#topology, {
      connectTimeoutMs: this.#connectTimeoutMs,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), 2000),
    }) as Client;
    const sub = client.duplicate();
    this.#client = client;
    this.#sub = sub;
    client.on('error', (e: Error) => this.#lost(e));
    sub.on('error', (e: Error) => this.#lost(e));
    // Both connections come back on their own (the subscriber subscribes again); once both are ready, the replica
    // rejoins. A Cluster tells it node by node.
    const back = (): void => { if (this.#joined) void this.#rejoin(); };
    for (const c of [client, sub]) c.on(this.#topology.kind === 'cluster' ? 'node-ready' : 'ready', back);
    const connected = Promise.all([client.connect(), sub.connect()]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), this.#connectTimeoutMs); });
    const first = await Promise.race([connected.then(() => 'ok' as const, (e: unknown) => e as Error), timeout]);
    clearTimeout(timer);
    if (first !== 'ok') {
      const why = first === 'timeout' ? `no answer within ${this.#connectTimeoutMs} ms` : first.message;
      if (!this.#optional) {
        await this.#destroy();
        throw new DecoyError('DECOY_ERR_STORE', `the store ${safeUrl(this.#url)} is unreachable: ${why}`,
          { hint: 'start Redis there, fix --store, or pass --store-optional to start alone and join once it answers' });
      }
      this.#lostSince ??= Date.now();
      this.#logger.warn(`the store ${safeUrl(this.#url)} is unreachable (${why}): serving alone from this replica's state until it answers (--store-optional)`);
      connected.then(() => void this.#rejoin(), () => {});
      this.#joined = true;
      return;
    }
    await this.#subscribe();
    await this.#joinFeeds();
    await this.#load();
    this.#joined = true;
  }

  /** Once per connection's life: node-redis subscribes again by itself after a reconnection. */
  async #subscribe(): Promise<void> {
    if (this.#subscribed) return;
    const listener = (message: string): void => this.#onMessage(message);
    // A Cluster carries the fleet's changes on its sharded channel, in the slot of the fleet's keys: one node, not all.
    if (this.#sharded) await this.#sub!.sSubscribe(this.#channel, listener);
    else await this.#sub!.subscribe(this.#channel, listener);
    this.#subscribed = true;
  }

  #feedOf(origin: string): string {
    return this.#key(`journal-feed:${origin}`);
  }

  /** Follows the journal feeds of the replicas announced lately, forgets the long quiet ones (killed), and announces this one. */
  async #joinFeeds(): Promise<void> {
    const now = Date.now();
    const known = await this.#client!.hGetAll(this.#key('replicas'));
    const gone: string[] = [];
    for (const [origin, at] of Object.entries(known)) {
      if (origin === this.#origin) continue;
      if (now - Number(at) > FORGET_REPLICA_MS) gone.push(origin);
      else await this.#follow(origin, false);
    }
    if (gone.length > 0) await this.#client!.hDel(this.#key('replicas'), gone);
    await this.#announce();
  }

  async #announce(): Promise<void> {
    this.#announcedAt = Date.now();
    await this.#commit(this.#client!.multi().hSet(this.#key('replicas'), this.#origin, String(this.#announcedAt)), this.#message({ k: 'hello' }));
  }

  /** Follows another replica's journal feed; heard of while running, reads the journal's tail for what it published before. */
  async #follow(origin: string, catchUp: boolean): Promise<void> {
    if (this.#feeds.has(origin)) return;
    this.#feeds.add(origin);
    const listener = (message: string): void => this.#onMessage(message);
    if (this.#sharded) await this.#sub!.sSubscribe(this.#feedOf(origin), listener);
    else await this.#sub!.subscribe(this.#feedOf(origin), listener);
    if (catchUp && this.#mirror.capacity > 0) {
      const epoch = this.#journalEpoch;
      const tail = await this.#client!.lRange(this.#key('journal'), -Math.min(this.#mirror.capacity, 2 * BATCH), -1);
      // Cleared or pruned meanwhile: the tail may be from before, and would bring back what was removed.
      if (epoch !== this.#journalEpoch) return;
      const have = new Set(this.#mirror.newestFirst().map((e) => e.id));
      this.#addOthers(tail.filter((entry) => !have.has(idOfEntry(entry))));
    }
  }

  async #unfollow(origin: string): Promise<void> {
    if (!this.#feeds.delete(origin)) return;
    if (this.#sharded) await this.#sub!.sUnsubscribe(this.#feedOf(origin));
    else await this.#sub!.unsubscribe(this.#feedOf(origin));
  }

  /** Other replicas' journal events: into the local copy, and told to listeners (the UI's live log). */
  #addOthers(stored: ReadonlyArray<string | StoredEvent>): void {
    const events: ServeEvent[] = [];
    for (const e of stored) {
      if (this.#loadedIds.has(typeof e === 'string' ? idOfEntry(e) : e.id)) continue;
      const event = this.#event(e);
      this.#mirror.append(event);
      events.push(event);
    }
    if (events.length > 0) this.#emit({ kind: 'served-elsewhere', events });
  }

  #lost(e: Error): void {
    // Before the first connection, connect() reports (once) what went wrong.
    if (this.#closed || this.#lostSince !== undefined || !this.#joined) return;
    this.#lostSince = Date.now();
    this.#logger.warn(`lost the store ${safeUrl(this.#url)} (${e.message}): serving from this replica's copy; reconnecting`);
  }

  /** After a reconnection: reads the shared state again, then writes the journal events kept meanwhile. */
  async #rejoin(): Promise<void> {
    if (this.#closed || !this.#client?.isReady || !this.#sub?.isReady || this.#rejoining) return;
    this.#rejoining = true;
    try {
      await this.#subscribe();
      this.#lostSince = undefined;
      await this.#joinFeeds();
      this.#shas.clear();
      await this.#load();
      if (this.#stubFollower !== undefined) await this.#syncStubs(this.#stubFollower);
      for (const child of this.#children) await child.#rejoinAsNamespace();
      this.#logger.info(`the store ${safeUrl(this.#url)} is back: shared state read again`);
      this.#scheduleFlush();
      // The other replicas rejoin at about the same time, and a batch one of them wrote before this replica's
      // subscription was back reached neither the read above nor this replica: read the journal once more a little later.
      setTimeout(() => { if (this.#up) this.#load().catch((e: Error) => this.#failed(e)); }, 500).unref();
    } catch (e) {
      this.#failed(e as Error);
    } finally {
      this.#rejoining = false;
    }
  }

  /** A namespace's state after its parent's connection came back: what the store has wins, as for the parent. */
  async #rejoinAsNamespace(): Promise<void> {
    await this.#joinFeeds();
    await this.#load();
    if (this.#stubFollower !== undefined) await this.#syncStubs(this.#stubFollower);
    this.#scheduleFlush();
  }

  // ---- namespaces ----

  /**
   * The state of one namespace: the same connections, its keys under the namespace's scope, its own
   * channel (so a replica hears only the namespaces it holds), read from the store before it is returned.
   */
  async namespace(name: string): Promise<RedisState> {
    const child = new RedisState({ ...this.#options, namespace: name });
    child.#parent = this;
    child.#client = this.#client;
    child.#sub = this.#sub;
    this.#children.add(child);
    if (this.#up) {
      try {
        await child.#subscribe();
        await child.#joinFeeds();
        await child.#load();
      } catch (e) {
        child.#failed(e as Error);
      }
    }
    child.#joined = true;
    return child;
  }

  /** Registers a use of a namespace in the fleet's list; false when it is new and `max` namespaces exist. Alone: admitted. */
  claimNamespace(name: string, now: number, max: number): Promise<boolean> {
    return this.#shared(async () => await this.#run(CLAIM_NAMESPACE, [this.#key('namespaces')], [name, String(now), String(max)]) === 1, () => true);
  }

  /** Records a later use of a namespace the fleet knows (a dropped one is not brought back). */
  touchNamespace(name: string, now: number): void {
    if (this.#up) this.#client!.zAdd(this.#key('namespaces'), { score: now, value: name }, { condition: 'XX' }).catch((e: Error) => this.#failed(e));
  }

  /** The fleet's namespaces with their last use (epoch ms). Alone: none known beyond this replica's. */
  listNamespaces(): Promise<Array<{ name: string; lastUsedAt: number }>> {
    return this.#shared(async () => (await this.#client!.zRangeWithScores(this.#key('namespaces'), 0, -1)).map((e) => ({ name: e.value, lastUsedAt: e.score })), () => []);
  }

  /** Deletes a namespace's keys, removes it from the list, and tells every replica (`onNamespaceDropped`). */
  dropNamespace(name: string): Promise<void> {
    return this.#dropKeys(name, this.#message({ k: 'namespace-dropped', name }), false);
  }

  #dropKeys(name: string, message: string, onlyIfGone: boolean): Promise<void> {
    const scope = this.#key(namespaceKeyScope(name));
    return this.#shared(async () => {
      await this.#run(DROP_NAMESPACE, [this.#key('namespaces'), `${scope}res:seeded`], [name, scope, this.#channel, message, onlyIfGone ? '1' : '0', ...NAMESPACE_KEYS]);
    }, () => undefined);
  }

  /**
   * Calls `listener` with each namespace another replica drops. Once every listener has let the namespace
   * go here, its keys are deleted again (unless it was made anew meanwhile): a journal batch this replica
   * wrote while the drop ran would otherwise outlive it.
   */
  onNamespaceDropped(listener: (name: string) => Promise<void> | void): void {
    this.#droppedListeners.add(listener);
  }

  #onNamespaceDropped(name: string): void {
    void Promise.all([...this.#droppedListeners].map((l) => l(name))).then(() => this.#dropKeys(name, '', true)).catch((e: Error) => this.#failed(e));
  }

  /** Reads every shared piece of state into the local copies. */
  async #load(): Promise<void> {
    const c = this.#client!;
    // Journal batches heard while the snapshot is read wait, and are added after it unless it has them.
    this.#journalHeld = [];
    const pendingBefore = this.#pending;
    let snapshot: [Record<string, string>, Record<string, string>, Record<string, string>, string | null, string | null, string | null, string | null, string[]];
    try {
      // One transaction: every piece as of the same moment, and the version that moment has.
      snapshot = await c.multi().hGetAll(this.#key('scenarios')).hGetAll(this.#key('counters')).hGetAll(this.#key('chaos')).get(this.#key('settings'))
        .get(this.#key('recording')).get(this.#key('recording:id')).get(this.#key('version'))
        .lRange(this.#key('journal'), -Math.max(this.#mirror.capacity, 1), -1).exec() as unknown as typeof snapshot;
    } finally {
      this.#journalHeldLast = this.#journalHeld ?? [];
      this.#journalHeld = undefined;
    }
    const [scenarios, counts, rules, settings, recording, recordingId, version, stored] = snapshot;
    const journal = this.#mirror.capacity > 0 ? stored : [];
    const v = Number(version ?? 0);
    this.#scenarioStates.clear();
    this.#scenariosResetAt = v;
    for (const [name, state] of Object.entries(scenarios)) this.#scenarioStates.set(name, { state, v });
    this.#counts.clear();
    for (const [k, n] of Object.entries(counts)) this.#counts.set(k, Number(n));
    this.#setRules(rules);
    this.#settings = settings === null ? undefined : JSON.parse(settings) as Record<string, unknown>;
    const rec = recording === null ? undefined : JSON.parse(recording) as RecordingState;
    this.#recording = rec === undefined ? { status: 'NeverStarted', spec: undefined } : { status: rec.status, spec: rec.spec };
    this.#recordingId = recordingId ?? undefined;
    // The fleet's journal, then this replica's events the snapshot lacks (those written while it was read have
    // left the queue but may not be in it), then batches heard meanwhile.
    const pending = [...new Set([...pendingBefore, ...this.#pending])];
    const held = this.#journalHeldLast;
    this.#mirror.clear();
    this.#loadedIds = new Set(journal.map(idOfEntry));
    for (const entry of journal) this.#mirror.append(this.#event(entry));
    for (const e of pending) if (!this.#loadedIds.has(e.id)) this.#mirror.append(e);
    for (const e of held) if (!this.#loadedIds.has(e.id)) this.#mirror.append(this.#event(e));
  }

  /** Runs a script: by its digest once Redis has it. */
  async #run(lua: string, keys: string[], args: Array<string | Buffer>): Promise<unknown> {
    const c = this.#client!;
    const script = this.#sharded ? shardedScript(lua) : lua;
    const sha = this.#shas.get(script);
    if (sha === undefined) {
      // The first call sends the script itself (Redis keeps it): no round trip of its own, so commands stay in
      // the order they were made (a rule added then removed at once is removed in Redis too).
      this.#shas.set(script, createHash('sha1').update(script).digest('hex'));
      return c.eval(script, { keys, arguments: args });
    }
    try {
      return await c.evalSha(sha, { keys, arguments: args });
    } catch (e) {
      if (!/NOSCRIPT/.test((e as Error).message)) throw e;
      return c.eval(script, { keys, arguments: args });
    }
  }

  /**
   * `op` against Redis; when Redis is not there (or fails), `alone` on the local copy. In flight until it
   * settles, for `written()`.
   */
  #shared<T>(op: () => Promise<T>, alone: () => T): Promise<T> {
    const done = this.#attempt(op, alone);
    const inFlight = (this.#parent ?? this).#inFlight;
    inFlight.add(done);
    const settled = (): void => { inFlight.delete(done); };
    done.then(settled, settled);
    return done;
  }

  async #attempt<T>(op: () => Promise<T>, alone: () => T): Promise<T> {
    if (!this.#up) return alone();
    try {
      return await op();
    } catch (e) {
      this.#failed(e as Error);
      return alone();
    }
  }

  written(): Promise<void> {
    return Promise.allSettled([...(this.#parent ?? this).#inFlight]).then(() => undefined);
  }

  /**
   * A command failed. With the connection up it is that command's failure (Redis refused it): logged once, the
   * replica stays in the fleet. Otherwise the connection is lost, and the client is reconnecting.
   */
  #failed(e: Error): void {
    // A Cluster stays ready while one of its nodes is away: its commands fail with the socket's error.
    if (this.#client?.isReady !== true || CONNECTION_ERROR.test(e.message)) {
      this.#lost(e);
      return;
    }
    if (this.#refused.has(e.message)) return;
    this.#refused.add(e.message);
    this.#logger.warn(`the store ${safeUrl(this.#url)} refused a command (${e.message}): this change stays on this replica`);
  }

  #emit(change: StateChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch { /* a listener's failure must not undo or block a change */ }
    }
  }

  /** Ends a transaction with its change's message, on the fleet's channel, and runs it. */
  #commit(m: Multi, message: string): Promise<unknown> {
    return (this.#sharded ? m.sPublish(this.#channel, message) : m.publish(this.#channel, message)).exec();
  }

  #message(fields: Record<string, unknown>): string {
    return JSON.stringify({ o: this.#origin, ...fields });
  }

  /** A message a script completes with the version it takes: `{..., "v":` then the version and `}`. */
  #versioned(fields: Record<string, unknown>): string {
    return `${this.#message(fields).slice(0, -1)},"v":`;
  }

  /** A change another replica made (or, for versioned ones, this one: the version sorts it out). */
  #onMessage(text: string): void {
    // This replica's own journal batch comes back too: recognised by its first bytes, it is not parsed.
    if (text.startsWith(this.#ownJournalPrefix)) return;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const own = m.o === this.#origin;
    switch (m.k) {
      case 'scenario':
        // This replica's own change is told by whichever comes first, the message or the command's answer.
        if (this.#applyScenario(m.name as string, m.state as string, m.v as number)) this.#emit({ kind: 'scenario', name: m.name as string, state: m.state as string });
        return;
      case 'resource':
        // Every replica, this one too, reads the collection again: the local copy follows Redis's order of changes.
        void this.#refreshResource(typeof m.name === 'string' ? m.name : undefined);
        return;
      case 'scenarios-reset':
        if (this.#applyScenarioReset(typeof m.name === 'string' ? m.name : undefined, m.v as number)) this.#emit({ kind: 'scenarios-reset', name: typeof m.name === 'string' ? m.name : undefined });
        return;
    }
    if (own) return;
    switch (m.k) {
      case 'counters-reset':
        if (Array.isArray(m.keys)) for (const k of m.keys as string[]) this.#counts.delete(k);
        else {
          this.#counts.clear();
          this.#emit({ kind: 'counters-reset' });
        }
        return;
      case 'chaos-rules':
        void this.#reloadRules();
        return;
      case 'settings':
        this.#settings = m.value as Record<string, unknown> | undefined;
        this.#emit({ kind: 'settings' });
        return;
      case 'journal':
        if (this.#journalHeld !== undefined) this.#journalHeld.push(...m.events as StoredEvent[]);
        else this.#addOthers(m.events as StoredEvent[]);
        return;
      case 'hello':
        void this.#follow(m.o as string, true).catch((e: Error) => this.#failed(e));
        return;
      case 'bye':
        void this.#unfollow(m.o as string).catch((e: Error) => this.#failed(e));
        return;
      case 'journal-removed': {
        this.#journalEpoch++;
        const ids = new Set(m.ids as string[]);
        this.#mirror.remove((e) => ids.has(e.id));
        return;
      }
      case 'journal-cleared':
        this.#journalEpoch++;
        this.#mirror.clear();
        this.#emit({ kind: 'journal-cleared' });
        return;
      case 'recording':
        this.#recording = { status: (m.state as RecordingState).status, spec: (m.state as RecordingState).spec };
        this.#recordingId = m.id as string | undefined;
        this.#emit({ kind: 'recording', status: this.#recording.status });
        return;
      case 'stubs':
        if (this.#stubsHeld !== undefined) this.#stubsHeld.push(m);
        else this.#applyStubMessage(m);
        return;
      case 'namespace-dropped':
        this.#onNamespaceDropped(m.name as string);
        return;
    }
  }

  /** A serve event from its stored form (an object, or its JSON text). */
  #event(stored: string | StoredEvent): ServeEvent {
    const s = typeof stored === 'string' ? JSON.parse(stored) as StoredEvent : stored;
    const r = s.r === undefined ? undefined : { ...s.r, body: unbase64(s.r.body) };
    const event = new ServeEvent(s.t, s.m, s.u, s.h, unbase64(s.b), s.c, s.v, s.s === undefined ? undefined : this.resolveStub(s.s), r, s.ms, s.f);
    event.proxiedTo = s.p;
    return ServeEvent.withId(event, s.id);
  }

  // ---- scenarios ----

  #applyScenario(name: string, state: string | undefined, v: number): boolean {
    if (v <= this.#scenariosResetAt || v <= (this.#scenarioStates.get(name)?.v ?? 0)) return false;
    this.#scenarioStates.set(name, { state, v });
    return true;
  }

  #applyScenarioReset(name: string | undefined, v: number): boolean {
    if (name !== undefined) return this.#applyScenario(name, undefined, v);
    if (v <= this.#scenariosResetAt) return false;
    this.#scenariosResetAt = v;
    for (const [n, s] of this.#scenarioStates) if (s.v <= v) this.#scenarioStates.delete(n);
    return true;
  }

  #scenarioStore(): ScenarioStore {
    const local = (name: string): string => this.#scenarioStates.get(name)?.state ?? STARTED;
    const keys = (): string[] => [this.#key('scenarios'), this.#key('version')];
    /** Alone: versions go on from the last one seen, so the shared state read again on reconnection wins. */
    const aloneVersion = (name: string): number => (this.#scenarioStates.get(name)?.v ?? this.#scenariosResetAt) + 1e-6;
    return {
      get: local,
      compareAndSet: (name, expected, next) => this.#shared(async () => {
        const [moved, state, v] = await this.#run(CAS, keys(), [name, expected, next, this.#channel, this.#origin]) as [number, string, number];
        // Lost: the state is someone else's, and now known here, so the engine matches again in it.
        if (this.#applyScenario(name, state, v) && moved === 1) this.#emit({ kind: 'scenario', name, state });
        return moved === 1;
      }, () => {
        if (local(name) !== expected) return false;
        this.#applyScenario(name, next, aloneVersion(name));
        this.#emit({ kind: 'scenario', name, state: next });
        return true;
      }),
      set: (name, state) => this.#shared(async () => {
        const v = await this.#run(SET_SCENARIO, keys(), [name, state, this.#channel, this.#origin]) as number;
        if (this.#applyScenario(name, state, v)) this.#emit({ kind: 'scenario', name, state });
      }, () => {
        this.#applyScenario(name, state, aloneVersion(name));
        this.#emit({ kind: 'scenario', name, state });
      }),
      reset: (name) => this.#shared(async () => {
        const v = await this.#run(RESET_SCENARIOS, keys(), [this.#channel, this.#origin, ...(name === undefined ? [] : [name])]) as number;
        if (this.#applyScenarioReset(name, v)) this.#emit({ kind: 'scenarios-reset', name });
      }, () => {
        if (name === undefined) this.#scenarioStates.clear();
        else this.#scenarioStates.delete(name);
        this.#emit({ kind: 'scenarios-reset', name });
      }),
      entries: () => [...this.#scenarioStates].filter(([, s]) => s.state !== undefined).map(([n, s]) => [n, s.state!]),
      read: (name) => this.#shared(async () => {
        // One round trip: the state and the version it is as of, read together.
        const [state, v] = await this.#run(READ_SCENARIO, keys(), [name]) as [string | null, number];
        this.#applyScenario(name, state ?? undefined, v);
        return local(name);
      }, () => local(name)),
    };
  }

  // ---- counters ----

  #counterStore(): CounterStore {
    const alone = (key: string): number => {
      const n = (this.#counts.get(key) ?? 0) + 1;
      this.#counts.set(key, n);
      return n;
    };
    return {
      incrementAndGet: (key) => this.#shared(async () => {
        const n = await this.#client!.hIncrBy(this.#key('counters'), key, 1);
        this.#counts.set(key, n);
        return n;
      }, () => alone(key)),
      get: (key) => this.#counts.get(key) ?? 0,
      reset: (keys) => {
        if (keys !== undefined && keys.length === 0) return;
        if (keys === undefined) this.#counts.clear();
        else for (const k of keys) this.#counts.delete(k);
        return this.#shared(async () => {
          const m = this.#client!.multi();
          if (keys === undefined) m.del(this.#key('counters'));
          else m.hDel(this.#key('counters'), [...keys]);
          await this.#commit(m, this.#message({ k: 'counters-reset', ...(keys ? { keys } : {}) }));
          if (keys === undefined) this.#emit({ kind: 'counters-reset' });
        }, () => { if (keys === undefined) this.#emit({ kind: 'counters-reset' }); });
      },
    };
  }

  // ---- chaos rules ----

  #setRules(stored: Record<string, string>): void {
    const rules: Array<StoredChaosRule & { order: number }> = [];
    for (const value of Object.values(stored)) {
      const sp = value.indexOf(' ');
      const r = JSON.parse(value.slice(sp + 1)) as StoredChaosRule;
      rules.push({ id: r.id, definition: r.definition, expiresAt: r.expiresAt ?? undefined, order: Number(value.slice(0, sp)) });
    }
    this.#rules = rules.sort((a, b) => a.order - b.order).map(({ order: _o, ...r }) => r);
    this.#rulesVersion++;
  }

  async #reloadRules(): Promise<void> {
    try {
      this.#setRules(await this.#client!.hGetAll(this.#key('chaos')));
      this.#emit({ kind: 'chaos-rules' });
    } catch (e) {
      this.#failed(e as Error);
    }
  }

  #chaosStore(): ChaosRuleStore {
    const changed = (): void => {
      this.#rulesVersion++;
      this.#emit({ kind: 'chaos-rules' });
    };
    const state = this;
    return {
      get version() { return state.#rulesVersion; },
      add: (rule) => {
        this.#rules = [...this.#rules, rule];
        changed();
        return this.#shared(async () => {
          await this.#run(PUT_ORDERED, [this.#key('chaos'), this.#key('version')], [this.#channel, this.#versioned({ k: 'chaos-rules' }), rule.id, JSON.stringify(rule)]);
        }, () => {});
      },
      remove: (id) => {
        const before = this.#rules.length;
        this.#rules = this.#rules.filter((r) => r.id !== id);
        const removed = this.#rules.length !== before;
        if (removed) changed();
        // The local copy says whether the rule was there (the admin API answers 404 at once when not); Redis follows.
        void this.#shared(async () => {
          await this.#commit(this.#client!.multi().hDel(this.#key('chaos'), id), this.#message({ k: 'chaos-rules' }));
        }, () => {});
        return removed;
      },
      clear: () => {
        if (this.#rules.length > 0) {
          this.#rules = [];
          changed();
        }
        return this.#shared(async () => {
          await this.#commit(this.#client!.multi().del(this.#key('chaos')), this.#message({ k: 'chaos-rules' }));
        }, () => {});
      },
      list: () => {
        // Read on every request: with no rules, not even the clock, and no array made.
        if (this.#rules.length === 0) return this.#rules;
        const now = this.#now();
        if (!this.#rules.some((r) => r.expiresAt !== undefined && now >= r.expiresAt)) return this.#rules;
        const expired = this.#rules.filter((r) => r.expiresAt !== undefined && now >= r.expiresAt);
        if (expired.length > 0) {
          this.#rules = this.#rules.filter((r) => !expired.includes(r));
          changed();
          // Every replica drops an expired rule by itself; Redis forgets it too.
          if (this.#up) this.#client!.hDel(this.#key('chaos'), expired.map((r) => r.id)).catch((e: Error) => this.#failed(e));
        }
        return this.#rules;
      },
    };
  }

  // ---- settings ----

  #settingsStore(): SettingsStore {
    return {
      get: () => this.#settings,
      set: (settings) => {
        this.#settings = settings;
        this.#emit({ kind: 'settings' });
        return this.#shared(async () => {
          await this.#commit(this.#client!.multi().set(this.#key('settings'), JSON.stringify(settings)), this.#message({ k: 'settings', value: settings }));
        }, () => {});
      },
    };
  }

  // ---- journal ----

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined || this.#pending.length === 0) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      void this.#flush();
    }, this.#flushMs);
    this.#flushTimer.unref();
  }

  /** Writes this replica's new journal events to Redis and to the other replicas, in batches. */
  #flush(): Promise<void> {
    if (this.#flushing !== undefined) return this.#flushing;
    if ((this.#pending.length === 0 && this.#unanswered === undefined) || !this.#up) return Promise.resolve();
    // Set before the loop runs, and cleared once it has (never while it could still be running).
    this.#flushing = (async () => {
      while ((this.#pending.length > 0 || this.#unanswered !== undefined) && this.#up) {
        // A batch whose answer never came is sent again as it was, under its id: Redis writes it at most once.
        const batch = this.#unanswered ?? { id: randomUUID(), events: this.#pending.slice(0, BATCH) };
        this.#unanswered = batch;
        try {
          // A replica quiet for a while announces itself again: replicas that joined meanwhile follow its feed from now on.
          if (Date.now() - this.#announcedAt > ANNOUNCE_MS) await this.#announce();
          await this.#run(APPEND_JOURNAL, [this.#key('journal'), this.#key(`journal:batch:${batch.id}`)],
            [this.#feedOf(this.#origin), this.#ownJournalPrefix, String(this.#mirror.capacity), batch.events.map(encodeEvent).join('\n')]);
        } catch (e) {
          this.#failed(e as Error);
          return;
        }
        this.#unanswered = undefined;
        // Only what was written leaves the queue: events appended (or removed) meanwhile stay as they are.
        const written = new Set(batch.events);
        this.#pending = this.#pending.filter((e) => !written.has(e));
      }
    })().finally(() => { this.#flushing = undefined; });
    return this.#flushing;
  }

  #journalStore(): JournalStore {
    const mirror = this.#mirror;
    const state = this;
    return {
      capacity: mirror.capacity,
      get enabled() { return mirror.enabled; },
      get size() { return mirror.size; },
      get view() { return mirror.view; },
      set view(v) { mirror.view = v; },
      append: (event) => {
        // A request in flight when its namespace was dropped is not written back into the store.
        if (!mirror.enabled || this.#closed) return;
        mirror.append(event);
        this.#pending.push(event);
        // While Redis is away the queue keeps the newest events up to the journal's bound.
        if (this.#pending.length > mirror.capacity) this.#pending.shift();
        if (this.#pending.length >= BATCH) void this.#flush();
        else this.#scheduleFlush();
      },
      newestFirst: (limit) => mirror.newestFirst(limit),
      get: (id) => mirror.get(id),
      servedStubIds: () => mirror.servedStubIds(),
      remove: (predicate) => {
        const removed = mirror.remove(predicate);
        if (removed.length === 0) return removed;
        this.#journalEpoch++;
        const ids = removed.map((e) => e.id);
        const gone = new Set(ids);
        this.#pending = this.#pending.filter((e) => !gone.has(e.id));
        // Sent again, a batch Redis already has is skipped whole; one it lacks must not bring these back.
        if (this.#unanswered !== undefined) this.#unanswered.events = this.#unanswered.events.filter((e) => !gone.has(e.id));
        void this.#shared(() => this.#run(REMOVE_JOURNAL, [this.#key('journal')], [this.#channel, this.#message({ k: 'journal-removed', ids }), ...ids]), () => 0);
        return removed;
      },
      clear: () => {
        this.#journalEpoch++;
        mirror.clear();
        this.#pending = [];
        if (this.#unanswered !== undefined) this.#unanswered.events = [];
        this.#emit({ kind: 'journal-cleared' });
        void state.#shared(async () => {
          await this.#commit(this.#client!.multi().del(this.#key('journal')), this.#message({ k: 'journal-cleared' }));
        }, () => {});
      },
    };
  }

  // ---- recordings ----

  #recordingStore(): RecordingStore {
    const keys = [this.#key('recording'), this.#key('recording:id'), this.#key('recording:exchanges')];
    const local: unknown[] = [];
    return {
      current: () => this.#recording,
      start: (spec) => {
        const id = randomUUID();
        this.#recording = { status: 'Recording', spec };
        this.#recordingId = id;
        local.length = 0;
        this.#emit({ kind: 'recording', status: 'Recording' });
        return this.#shared(async () => {
          await this.#commit(this.#client!.multi().del(keys[2]!).set(keys[1]!, id).set(keys[0]!, JSON.stringify(this.#recording)),
            this.#message({ k: 'recording', state: this.#recording, id }));
        }, () => {});
      },
      append: (exchange) => {
        const id = this.#recordingId;
        if (this.#recording.status !== 'Recording' || id === undefined) return;
        if (!this.#up) {
          local.push(exchange);
          if (local.length > MAX_RECORDED_EXCHANGES) local.shift();
          return;
        }
        const write = this.#run(APPEND_RECORDING, [keys[1]!, keys[2]!], [id, String(MAX_RECORDED_EXCHANGES), encodeJson(exchange)])
          .catch((e: Error) => { this.#failed(e); local.push(exchange); })
          .finally(() => this.#recordingWrites.delete(write));
        this.#recordingWrites.add(write);
      },
      stop: async () => {
        await Promise.all([...this.#recordingWrites]);
        const stopped: RecordingState = { status: 'Stopped', spec: undefined };
        this.#recording = stopped;
        this.#recordingId = undefined;
        const kept = local.splice(0);
        this.#emit({ kind: 'recording', status: 'Stopped' });
        const shared = await this.#shared(async () => {
          const all = await this.#run(STOP_RECORDING, keys, [this.#channel, this.#message({ k: 'recording', state: stopped }), JSON.stringify(stopped)]) as string[];
          return all.map(decodeJson);
        }, () => [] as unknown[]);
        return [...shared, ...kept];
      },
    };
  }

  // ---- API stub changes ----

  #stubStore(): SharedStubStore {
    return {
      shared: true,
      publish: (change) => {
        void this.#shared(() => this.#publishStubs(change), () => undefined);
      },
      follow: async (apply) => {
        this.#stubFollower = apply;
        await this.#syncStubs(apply);
        return () => { this.#stubFollower = undefined; };
      },
    };
  }

  /**
   * Redis keeps the API's stub changes compacted: a hash of id → the newest definition (or a tombstone
   * for a removed file stub), and whether every stub was removed; a joining replica reads that.
   */
  async #publishStubs(change: StubChange): Promise<void> {
    const hash = this.#key('stubs');
    // The message carries the version the script takes: each replica applies each change once, in order.
    const message = this.#versioned({ k: 'stubs', change });
    if (change.kind === 'put' || change.kind === 'remove') {
      const fields = change.kind === 'put'
        ? change.definitions.flatMap((d) => [String(d.id), JSON.stringify({ put: d })])
        : change.ids.flatMap((id) => [id, '{"removed":true}']);
      await this.#run(PUT_ORDERED, [hash, this.#key('version')], [this.#channel, message, ...fields]);
    } else if (change.kind === 'remove-all' || change.kind === 'reset') {
      await this.#run(CLEAR_STUBS, [hash, this.#key('stubs:removed-all'), this.#key('version')], [this.#channel, message, change.kind === 'remove-all' ? '1' : '0']);
    }
  }

  #applyStubMessage(m: Record<string, unknown>): void {
    if ((m.v as number) <= this.#stubVersion) return;
    this.#stubVersion = m.v as number;
    this.#stubFollower?.(m.change as StubChange);
  }

  async #syncStubs(apply: (change: StubChange) => void): Promise<void> {
    if (!this.#up) return;
    const c = this.#client!;
    // Changes that come while the compacted list is read wait, and apply after it if they are newer.
    this.#stubsHeld = [];
    let entries: Record<string, string>;
    let removedAll: string | null;
    let version: string | null;
    try {
      [entries, removedAll, version] = await c.multi().hGetAll(this.#key('stubs')).get(this.#key('stubs:removed-all')).get(this.#key('version')).exec() as unknown as [Record<string, string>, string | null, string | null];
    } catch (e) {
      this.#stubsHeld = undefined;
      throw e;
    }
    const ordered = Object.entries(entries).map(([id, value]) => {
      const sp = value.indexOf(' ');
      return { id, order: Number(value.slice(0, sp)), entry: JSON.parse(value.slice(sp + 1)) as { put?: Record<string, unknown>; removed?: true } };
    }).sort((a, b) => a.order - b.order);
    this.#stubVersion = Math.max(this.#stubVersion, Number(version ?? 0));
    apply({
      kind: 'sync', removedAll: removedAll === '1',
      definitions: ordered.filter((o) => o.entry.put !== undefined).map((o) => o.entry.put!),
      removedIds: ordered.filter((o) => o.entry.removed).map((o) => o.id),
    });
    const held = this.#stubsHeld;
    this.#stubsHeld = undefined;
    for (const m of held) this.#applyStubMessage(m);
  }

  // ---- resources ----

  #resourceKeys(name: string): string[] {
    this.#resourceNames.add(name);
    return [this.#key(`res:items:${name}`), this.#key('res:seeded'), this.#key('res:order')];
  }

  /** Runs a resource script, seeding the collection first when Redis says it is not. */
  async #onResource(c: ResourceCollection, script: string, args: string[]): Promise<unknown> {
    const keys = this.#resourceKeys(c.name);
    const first = await this.#run(script, keys, [c.name, ...args]);
    if (first !== -1) return first;
    await this.#run(SEED_RESOURCE, keys, [c.name, ...c.seed.flatMap((i) => [i.id, JSON.stringify(i)])]);
    return this.#run(script, keys, [c.name, ...args]);
  }

  /** Reads a collection into the local copy (after a change anyone made); forgotten when it holds its seed. */
  async #refreshResource(name: string | undefined): Promise<void> {
    if (name === undefined) {
      this.#resources.reset();
    } else {
      try {
        const stored = await this.#run(READ_RESOURCE, this.#resourceKeys(name), [name]);
        if (stored === -1) this.#resources.reset(name);
        else this.#resources.setAll({ name, seed: [], maxItems: Infinity }, itemsInOrder(stored as string[]));
      } catch { /* the next change reads it again */ }
    }
    this.#emit({ kind: 'resource', name });
  }

  #resourceStore(): ResourceStore {
    const local = this.#resources;
    const change = (c: ResourceCollection, op: string, id: string, item: ResourceItem | undefined): Promise<unknown> =>
      this.#onResource(c, CHANGE_RESOURCE, [op, id, item === undefined ? '' : JSON.stringify(item), String(c.maxItems), this.#channel, this.#message({ k: 'resource', name: c.name })]);
    return {
      list: (c) => this.#shared(async () => itemsInOrder(await this.#onResource(c, READ_RESOURCE, []) as string[]), () => local.list(c)),
      get: (c, id) => this.#shared(async () => {
        const [stored] = await this.#onResource(c, READ_RESOURCE, [id]) as string[];
        return stored === undefined ? undefined : decodeItem(stored).item;
      }, () => local.get(c, id)),
      insert: (c, item) => this.#shared(async () => await change(c, 'insert', item.id, item) as InsertOutcome, () => local.insert(c, item)),
      replace: (c, item) => this.#shared(async () => await change(c, 'replace', item.id, item) === 'replaced', () => local.replace(c, item)),
      delete: (c, id) => this.#shared(async () => await change(c, 'delete', id, undefined) === 'deleted', () => local.delete(c, id)),
      setAll: (c, items) => this.#shared(async () => {
        await this.#run(SET_RESOURCE, this.#resourceKeys(c.name), [c.name, this.#channel, this.#message({ k: 'resource', name: c.name }), ...items.flatMap((i) => [i.id, JSON.stringify(i)])]);
      }, () => local.setAll(c, items)),
      reset: (name) => this.#shared(async () => {
        const message = this.#message({ k: 'resource', ...(name === undefined ? {} : { name }) });
        // Every collection: first with the ones this replica has met, sent at once (so the reset reaches Redis before
        // anything this replica is asked next); only when another was seeded is the seeded set read first.
        let names = name !== undefined ? [name] : [...this.#resourceNames];
        for (;;) {
          const done = await this.#run(RESET_RESOURCES, [this.#key('res:seeded'), ...names.map((n) => this.#key(`res:items:${n}`))],
            [this.#channel, message, name === undefined ? '*' : '', ...names]);
          if (done === 1) return;
          names = await this.#client!.sMembers(this.#key('res:seeded'));
          for (const n of names) this.#resourceNames.add(n);
        }
      }, () => local.reset(name)),
      peek: (name) => local.peek(name),
      sync: (name) => (this.#up ? this.#refreshResource(name) : Promise.resolve()),
    };
  }

  // ---- the rest of the port ----

  health(): StoreHealth {
    return {
      kind: 'redis', url: safeUrl(this.#url), connected: this.#up,
      lostSince: this.#lostSince === undefined ? undefined : new Date(this.#lostSince).toISOString(),
      pendingJournalEvents: this.#pending.length,
    };
  }

  subscribe(listener: (change: StateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  /** Writes the journal events not yet written, then disconnects (a namespace's state only stops listening: the connections are its parent's). */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const child of this.#children) await child.close();
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    await this.#flushing;
    await this.#flush();
    await Promise.all([...this.#recordingWrites]);
    // The others stop following this replica's feed.
    if (this.#up) await this.#commit(this.#client!.multi().hDel(this.#key('replicas'), this.#origin), this.#message({ k: 'bye' })).catch(() => {});
    this.#closed = true;
    if (this.#parent !== undefined) {
      // A namespace's state is closed when the namespace is dropped, never started again: it stops listening, and
      // leaves the connections (its parent's) subscribed to nothing of it.
      this.#listeners.clear();
      this.#parent.#children.delete(this);
      if (this.#sub?.isReady) {
        const channels = [...(this.#subscribed ? [this.#channel] : []), ...[...this.#feeds].map((o) => this.#feedOf(o))];
        this.#feeds.clear();
        for (const c of channels) await (this.#sharded ? this.#sub.sUnsubscribe(c) : this.#sub.unsubscribe(c)).catch(() => {});
      }
      return;
    }
    // The listeners stay: a service stopped and started again connects this state again, and its engine still listens.
    await this.#destroy();
  }

  async #destroy(): Promise<void> {
    this.#closed = true;
    for (const c of [this.#sub, this.#client]) {
      if (c === undefined) continue;
      try {
        if (c.isOpen) await c.close();
        else c.destroy();
      } catch {
        c.destroy();
      }
    }
  }
}
