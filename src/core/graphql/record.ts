/**
 * Recording GraphQL traffic: a proxied GraphQL request becomes a `graphql:` request pattern (its
 * operation name, its query, its variables), not an exact-body pattern, so replay matches the same
 * operation however the client spaces or orders it.
 */
import { rawHeader } from '../raw-headers.js';
import { parseFormEncoded } from '../request.js';
import { createBodyView } from '../matching/body-view.js';
import type { GraphqlPatternDefinition } from './graphql-matcher.js';
import { readGraphqlPayload, type GraphqlPayload } from './operation.js';

/** A recorded exchange, as far as splitting a batch needs it. */
export interface BatchExchange extends RecordedRequest {
  status: number;
  responseHeaders: readonly string[];
  responseBody: Buffer;
}

/**
 * A recorded GraphQL batch as one exchange per operation (the operation as the request body, its answer
 * from the response array as the response body), so that each operation becomes a `graphql:` stub and
 * a batch replays per operation. Anything else, and a batch whose answer is not a JSON array of one
 * answer per operation (compressed, or an error for the whole batch), is kept as it is.
 */
export function splitGraphqlBatch<E extends BatchExchange>(e: E): E[] {
  if (e.requestBody.length === 0 || e.responseBody.length === 0) return [e];
  const encoding = rawHeader(e.responseHeaders, 'content-encoding');
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return [e];
  const payload = payloadOf(e);
  if (payload === undefined || !payload.batch) return [e];
  let answers: unknown;
  try {
    answers = JSON.parse(e.responseBody.toString('utf8'));
  } catch {
    return [e];
  }
  if (!Array.isArray(answers) || answers.length !== payload.calls.length) return [e];
  return payload.calls.map((call, i) => ({
    ...e,
    requestBody: Buffer.from(JSON.stringify(call.raw), 'utf8'),
    responseBody: Buffer.from(JSON.stringify(answers[i]), 'utf8'),
  }));
}

/** The parts of a recorded exchange a GraphQL pattern is made from. */
export interface RecordedRequest {
  method: string;
  url: string;
  requestHeaders: readonly string[];
  requestBody: Buffer;
}

function payloadOf(e: RecordedRequest): GraphqlPayload | undefined {
  const q = e.url.indexOf('?');
  const query = parseFormEncoded(q === -1 ? '' : e.url.slice(q + 1));
  const view = createBodyView(e.requestBody);
  return readGraphqlPayload({
    method: e.method.toUpperCase(), contentType: rawHeader(e.requestHeaders, 'content-type'), bodyLength: e.requestBody.length,
    query: (name) => query.get(name)?.[0], bodyText: () => view.text, bodyJson: () => view.json(),
  });
}

/** The query parameters GraphQL over HTTP uses: a GET's operation lives in them, not in its URL. */
export const GRAPHQL_QUERY_PARAMETERS = ['query', 'variables', 'operationName'];

/**
 * The `graphql:` pattern for a recorded request, or undefined when it is not a single GraphQL operation
 * (a batch is split first). `original` is the exchange before redaction: a variable that
 * redaction changed matches any value on replay.
 */
export function recordGraphqlPattern(redacted: RecordedRequest, original: RecordedRequest, mask: string): GraphqlPatternDefinition | undefined {
  const payload = payloadOf(redacted);
  if (payload === undefined || payload.batch) return undefined;
  const call = payload.calls[0]!;
  if (call.query === undefined || call.operation() === undefined) return undefined;
  const before = payloadOf(original)?.calls[0];
  const variables: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(call.variables)) {
    const was = before?.variables[name];
    const masked = JSON.stringify(value) !== JSON.stringify(was) || JSON.stringify(value).includes(mask);
    variables[name] = masked ? { matches: '.*' } : isOperatorLike(value) ? { equalToJson: JSON.stringify(value) } : value;
  }
  return {
    ...(call.name !== undefined ? { operationName: call.name } : {}),
    query: call.query,
    ...(Object.keys(variables).length ? { variables } : {}),
  };
}

/** A recorded variable that looks like a value pattern is written as equalToJson, so replay compares it as data. */
function isOperatorLike(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length >= 1;
}
