/**
 * WireMock scenarios: named state machines that start in `Started`. A stub that requires a state
 * matches only in that state; a stub with `newScenarioState` moves the scenario when it is served.
 */
export const STARTED = 'Started';
