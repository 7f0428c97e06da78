/**
 * Writes a stream of server-sent events as the engine planned it: the head at once, each event after its
 * wait, then the end the plan names (a normal end, a connection kept open, cut, or stalled). A stream
 * held open counts as a hung socket: bounded by the hang limit and closed when Decoy stops.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { StreamPlan } from '../core/response/event-stream.js';
import { EVENT_STREAM_HEADERS } from '../core/response/event-stream.js';
import type { WireResponse } from '../core/response/wire-response.js';
import { hold, writeHead, type DeliveryOptions } from './deliver.js';

export function streamEvents(res: ServerResponse, response: WireResponse, plan: StreamPlan, options: DeliveryOptions, done: () => void): void {
  const headers: string[] = [];
  let hasType = false;
  for (let i = 0; i + 1 < response.headers.length; i += 2) {
    const name = response.headers[i]!.toLowerCase();
    if (name === 'content-length') continue;
    if (name === 'content-type') hasType = true;
    headers.push(response.headers[i]!, response.headers[i + 1]!);
  }
  for (let i = 0; i < EVENT_STREAM_HEADERS.length; i += 2) {
    const name = EVENT_STREAM_HEADERS[i]!;
    if (name === 'Content-Type' && hasType) continue;
    if (!headers.some((h, j) => j % 2 === 0 && h.toLowerCase() === name.toLowerCase())) headers.push(name, EVENT_STREAM_HEADERS[i + 1]!);
  }
  writeHead(res, response, headers);
  res.flushHeaders();
  const socket = res.socket as Socket;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    done();
  };
  res.once('close', finish);
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return finish();
    if (i < plan.chunks.length) {
      const chunk = plan.chunks[i++]!;
      const write = (): void => {
        if (res.destroyed) return finish();
        res.write(chunk.text);
        next();
      };
      if (chunk.waitMs > 0) timer = setTimeout(write, chunk.waitMs);
      else write();
      return;
    }
    switch (plan.end) {
      case 'close':
        res.end();
        return;
      case 'cut':
        // Let what was written reach the client (flushed, and a moment for it to be read: a client that
        // gets the events and the close in one read may drop the events), then close mid-response.
        res.write('', () => {
          timer = setTimeout(() => {
            socket.end();
            socket.destroySoon();
          }, CUT_GAP_MS);
        });
        return;
      case 'keep-open':
      case 'stall':
        hold(socket, options);
        return;
    }
  };
  next();
}

/** How long after the last event a cut stream's connection is closed. */
const CUT_GAP_MS = 20;
