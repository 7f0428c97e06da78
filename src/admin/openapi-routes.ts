/**
 * `POST /__admin/decoy/openapi`: the body is an OpenAPI document (JSON or YAML; Swagger 2.0, OpenAPI
 * 3.0 or 3.1, local `$ref`s only); every operation is added as stubs at run time, as if each had been
 * posted to /__admin/mappings. `?name=` names the document in the stubs' metadata (default: its title).
 */
import type { Router } from 'express';
import { parse as parseYaml } from 'yaml';
import type { MockEngine } from '../core/engine.js';
import { isDecoyError } from '../core/errors.js';
import { MAX_JSON_DEPTH, jsonTextTooDeep, valueTooDeep } from '../core/json-depth.js';
import { isPlainObject } from '../core/matching/matcher-support.js';
import { AdminProblem } from './problem.js';
import { mappingJson } from './wiremock-json.js';

export function registerOpenApiRoutes(router: Router, ctx: { engine: MockEngine; validateRequests?: boolean }): void {
  router.post('/decoy/openapi', async (req, res) => {
    const text = typeof req.body === 'string' ? req.body : '';
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
    if (!isPlainObject(doc)) throw new AdminProblem(422, 'Invalid OpenAPI document', [{ detail: 'the body must be an OpenAPI document (a JSON or YAML object)' }]);
    const info = isPlainObject(doc.info) ? doc.info : {};
    const name = typeof req.query.name === 'string' && req.query.name !== '' ? req.query.name : typeof info.title === 'string' ? info.title : 'document';
    const [{ importOpenApiDocument }, { compileImported }] = await Promise.all([import('../sources/importers/openapi.js'), import('../sources/openapi-source.js')]);
    let imported;
    try {
      imported = await importOpenApiDocument(doc, { documentName: name, validateRequests: ctx.validateRequests ?? false });
    } catch (e) {
      if (isDecoyError(e)) throw new AdminProblem(422, 'Invalid OpenAPI document', [{ detail: e.message }]);
      throw e;
    }
    const { stubs, errors } = await compileImported(imported.stubs, name, ctx.engine.nextSequence);
    if (errors.length) throw new AdminProblem(422, 'Invalid OpenAPI document', errors.map((e) => ({ detail: e.message, ...(e.source?.pointer ? { pointer: e.source.pointer } : {}) })));
    for (const stub of stubs) ctx.engine.putStub(stub);
    res.status(201).json({ document: name, mappings: stubs.map(mappingJson), warnings: imported.warnings });
  });
}
