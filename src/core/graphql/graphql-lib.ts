/**
 * The `graphql` reference implementation, loaded the first time a GraphQL stub or request needs it: it
 * takes about 100 ms to import, and most stub sets have no GraphQL. Node loads its CommonJS build
 * synchronously, so the hot path never waits on a Promise; every Decoy module uses this one instance.
 */
import { createRequire } from 'node:module';

type GraphqlModule = typeof import('graphql');

let loaded: GraphqlModule | undefined;

/** The `graphql` module, loaded on first call. */
export function graphqlLib(): GraphqlModule {
  loaded ??= createRequire(import.meta.url)('graphql') as GraphqlModule;
  return loaded;
}
