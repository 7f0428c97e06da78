/**
 * What a chaos entry (of a stub) or a chaos rule (run-time) does: delay the response, replace it with a
 * fault, or replace it with an error response. Compiled once; shared by both.
 */
import { DecoyError, joinPointer } from '../errors.js';
import { compileFieldFailures, staticGraphqlBody, type FieldFailures } from '../graphql/graphql-response.js';
import { compileResponse, type PreparedResponse } from '../response/static-response.js';
import type { ResponseDefinition } from '../stub-definition.js';
import { compileDelays, type Delay } from './delay.js';
import { compileFault, explainFault, type FaultName } from './fault.js';

export type ChaosAction =
  | { kind: 'delay'; delay: Delay; explain(): string }
  | { kind: 'fault'; fault: FaultName; explain(): string }
  | { kind: 'status'; response: PreparedResponse; explain(): string }
  /** Decoy: GraphQL errors on fields of the answer the request gets anyway (the stub's, generated or written). */
  | { kind: 'graphql-fields'; failures: FieldFailures; fallback: PreparedResponse; explain(): string };

export const ACTION_KEYS = ['fixedDelayMilliseconds', 'delayDistribution', 'fault', 'status'] as const;

/** Compiles the action of `def`; exactly one of delay, fault or status. */
export function compileChaosAction(def: Record<string, unknown>, pointer: string): ChaosAction {
  if (def.graphql !== undefined) return compileGraphqlAction(def, pointer);
  const present = ACTION_KEYS.filter((k) => def[k] !== undefined);
  const isDelay = present.includes('fixedDelayMilliseconds') || present.includes('delayDistribution');
  const kinds = (isDelay ? 1 : 0) + (present.includes('fault') ? 1 : 0) + (present.includes('status') ? 1 : 0);
  if (kinds !== 1) {
    throw new DecoyError('DECOY_ERR_STUB_INVALID', kinds === 0
      ? 'a chaos entry needs one action: fixedDelayMilliseconds, delayDistribution, fault, or status (with body)'
      : `a chaos entry has one action, not several (${present.join(', ')})`, { source: { pointer } });
  }
  if (!present.includes('status')) {
    for (const k of ['body', 'jsonBody', 'headers']) {
      if (def[k] !== undefined) throw new DecoyError('DECOY_ERR_STUB_INVALID', `${k} goes with status (an error response)`, { source: { pointer: joinPointer(pointer, k) } });
    }
  }
  if (isDelay) {
    const delay = compileDelays(def, pointer)!;
    return { kind: 'delay', delay, explain: () => delay.explain() };
  }
  if (present.includes('fault')) {
    const fault = compileFault(def.fault, joinPointer(pointer, 'fault'));
    return { kind: 'fault', fault, explain: () => `fault ${fault} (${explainFault(fault)})` };
  }
  const status = def.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new DecoyError('DECOY_ERR_STUB_INVALID', `status must be an integer from 100 to 599 (got ${JSON.stringify(status)})`, { source: { pointer: joinPointer(pointer, 'status') } });
  }
  const response = compileResponse({ status, body: def.body, jsonBody: def.jsonBody, headers: def.headers } as ResponseDefinition, {}, pointer);
  return { kind: 'status', response, explain: () => `an error response ${status}` };
}

/**
 * Decoy: `graphql: { errors, data }`, a GraphQL-shaped failure: the errors (and any partial data) as a
 * GraphQL server sends them, with HTTP 200 unless `status` says otherwise.
 */
function compileGraphqlAction(def: Record<string, unknown>, pointer: string): ChaosAction {
  const other = ['fixedDelayMilliseconds', 'delayDistribution', 'fault', 'body', 'jsonBody'].find((k) => def[k] !== undefined);
  if (other !== undefined) throw new DecoyError('DECOY_ERR_STUB_INVALID', `a chaos entry has one action: graphql (an error answer) or ${other}, not both`, { source: { pointer: joinPointer(pointer, other) } });
  const g = def.graphql;
  if (typeof g !== 'object' || g === null || Array.isArray(g) || (g as { errors?: unknown }).errors === undefined) {
    throw new DecoyError('DECOY_ERR_STUB_INVALID', 'graphql must be an object with errors (and data, for a partial answer)', { source: { pointer: joinPointer(pointer, 'graphql') } });
  }
  const unknown = Object.keys(g).find((k) => k !== 'errors' && k !== 'data');
  if (unknown !== undefined) throw new DecoyError('DECOY_ERR_STUB_INVALID', `graphql has an unknown key "${unknown}"; valid keys: errors, data`, { source: { pointer: joinPointer(pointer, 'graphql', unknown) } });
  const status = def.status ?? 200;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new DecoyError('DECOY_ERR_STUB_INVALID', `status must be an integer from 100 to 599 (got ${JSON.stringify(status)})`, { source: { pointer: joinPointer(pointer, 'status') } });
  }
  const body = staticGraphqlBody(g as { errors?: unknown; data?: unknown }, joinPointer(pointer, 'graphql'));
  const headers = { 'Content-Type': 'application/json', ...(def.headers as Record<string, string> | undefined) };
  const response = compileResponse({ status, body, headers } as ResponseDefinition, {}, pointer);
  const count = ((g as { errors: unknown[] }).errors ?? []).length;
  // Errors that all name a path, without data: they fail those fields of the real answer.
  const failures = (g as { data?: unknown }).data === undefined && def.status === undefined
    ? compileFieldFailures((g as { errors: unknown }).errors, joinPointer(pointer, 'graphql', 'errors')) : undefined;
  if (failures) {
    return { kind: 'graphql-fields', failures, fallback: response, explain: () => `GraphQL errors on ${failures.paths.join(', ')} of the answer` };
  }
  return { kind: 'status', response, explain: () => `a GraphQL error answer (${count} error${count === 1 ? '' : 's'}, HTTP ${status})` };
}
