/**
 * Batched GraphQL requests (a JSON array of operations, as Apollo's batch link and others send them):
 * each operation is matched on its own, as if it had come alone, and the answers are sent back as one
 * JSON array in the same order.
 */
import type { WireResponse } from '../faults/plan.js';
import { DecoyRequest } from '../request.js';

/** The operations of a batch as requests of their own (same method, URL and headers; the element as the body), or undefined. */
export function batchOperations(request: DecoyRequest): DecoyRequest[] | undefined {
  const payload = request.graphql;
  if (payload === undefined || !payload.batch) return undefined;
  return payload.calls.map((call) => {
    const r = new DecoyRequest(request.method, request.url, () => request.headers, Buffer.from(JSON.stringify(call.raw), 'utf8'));
    r.connection = request.connection;
    return r;
  });
}

/**
 * The answer to a batch whose every operation a stub matches, with the stubs that matched (the journal
 * shows the batch as served by the first), or undefined (not a batch, or some operation is matched by
 * nothing: the batch is then a miss as a whole). Each operation is a request of its own: same method,
 * URL and headers, its element of the array as the body.
 */
export function answerGraphqlBatch<S>(
  request: DecoyRequest,
  match: (operation: DecoyRequest) => S | undefined,
  respond: (stub: S, operation: DecoyRequest) => WireResponse,
): { response: WireResponse; stubs: S[] } | undefined {
  const operations = batchOperations(request);
  if (operations === undefined) return undefined;
  const stubs: S[] = [];
  for (const op of operations) {
    const stub = match(op);
    if (stub === undefined) return undefined;
    stubs.push(stub);
  }
  const parts: Buffer[] = [Buffer.from('[')];
  operations.forEach((op, i) => {
    const body = respond(stubs[i]!, op).body;
    if (i > 0) parts.push(Buffer.from(','));
    // An operation whose stub answers nothing (or not JSON) still takes its place in the array.
    parts.push(body.length === 0 ? Buffer.from('null') : body);
  });
  parts.push(Buffer.from(']'));
  const body = Buffer.concat(parts);
  return { response: { status: 200, headers: ['Content-Type', 'application/json', 'Content-Length', String(body.length)], body }, stubs };
}
