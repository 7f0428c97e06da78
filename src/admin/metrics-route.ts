/**
 * `GET /__admin/metrics`: the Prometheus exposition text. Behind `--admin-token` like the rest of the
 * admin API (Prometheus sends it with `authorization: { credentials: ... }` in the scrape config).
 */
import type { Router } from 'express';
import { METRICS_CONTENT_TYPE, type DecoyMetrics } from '../observability/metrics.js';

export function addMetricsRoute(router: Router, metrics: DecoyMetrics | undefined): void {
  if (!metrics) return;
  router.get('/metrics', async (_req, res) => {
    const text = await metrics.text();
    res.status(200).setHeader('Content-Type', METRICS_CONTENT_TYPE);
    res.setHeader('Cache-Control', 'no-store');
    res.end(text);
  });
}
