/**
 * The mock engine: the current stub set, scenario states, and the decision for one request. It
 * knows nothing of sockets or files; the HTTP layer asks it what to answer, the sources tell it
 * what the stubs are.
 */
import { findNearMisses, formatNearMissReport, type NearMiss } from './matching/near-miss.js';
import { StubSet } from './matching/stub-index.js';
import type { DecoyRequest } from './request.js';
import { ScenarioStates } from './state/scenarios.js';
import type { Stub } from './stub.js';

export interface NotMatched {
  nearMisses: NearMiss[];
  /** The plain-text 404 body. */
  report: string;
}

export class MockEngine {
  readonly scenarios = new ScenarioStates();
  #set = new StubSet([]);
  #fileStubs: Stub[] = [];
  #sequence = 0;

  /** Hands out insertion order: a later stub wins over an earlier one of the same priority. */
  readonly nextSequence = (): number => ++this.#sequence;

  /** Created once: the scenario check handed to the index (no closure per request). */
  readonly #inState = (stub: Stub): boolean => {
    const s = stub.scenario;
    return s === undefined || s.requiredState === undefined || this.scenarios.get(s.name) === s.requiredState;
  };

  get stubs(): StubSet {
    return this.#set;
  }

  /** Replaces the stubs that came from files; the swap is atomic for requests. */
  setFileStubs(stubs: Stub[]): void {
    this.#fileStubs = stubs;
    this.#set = new StubSet(this.#fileStubs);
  }

  /** Finds the stub that answers this request and moves its scenario on. Hot path. */
  match(req: DecoyRequest): Stub | undefined {
    const stub = this.#set.find(req, this.#inState);
    const s = stub?.scenario;
    if (s !== undefined && s.newState !== undefined) this.scenarios.set(s.name, s.newState);
    return stub;
  }

  /** The near-miss report for a request nothing matched. Not on the hot path. */
  explainMiss(req: DecoyRequest): NotMatched {
    const nearMisses = findNearMisses(this.#set, req);
    return { nearMisses, report: formatNearMissReport(req, nearMisses) };
  }
}
