/**
 * `--store` for the composition root: the URL checked, the Redis adapter made, and the compiler that
 * turns stub definitions other replicas created over the admin API into stubs here, as the admin API does.
 */
import { DecoyError } from '../core/errors.js';
import type { MockEngine } from '../core/engine.js';
import { compileStub, type Stub } from '../core/stub.js';
import type { StubDefinition } from '../core/stub-definition.js';
import { parseStoreUrl } from './redis-connection.js';
import { redisAdapter } from './redis-adapter.js';
import type { RedisState } from './redis-state.js';

/** Where replicas share their state: a Redis URL, or the URL with options. */
export interface StoreOptions {
  /**
   * `redis://[user:password@]host:port[/db]` (`rediss://` for TLS), `redis-sentinel://[user:password@]host:26379[,host:port...]/master[?db=N]`
   * or `redis-cluster://[user:password@]host:port[,host:port...]` (`rediss-sentinel://`, `rediss-cluster://` for TLS).
   */
  url: string;
  /** Prefix of every key: fleets with different prefixes share one Redis apart. Default `decoy`. */
  prefix?: string;
  /** Start alone when Redis is unreachable, and join once it answers. Default false: a start-up error. */
  optional?: boolean;
}

export function createStoreState(store: string | StoreOptions, options: {
  journalSize: number; logger: { info(m: string): void; warn(m: string): void }; resolveStub: (id: string) => Stub | undefined;
}): RedisState {
  const o = typeof store === 'string' ? { url: store } : store;
  // Checked before anything opens: a URL of none of the forms is refused with the forms it could take.
  parseStoreUrl(o.url);
  if (o.prefix !== undefined && !/^[\w.:-]+$/.test(o.prefix)) {
    throw new DecoyError('DECOY_ERR_STORE', `--store-prefix ${JSON.stringify(o.prefix)} must be letters, digits and . _ : -`);
  }
  const Adapter = redisAdapter();
  return new Adapter({ url: o.url, prefix: o.prefix ?? 'decoy', optional: o.optional ?? false, journalSize: options.journalSize, logger: options.logger, resolveStub: options.resolveStub });
}

/** Compiles another replica's API stub as the admin API compiled it there (an edit keeps its place in the order). */
export function sharedStubCompiler(engine: MockEngine, options: { readBodyFile?: (name: string, pointer: string) => Buffer; globalTemplating?: boolean }) {
  return (def: StubDefinition, replacing: Stub | undefined): Stub => compileStub(def, {
    sequence: replacing?.sequence ?? engine.nextSequence(),
    origin: {},
    ...(options.readBodyFile ? { readBodyFile: options.readBodyFile, readBodyFileAtRequest: (name: string) => options.readBodyFile!(name, '/response/bodyFileName'), bodyFileMayComeLater: true } : {}),
    ...(options.globalTemplating ? { globalTemplating: true } : {}),
  });
}
