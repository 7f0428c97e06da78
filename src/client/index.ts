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
export type { Admin } from './admin.js';
export { DecoyClient, type DecoyClientOptions, type WaitOptions } from './decoy-client.js';
export { verifyRequests } from './verification.js';
export { DecoyClientError, type ProblemDetail } from './client-error.js';
export { appliedFaults, proxiedTo, statusMessage } from './serve-events.js';
export type {
  AppliedFault, ChaosRule, ChaosRuleDefinition, DecoyStubInfo, DelayDistribution, Fault, GlobalSettings, Health, ImportOptions, ListStubsOptions, LoadError, LoggedParameter, LoggedRequest,
  LoggedResponse, MatchResult, NearMiss, NearMissRequest, OpenApiResult, RecordingResult, RecordingSpec, RecordingStatus, RedactionReport, RequestCount,
  RequestNearMiss, RequestPage, RequestsOptions, ResourceInfo, SaveResult, Scenario, ServeEvent, ServiceInfo, StubMapping, StubPage, SubEvent, UnsavedChanges,
  VerifyTimes, WireMockFault,
} from './types.js';
export type { RequestPatternDefinition, ResponseDefinition, StubDefinition, ValuePatternDefinition } from '../core/stub-definition.js';
