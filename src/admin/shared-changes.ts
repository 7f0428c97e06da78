/**
 * With a shared store, an admin call that changes something (a stub, a chaos rule, a setting, a scenario, a
 * resource...) is answered once the store holds the change: from there it reaches every replica in about a
 * millisecond, so a script that posts a stub through one replica and then sends its request through the
 * balancer finds the stub served, instead of racing this replica's own writing of it to the store. Without a
 * shared store a change is made at once, and the answer goes as before.
 */
import type { NextFunction, Request, Response } from 'express';
import type { State } from '../core/state/state.js';

/** `state`: the state the call works on (its namespace's), asked once the call is in its namespace. */
export function answerOnceWritten(state: () => State) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const s = state();
    if (s.written === undefined || req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      next();
      return;
    }
    const end = res.end;
    res.end = ((...args: Parameters<Response['end']>) => {
      void s.written!().then(() => end.apply(res, args));
      return res;
    }) as Response['end'];
    next();
  };
}
