/**
 * Where the fleet's Redis is, from `--store`, and the node-redis client for it: one server, a master found
 * through Redis Sentinel, or a Redis Cluster, each through the client's own support.
 *
 *   redis://[[user]:password@]host:port[/db]                                  one server (rediss:// for TLS)
 *   redis-sentinel://[[user]:password@]host:port[,host:port...]/master[?db=N] Sentinel (rediss-sentinel:// for TLS)
 *   redis-cluster://[[user]:password@]host:port[,host:port...]               Cluster (rediss-cluster:// for TLS)
 *
 * The Sentinel and Cluster forms list their seed nodes the way Lettuce and redis-sentinel-url do (hosts
 * separated by commas in the authority); the credentials are the Redis nodes'. Sentinels that have a
 * password of their own take `?sentinelPassword=` (and `sentinelUsername=`).
 */
import { DecoyError } from '../core/errors.js';

export interface RedisNode { host: string; port: number }

export type StoreTopology =
  | { kind: 'standalone'; url: string }
  | {
    kind: 'sentinel'; nodes: RedisNode[]; master: string; database: number; tls: boolean; username?: string; password?: string;
    sentinelUsername?: string; sentinelPassword?: string;
  }
  | { kind: 'cluster'; nodes: RedisNode[]; tls: boolean; username?: string; password?: string };

const FORMS = 'redis://host:6379[/db], redis-sentinel://host:26379[,host2:26379]/mymaster[?db=0] or redis-cluster://host:7000[,host2:7001] '
  + '(rediss…:// for TLS; user and password before the hosts: redis://user:pass@host:6379)';

const SEEDS = /^(rediss?)-(sentinel|cluster):\/\/(?:([^@/?#]*)@)?([^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/;

function fail(url: string, why: string): never {
  throw new DecoyError('DECOY_ERR_STORE', `--store ${safeUrl(url)} ${why}`, { hint: `give ${FORMS}` });
}

function parseNodes(url: string, list: string, defaultPort: number): RedisNode[] {
  return list.split(',').map((part) => {
    const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(part.trim());
    if (m === null) fail(url, `has a host that is not host:port (${JSON.stringify(part)})`);
    const port = m[2] === undefined ? defaultPort : Number(m[2]);
    if (!(port > 0 && port < 65536)) fail(url, `has a port out of range (${part})`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

/** Reads `--store`: a DecoyError naming the URL (without its password) and the accepted forms when it is none of them. */
export function parseStoreUrl(url: string): StoreTopology {
  if (/^rediss?:\/\//.test(url)) return { kind: 'standalone', url };
  const m = SEEDS.exec(url);
  if (m === null) fail(url, 'is not a Redis URL');
  const [, scheme, kind, auth, hosts, path, query] = m;
  const tls = scheme === 'rediss';
  const credentials: { username?: string; password?: string } = {};
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon));
    if (user !== '') credentials.username = user;
    if (colon >= 0) credentials.password = decodeURIComponent(auth.slice(colon + 1));
  }
  const params = new URLSearchParams(query ?? '');
  if (kind === 'cluster') {
    if (path !== undefined && path !== '/') fail(url, 'has a path: a Redis Cluster has one database, give only its nodes');
    if ([...params.keys()].length > 0) fail(url, `has parameters a cluster does not take (${[...params.keys()].join(', ')})`);
    return { kind: 'cluster', nodes: parseNodes(url, hosts!, 6379), tls, ...credentials };
  }
  const master = decodeURIComponent((path ?? '').replace(/^\//, ''));
  if (master === '' || master.includes('/')) fail(url, 'names no master: give it as the path, redis-sentinel://host:26379/mymaster');
  for (const k of params.keys()) if (!['db', 'sentinelUsername', 'sentinelPassword'].includes(k)) fail(url, `has an unknown parameter ${k} (db, sentinelUsername, sentinelPassword)`);
  const db = params.get('db') ?? '0';
  if (!/^\d+$/.test(db)) fail(url, `has db=${db}: a database is a number`);
  const sentinel: { sentinelUsername?: string; sentinelPassword?: string } = {};
  if (params.has('sentinelUsername')) sentinel.sentinelUsername = params.get('sentinelUsername')!;
  if (params.has('sentinelPassword')) sentinel.sentinelPassword = params.get('sentinelPassword')!;
  return { kind: 'sentinel', nodes: parseNodes(url, hosts!, 26379), master, database: Number(db), tls, ...credentials, ...sentinel };
}

/** `url` without its passwords, for logs, errors and health. */
export function safeUrl(url: string): string {
  if (/^rediss?-(sentinel|cluster):\/\//.test(url)) {
    return url.replace(/^([a-z-]+:\/\/[^:@/]*:)[^@/]*@/, '$1***@').replace(/([?&]sentinelPassword=)[^&#]*/, '$1***');
  }
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

export interface ConnectionOptions {
  connectTimeoutMs: number;
  reconnectStrategy: (retries: number) => number;
}

/**
 * The client for a topology (not connected yet). The three kinds answer the same commands; a Cluster
 * routes each by its key, and every key of a fleet has one hash tag, so one node holds them all.
 */
export async function createRedisConnection(topology: StoreTopology, o: ConnectionOptions): Promise<unknown> {
  const redis = await import('redis');
  // Without Redis a command fails at once, and the replica carries on with its local copy.
  const socket = { connectTimeout: o.connectTimeoutMs, reconnectStrategy: o.reconnectStrategy };
  if (topology.kind === 'standalone') return redis.createClient({ url: topology.url, disableOfflineQueue: true, socket });
  const credentials = {
    ...(topology.username !== undefined ? { username: topology.username } : {}),
    ...(topology.password !== undefined ? { password: topology.password } : {}),
  };
  const tls = topology.tls ? { tls: true as const } : {};
  if (topology.kind === 'cluster') {
    return redis.createCluster({
      rootNodes: topology.nodes.map((n) => ({ socket: { host: n.host, port: n.port, ...tls } })),
      defaults: { ...credentials, disableOfflineQueue: true, socket: { ...socket, ...tls } },
    });
  }
  return redis.createSentinel({
    name: topology.master,
    sentinelRootNodes: topology.nodes,
    nodeClientOptions: { ...credentials, database: topology.database, disableOfflineQueue: true, socket: { ...socket, ...tls } },
    sentinelClientOptions: {
      ...(topology.sentinelUsername !== undefined ? { username: topology.sentinelUsername } : {}),
      ...(topology.sentinelPassword !== undefined ? { password: topology.sentinelPassword } : {}),
      socket: { connectTimeout: o.connectTimeoutMs, ...tls },
    },
    masterPoolSize: 1,
  });
}
