/**
 * Batched GraphQL requests (a JSON array of operations, as Apollo's batch link and others send them):
 * each operation is matched on its own, as if it had come alone, and the answers are sent back as one
 * JSON array in the same order.
 */
import type { WireResponse } from '../response/wire-response.js';
import { DecoyRequest } from '../request.js';

/** The operations of a batch as requests of their own (same method, URL and headers; the element as the body), or undefined. */
export function batchOperations(request: DecoyRequest): DecoyRequest[] | undefined {
  // Only a POST's body can be a batch: every other request nothing matched (a proxied GET) is not read
  // as GraphQL here, so its headers are not collected for it.
  if (request.method !== 'POST' || request.body.length === 0) return undefined;
  const payload = request.graphql;
  if (payload === undefined || !payload.batch) return undefined;
  return payload.calls.map((call) => {
    const r = new DecoyRequest(request.method, request.url, () => request.headers, Buffer.from(JSON.stringify(call.raw), 'utf8'));
    r.connection = request.connection;
    return r;
  });
}

/** The answers to a batch's operations as one JSON array, in order. */
export function batchResponse(answers: readonly WireResponse[]): WireResponse {
  const parts: Buffer[] = [Buffer.from('[')];
  answers.forEach((answer, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    // An operation whose stub answers nothing (or not JSON) still takes its place in the array.
    parts.push(answer.body.length === 0 ? Buffer.from('null') : answer.body);
  });
  parts.push(Buffer.from(']'));
  const body = Buffer.concat(parts);
  return { status: 200, headers: ['Content-Type', 'application/json', 'Content-Length', String(body.length)], body };
}
