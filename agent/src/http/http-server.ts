/**
 * The HTTP face of the agent: health, readiness, Prometheus metrics, the calls API with live events,
 * static web apps (the softphone), and WebSocket upgrades handed to the fork server.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from '../time/clock.js';
import type { Logger } from '../log.js';
import type { CallQueries } from '../store/store-types.js';
import { apiGuard } from './api-guard.js';
import { registerCallEventsRoute } from './call-events-route.js';
import { registerCallsRoutes } from './calls-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerOutboundCallsRoutes, type OutboundCallsApi } from './outbound-calls-route.js';
import { registerSoftphoneConfigRoute, type SoftphoneSipInfo } from './softphone-config-route.js';
import type { LiveEvents } from './live-events.js';
import type { ReadinessProbe } from './readiness.js';
import { SSE_HEARTBEAT_MS, type SseStream } from './sse-stream.js';
import { registerStaticDirs } from './static-files.js';

export interface HttpServerDeps {
  store: CallQueries;
  /** The registry CallMetrics writes to (CallMetrics.registry). */
  metrics: Registry;
  live: LiveEvents;
  readiness: ReadinessProbe;
  log: Logger;
  /** When set, /api/* needs `Authorization: Bearer <token>` or `?token=`; health, ready and metrics stay open. */
  apiToken?: string;
  /** Cross-origin pages allowed to read /api (e.g. app://phone, the Electron softphone). */
  apiOrigins?: string[];
  /** URL prefix → directory, e.g. { '/phone': 'softphone/dist' }; index.html for the prefix and SPA routes. */
  staticDirs?: Record<string, string>;
  /** The embedded gateway's SIP WebSocket listeners, for the web softphone's /phone/config.json. */
  softphoneSip?: () => SoftphoneSipInfo | undefined;
  /** WebSocket upgrades: return true when taken (e.g. ForkServer.handleUpgrade). Others are refused and destroyed. */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** Outbound calls (POST/DELETE /api/calls), once the telephony back-end is up. */
  outbound?: () => OutboundCallsApi | undefined;
  /** Heartbeat timers of the live event streams. */
  clock?: Clock;
  /** Default 15 000. */
  sseHeartbeatMs?: number;
}

export type HttpApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger>;

export interface BoundAddress {
  host: string;
  port: number;
  /** e.g. http://127.0.0.1:8080 or http://[::1]:8080 */
  url: string;
}

export interface HttpServer {
  app: HttpApp;
  /** Starts listening; port 0 picks a free port. Resolves with the address actually bound. */
  listen(host: string, port: number): Promise<BoundAddress>;
  /** Ends live event streams, then closes the server. */
  close(): Promise<void>;
}

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Our onResponse hook logs requests, by path only (the query may carry ?token=).
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
  }) as unknown as HttpApp;
  const streams = new Set<SseStream>();

  app.addHook('onRequest', apiGuard(deps.apiToken, deps.apiOrigins));
  app.addHook('onResponse', async (req, reply) => {
    const path = req.url.split('?', 1)[0];
    req.log.debug(
      { method: req.method, path, status: reply.statusCode, ms: reply.elapsedTime },
      'http request',
    );
  });
  app.addHook('preClose', async () => {
    for (const s of [...streams]) {
      s.send({ type: 'end', reason: 'server_closing' });
      s.close();
    }
  });
  installErrorHandlers(app);

  registerHealthRoutes(app, deps.readiness, deps.metrics);
  registerCallsRoutes(app, deps.store, deps.live);
  registerOutboundCallsRoutes(app, deps.outbound ?? (() => undefined), deps.apiToken !== undefined);
  registerCallEventsRoute(app, {
    store: deps.store,
    live: deps.live,
    clock: deps.clock ?? systemClock,
    heartbeatMs: deps.sseHeartbeatMs ?? SSE_HEARTBEAT_MS,
    streams,
  });
  if (deps.softphoneSip) registerSoftphoneConfigRoute(app, deps.softphoneSip, deps.apiToken !== undefined);
  if (deps.staticDirs) registerStaticDirs(app, deps.staticDirs);

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    routeUpgrade(deps, req, socket, head),
  );

  return {
    app,
    async listen(host, port) {
      await app.listen({ host, port });
      const addr = app.server.address() as AddressInfo;
      const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return { host: addr.address, port: addr.port, url: `http://${shown}:${addr.port}` };
    },
    close: () => app.close(),
  };
}

function routeUpgrade(deps: HttpServerDeps, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', (err) => deps.log.debug({ err }, 'upgrade socket error'));
  let taken = false;
  try {
    taken = deps.onUpgrade?.(req, socket, head) ?? false;
  } catch (err) {
    deps.log.error({ err }, 'upgrade handler failed');
  }
  if (taken) return;
  deps.log.debug({ path: req.url?.split('?', 1)[0] }, 'upgrade refused: no handler for this path');
  socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  socket.destroy();
}

function installErrorHandlers(app: HttpApp): void {
  app.setNotFoundHandler(async (_req, reply) => reply.code(404).send({ error: 'not_found' }));
  app.setErrorHandler(async (err: { statusCode?: number; code?: string; message?: string }, req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: 'internal' });
    }
    return reply.code(status).send({ error: err.code ?? 'bad_request', message: err.message });
  });
}
