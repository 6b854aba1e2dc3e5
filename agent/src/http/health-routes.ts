/** /healthz (process alive), /readyz (can take calls), /metrics (Prometheus text). Never behind the API token. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ReadinessProbe } from './readiness.js';

export function registerHealthRoutes(
  app: FastifyInstance,
  readiness: ReadinessProbe,
  metrics: Registry,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (req, reply) => {
    try {
      const report = await readiness();
      return reply
        .code(report.ready ? 200 : 503)
        .send({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
    } catch (err) {
      req.log.error({ err }, 'readiness probe failed');
      return reply
        .code(503)
        .send({ status: 'not_ready', checks: { probe: { ok: false, detail: 'probe failed' } } });
    }
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.metrics();
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}
