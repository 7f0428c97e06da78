/**
 * The `/__admin` endpoints available so far: `GET /__admin/health`, shaped like WireMock 3's, so
 * scripts and container health checks can wait for readiness. Anything else under `/__admin` gets
 * a problem+json 404 (RFC 9457) rather than falling through to the stubs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MockEngine } from '../core/engine.js';
import { VERSION } from '../version.js';

export function createAdminHandler(engine: MockEngine, startedAt: number): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    // The body, if any, is not needed; drain it so the connection can be reused.
    req.resume();
    if (path === '/__admin/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, 'application/json', {
        status: 'healthy',
        message: 'Decoy is ok',
        version: VERSION,
        uptimeInSeconds: Math.floor((Date.now() - startedAt) / 1000),
        timestamp: new Date().toISOString(),
        stubs: engine.stubs.size,
      });
      return;
    }
    send(res, 404, 'application/problem+json', {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: `no admin endpoint ${req.method} ${path}; this version answers GET /__admin/health`,
    });
  };
}

function send(res: ServerResponse, status: number, type: string, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length });
  res.end(bytes);
}
