/**
 * Stub definitions as written in files and (later) sent to the admin API: WireMock's mapping format,
 * plus Decoy's additions. These are plain data; `compileStub()` turns one into a runtime `Stub`.
 */

import type { GraphqlPatternDefinition } from './graphql/graphql-matcher.js';
import type { GraphqlResponseDefinition } from './graphql/graphql-response.js';
import type { RequestSchemaDefinition } from './request-schema.js';

/** A value pattern as written: a WireMock StringValuePattern object, or a plain string (Decoy: means equalTo). */
export type ValuePatternDefinition = string | Record<string, unknown>;

export interface RequestPatternDefinition {
  method?: string | string[];
  url?: string;
  urlPattern?: string;
  urlPath?: string;
  urlPathPattern?: string;
  urlPathTemplate?: string;
  /** Decoy: a path-to-regexp template such as `/users/:id` or `/files/*rest`. */
  path?: string;
  pathParameters?: Record<string, ValuePatternDefinition>;
  headers?: Record<string, ValuePatternDefinition>;
  queryParameters?: Record<string, ValuePatternDefinition>;
  cookies?: Record<string, ValuePatternDefinition>;
  formParameters?: Record<string, ValuePatternDefinition>;
  basicAuthCredentials?: { username: string; password: string };
  bodyPatterns?: ValuePatternDefinition[];
  /** The host the client addressed (the Host header without its port). */
  host?: ValuePatternDefinition;
  /** The port the client addressed (the Host header's port). */
  port?: number | string;
  scheme?: string;
  /** The client's address (X-Forwarded-For when sent, else the socket's peer). */
  clientIp?: ValuePatternDefinition;
  multipartPatterns?: MultipartPatternDefinition[];
  /** Decoy: a GraphQL operation, matched by meaning (see docs/guides/graphql.md). */
  graphql?: GraphqlPatternDefinition;
  /**
   * A WireMock Java extension's matcher, by name: Decoy cannot run one, so the stub never matches; except
   * `graphql-body-matcher` (WireMock's GraphQL extension), which Decoy matches as that extension does.
   */
  customMatcher?: { name?: string; parameters?: Record<string, unknown> };
}

/** WireMock's MultipartValuePattern: what one part (ANY) or every part (ALL) of a multipart body must be. */
export interface MultipartPatternDefinition {
  /** Written by WireMock's clients beside the Content-Disposition header pattern; not matched on its own. */
  name?: string;
  matchingType?: 'ANY' | 'ALL';
  headers?: Record<string, ValuePatternDefinition>;
  bodyPatterns?: ValuePatternDefinition[];
}

export interface ResponseDefinition {
  /** Decoy: a templated response may give its status as a template string. */
  status?: number | string;
  statusMessage?: string;
  headers?: Record<string, string | string[]>;
  /** A string; Decoy also accepts an object or array here, written out as JSON. */
  body?: unknown;
  jsonBody?: unknown;
  base64Body?: string;
  bodyFileName?: string;
  fixedDelayMilliseconds?: number;
  delayDistribution?: Record<string, unknown>;
  chunkedDribbleDelay?: { numberOfChunks: number; totalDuration: number };
  fault?: string;
  /** Decoy: a JSON Schema; the body is generated from it per request (realistic values, checked against it). */
  schema?: unknown;
  /** Decoy: a GraphQL answer: data generated from a schema, or GraphQL-shaped errors (see docs/guides/graphql.md). */
  graphql?: GraphqlResponseDefinition;
  /** Decoy: a bandwidth limit for the body. */
  bytesPerSecond?: number;
  /** WireMock: `['response-template']` renders this response as a Handlebars template. */
  transformers?: string[];
  /** WireMock: values templates read as `parameters`. */
  transformerParameters?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface StubDefinition {
  id?: string;
  uuid?: string;
  name?: string;
  priority?: number;
  persistent?: boolean;
  request?: RequestPatternDefinition;
  response?: ResponseDefinition;
  /** Decoy: a sequence of responses, served one per matching request (instead of `response`). */
  responses?: ResponseDefinition[];
  /** Decoy: what a sequence does after its last response: `repeat` it (default) or `cycle` to the first. */
  afterLastResponse?: 'repeat' | 'cycle';
  /** Decoy: alternatives to the normal response, by count or probability (see docs/faults.md). */
  chaos?: Array<Record<string, unknown>>;
  scenarioName?: string;
  requiredScenarioState?: string;
  newScenarioState?: string;
  metadata?: Record<string, unknown>;
  /** Decoy: what a matched request must look like (OpenAPI-style parameters and body); else a 400 listing the violations. */
  requestSchema?: RequestSchemaDefinition;
  [key: string]: unknown;
}

/** WireMock's default priority for a stub that names none. */
export const DEFAULT_PRIORITY = 5;
