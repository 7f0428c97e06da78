/**
 * The faults a response can carry: WireMock's four, and Decoy's HANG and STALL_BODY. The core says
 * which; the HTTP layer makes the client feel it.
 */
import { DecoyError } from '../errors.js';

export const FAULTS = ['CONNECTION_RESET_BY_PEER', 'EMPTY_RESPONSE', 'MALFORMED_RESPONSE_CHUNK', 'RANDOM_DATA_THEN_CLOSE', 'HANG', 'STALL_BODY'] as const;
export type FaultName = (typeof FAULTS)[number];

const EXPLANATIONS: Record<FaultName, string> = {
  CONNECTION_RESET_BY_PEER: 'resets the connection',
  EMPTY_RESPONSE: 'closes the connection without answering',
  MALFORMED_RESPONSE_CHUNK: 'sends a malformed chunk, then closes',
  RANDOM_DATA_THEN_CLOSE: 'sends random bytes, then closes',
  HANG: 'never answers',
  STALL_BODY: 'sends the headers and half the body, then stalls',
};

export function compileFault(v: unknown, pointer: string): FaultName {
  if (typeof v !== 'string' || !(FAULTS as readonly string[]).includes(v)) {
    throw new DecoyError('DECOY_ERR_STUB_INVALID', `fault must be one of ${FAULTS.join(', ')} (got ${JSON.stringify(v)})`, { source: { pointer } });
  }
  return v as FaultName;
}

export function explainFault(f: FaultName): string {
  return EXPLANATIONS[f];
}

/**
 * A delay, fault, error response or chaos rule applied to a request, as the journal records it (the
 * admin API sends it as the data of a `decoy.fault` sub-event; the client's type is this one).
 */
export interface AppliedFault {
  /** Where it came from: the stub's own keys, an entry of its `chaos` list, the global settings, or a run-time rule. */
  source: 'stub' | 'stub-chaos' | 'settings' | 'chaos-rule';
  /** The chaos rule's id, when `source` is `chaos-rule`. */
  ruleId?: string;
  /** What it did. */
  action: 'delay' | 'fault' | 'status' | 'dribble' | 'bandwidth';
  /** Which fault, when the action is `fault`. */
  fault?: FaultName;
  /** What was applied, in one sentence. */
  description: string;
}
