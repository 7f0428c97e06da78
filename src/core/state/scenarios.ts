/**
 * WireMock scenarios: named state machines that start in `Started`. A stub that requires a state
 * matches only in that state; a stub with `newScenarioState` moves the scenario when it is served.
 */
export const STARTED = 'Started';

export class ScenarioStates {
  readonly #states = new Map<string, string>();

  get(name: string): string {
    return this.#states.get(name) ?? STARTED;
  }

  set(name: string, state: string): void {
    this.#states.set(name, state);
  }

  /** Back to `Started`: one scenario, or all of them. */
  reset(name?: string): void {
    if (name === undefined) this.#states.clear();
    else this.#states.delete(name);
  }

  entries(): Array<[string, string]> {
    return [...this.#states];
  }
}
