/**
 * Where the composition root gets the Redis adapter (`--store`). Here it is a plain import: the library
 * makes a service with a store without an await. The command's bundle replaces this module
 * (scripts/bundle-cli.js) with one that imports the adapter, some 50 KB of code, only when
 * loadRedisAdapter() is awaited, so that a start without --store does not compile it
 * (docs/reference/performance.md#ready-spawn-to-the-first-served-request).
 */
import { RedisState } from './redis-state.js';

/** The adapter; in the command's bundle, once loadRedisAdapter() resolved. */
export function redisAdapter(): typeof RedisState {
  return RedisState;
}

/** Loads the adapter before a service with a store is made (the command's bundle imports it here). */
export async function loadRedisAdapter(): Promise<void> {}
