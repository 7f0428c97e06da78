/**
 * `POST /__admin/decoy/openapi`: the body is an OpenAPI document (JSON or YAML; Swagger 2.0, OpenAPI
 * 3.0 or 3.1, local `$ref`s only); every operation is added as stubs at run time, as if each had been
 * posted to /__admin/mappings. `?name=` names the document in the stubs' metadata (default: its title).
 */
import type { Router } from 'express';
import { parse as parseYaml } from 'yaml';
import type { Admin } from '../client/admin.js';
import { MAX_JSON_DEPTH, jsonTextTooDeep, valueTooDeep } from '../core/json-depth.js';
import { AdminProblem } from './problem.js';

/** Reads the document, JSON or YAML, refusing what nests too deep to walk. */
function parseOpenApiBody(text: string): Record<string, unknown> {
  // Checked before parsing: the YAML parser runs out of memory on a few KB of deeply nested brackets.
  const tooDeep = () => new AdminProblem(422, 'Invalid OpenAPI document', [{ detail: `the document nests deeper than ${MAX_JSON_DEPTH} levels` }]);
  if (jsonTextTooDeep(text)) throw tooDeep();
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new AdminProblem(422, 'Invalid OpenAPI document', [{ detail: `the body is neither JSON nor YAML: ${(e as Error).message.split('\n')[0]}` }]);
  }
  if (valueTooDeep(doc)) throw tooDeep();
  // Not an object: the admin says so.
  return doc as Record<string, unknown>;
}

export function registerOpenApiRoutes(router: Router, admin: Admin): void {
  router.post('/decoy/openapi', async (req, res) => {
    const name = typeof req.query.name === 'string' ? req.query.name : undefined;
    res.status(201).json(await admin.addOpenApi(parseOpenApiBody(typeof req.body === 'string' ? req.body : ''), name === undefined ? {} : { name }));
  });
}
