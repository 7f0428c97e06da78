/**
 * The namespace of an admin call. A call with the namespace header works on that namespace's engine
 * (its stubs, scenarios, journal, resources); one without it on the default one. The namespace is the
 * call's context (AsyncLocalStorage), set once here for the whole call: every admin operation stays one
 * route onto one in-process admin, which asks for the engine of the call it serves.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import type { MockEngine } from '../core/engine.js';
import { isDecoyError } from '../core/errors.js';
import type { Namespaces } from '../core/namespaces/namespaces.js';
import { AdminProblem } from './problem.js';

const current = new AsyncLocalStorage<MockEngine>();

/** The engine of the namespace the admin call being served names; undefined for the default namespace. */
export function namespaceEngine(): MockEngine | undefined {
  return current.getStore();
}

/** A namespace that cannot be used, as the admin API answers it: a bad name 400, one namespace too many 429. */
export function namespaceProblem(e: unknown): unknown {
  if (!isDecoyError(e)) return e;
  const status = e.code === 'DECOY_ERR_NAMESPACE_INVALID' ? 400 : e.code === 'DECOY_ERR_NAMESPACE_LIMIT' ? 429 : 0;
  if (status === 0) return e;
  return new AdminProblem(status, status === 400 ? 'Invalid namespace' : 'Too many namespaces', [{ detail: e.message + (e.hint ? ` (${e.hint})` : ''), code: e.code }]);
}

/**
 * The middleware that puts an admin call in its namespace. Placed after the body is read: the call's
 * context then holds from here to its answer. The namespaces' own endpoints manage namespaces and are
 * in none.
 */
export function namespaceScope(namespaces: Namespaces, header: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const named = req.headers[header];
    if (named === undefined || req.path.startsWith('/decoy/namespaces')) {
      next();
      return;
    }
    const name = Array.isArray(named) ? named.join(',') : named;
    let scope;
    try {
      scope = namespaces.scope(name, `the ${header} header`);
    } catch (e) {
      next(namespaceProblem(e));
      return;
    }
    if (scope instanceof Promise) scope.then((s) => current.run(s.engine, next), (e: unknown) => next(namespaceProblem(e)));
    else current.run(scope.engine, next);
  };
}
