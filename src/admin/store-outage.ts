/**
 * Admin changes while the shared store is unreachable are refused (503), not made on this replica alone.
 *
 * Why refuse rather than queue: a change made on one replica while the fleet cannot hear it would be served
 * by that replica only, and on reconnection the fleet's state in the store wins (the replica reads it
 * again), so the change would be lost without a word; replaying it later instead could undo what another
 * replica changed meanwhile. A 503 tells the script or the person at once, and trying again once
 * `GET /__admin/health` says `store.connected` makes the change for the whole fleet.
 *
 * Reads pass, and so do the POSTs that only read (count, find, near misses) or touch only this process
 * (saving API stubs to this replica's files, the webhook journal, shutdown). Everything else is a change:
 * a new endpoint is refused during an outage unless it is listed here, which is the safe default.
 */
import type { NextFunction, Request, Response } from 'express';
import type { DecoyErrorCode } from '../core/errors.js';
import type { State } from '../core/state/state.js';
import { sendProblem } from './problem.js';

const LOCAL_OR_READ_ONLY = [
  '/requests/count', '/requests/find', '/near-misses/request', '/near-misses/request-pattern', '/requests/near-misses/request',
  '/requests/near-misses/request-pattern', '/mappings/find-by-metadata', '/mappings/save', '/decoy/webhooks/count', '/decoy/webhooks', '/shutdown',
];

export function refuseChangesWithoutStore(state: State): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    if (state.health === undefined || req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const path = req.path.replace(/\/+$/, '');
    if (LOCAL_OR_READ_ONLY.some((p) => path.endsWith(p))) return next();
    const health = state.health();
    if (health.connected) return next();
    res.setHeader('Retry-After', '1');
    sendProblem(res, 503, 'The shared store is unreachable', [{
      code: 'DECOY_ERR_STORE_UNAVAILABLE' satisfies DecoyErrorCode,
      detail: `the store ${health.url} is unreachable${health.lostSince ? ` since ${health.lostSince}` : ''}: ${req.method} ${req.originalUrl} would change this replica only, `
        + 'and the fleet\'s state would replace it when the store is back; nothing was changed. Try again once GET /__admin/health says store.connected is true',
    }]);
  };
}
