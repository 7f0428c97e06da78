/**
 * `decoy-mock/client`: the typed admin client that tests import.
 *
 * ```ts
 * import { DecoyClient } from 'decoy-mock/client';
 * const decoy = new DecoyClient('http://localhost:8080');
 * await decoy.createStub({ request: { method: 'GET', url: '/ping' }, response: { body: 'pong' } });
 * await decoy.verify({ method: 'GET', url: '/ping' });
 * ```
 */
export { DecoyClient, type DecoyClientOptions, type WaitOptions } from './decoy-client.js';
export { DecoyClientError, type ProblemDetail } from './client-error.js';
export { appliedFaults, proxiedTo, statusMessage } from './serve-events.js';
export type {
  AppliedFault, ChaosRule, ChaosRuleDefinition, DecoyStubInfo, DelayDistribution, Fault, GlobalSettings, Health, ImportOptions, ListStubsOptions, LoadError, LoggedParameter, LoggedRequest,
  LoggedResponse, NearMiss, NearMissRequest, RequestNearMiss, RequestPage, RequestsOptions, SaveResult, Scenario,
  ServeEvent, ServiceInfo, StubMapping, StubPage, SubEvent, UnsavedChanges, VerifyTimes,
} from './types.js';
export type { RequestPatternDefinition, ResponseDefinition, StubDefinition, ValuePatternDefinition } from '../core/stub-definition.js';
