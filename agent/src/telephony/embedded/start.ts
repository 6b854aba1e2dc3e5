/**
 * Start-up of the embedded back-end: the SIP gateway, its media factory (plain RTP or WebRTC per
 * offer), defence metrics, and the Telephony view start-telephony.ts hands to the agent.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Clock } from '../../time/clock.js';
import { ConfigError } from '../../config/load.js';
import { isLoopbackHost } from '../../config/sip-trust.js';
import type { Logger } from '../../log.js';
import type { Telephony, TelephonyOptions } from '../telephony.js';
import { SipGateway } from './gateway.js';
import type { SipTlsClientOptions } from './sip/transport.js';
import { GatewayMetrics } from './gateway-metrics.js';
import type { CallerSource, CreateCallMedia } from './gateway-options.js';
import { createCallMedia } from './media/call-media.js';
import type { ForkDestination } from './media/fork-link.js';
import { createPortAllocator, type PortAllocator } from './media/port-allocator.js';
import type { CallMedia, MediaEvents } from './media-types.js';
import { WebRtcCallMedia } from './webrtc/webrtc-call-media.js';
import { mediaKindForOffer } from './webrtc/webrtc-offer.js';

/**
 * The tls/wss listeners' certificate and key (PEM files), or a ConfigError naming the setting when tls
 * or wss is enabled without them, a file cannot be read, or the pair does not load.
 */
export function loadSipTls(
  env: TelephonyOptions['config']['env'],
): { cert: Buffer; key: Buffer } | undefined {
  const listeners = env.SWITCHBOARD_SIP_TRANSPORTS.filter((t) => t === 'tls' || t === 'wss');
  if (listeners.length === 0) return undefined;
  if (!env.SWITCHBOARD_TLS_CERT || !env.SWITCHBOARD_TLS_KEY)
    throw new ConfigError(
      `SWITCHBOARD_SIP_TRANSPORTS has ${listeners.join(' and ')}: set SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY (PEM files)`,
    );
  const pair = {
    cert: readPem('SWITCHBOARD_TLS_CERT', env.SWITCHBOARD_TLS_CERT),
    key: readPem('SWITCHBOARD_TLS_KEY', env.SWITCHBOARD_TLS_KEY),
  };
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new ConfigError(
      `SWITCHBOARD_TLS_CERT/SWITCHBOARD_TLS_KEY: not a usable PEM certificate and key (${(err as Error).message})`,
    );
  }
  return pair;
}

/** Outbound SIP over TLS: the extra CAs (SWITCHBOARD_SIP_TLS_CA, checked) and whether to verify. */
export function loadSipTlsClient(env: TelephonyOptions['config']['env']): SipTlsClientOptions {
  const ca = env.SWITCHBOARD_SIP_TLS_CA;
  if (!ca) return { verify: env.SWITCHBOARD_SIP_TLS_VERIFY };
  const pem = readPem('SWITCHBOARD_SIP_TLS_CA', ca);
  try {
    new X509Certificate(pem); // the first certificate of the bundle must parse
  } catch (err) {
    throw new ConfigError(
      `SWITCHBOARD_SIP_TLS_CA: ${ca} holds no usable PEM certificate (${(err as Error).message})`,
    );
  }
  return { ca: pem, verify: env.SWITCHBOARD_SIP_TLS_VERIFY };
}

function readPem(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export interface EmbeddedMediaOptions {
  host: string;
  externalHost?: string;
  rtpPorts: { min: number; max: number };
  /** RTP ports one INVITE source may hold (default: no budget). */
  rtpPortsPerSource?: number;
  /** Hang up after this long without caller RTP, hold excepted (ms; 0/absent: never). */
  rtpTimeoutMs?: number;
  onRtpDropped?(reason: string): void;
  fork: ForkDestination;
  log: Logger;
  clock: Clock;
}

/**
 * Browser origins that may open SIP over WebSocket by default: the agent's own (it serves the web
 * softphone at /phone; on a loopback bind also as localhost) and the Electron softphone's app://phone.
 */
export function defaultWsOrigins(httpUrl: string | undefined): string[] {
  const origins = ['app://phone'];
  if (!httpUrl) return origins;
  const u = new URL(httpUrl);
  origins.push(u.origin);
  if (isLoopbackHost(u.hostname)) {
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) origins.push(`${u.protocol}//${host}:${u.port}`);
  }
  return [...new Set(origins)];
}

/**
 * The embedded gateway's media builder: WebRTC media (ICE, DTLS-SRTP, werift) when the INVITE's offer
 * is UDP/TLS/RTP/SAVPF (softphones), plain RTP otherwise (SIP phones, PBXs, trunks). Both share the
 * RTP port range (werift probes for a free port; the plain-RTP allocator binds what it hands out).
 */
export function embeddedMediaFactory(o: EmbeddedMediaOptions): CreateCallMedia & { ports: PortAllocator } {
  const ports = createPortAllocator(o.rtpPorts, Date.now, 60_000, o.rtpPortsPerSource ?? Infinity);
  const create = (
    callId: string,
    events: MediaEvents,
    offerSdp?: string,
    caller?: CallerSource,
  ): CallMedia =>
    mediaKindForOffer(offerSdp ?? '') === 'webrtc'
      ? new WebRtcCallMedia({
          callId,
          host: o.externalHost ?? o.host,
          portRange: [o.rtpPorts.min, o.rtpPorts.max],
          fork: o.fork,
          events,
          log: o.log,
          clock: o.clock,
          ...(o.rtpTimeoutMs ? { rtpTimeoutMs: o.rtpTimeoutMs } : {}),
        })
      : createCallMedia({
          callId,
          localAddress: o.host,
          ...(o.externalHost ? { externalAddress: o.externalHost } : {}),
          ports,
          fork: o.fork,
          events,
          log: o.log,
          clock: o.clock,
          ...(caller ? { signalAddress: caller.address } : {}),
          ...(caller && !caller.trusted ? { portOwner: caller.address } : {}),
          ...(o.rtpTimeoutMs ? { rtpTimeoutMs: o.rtpTimeoutMs } : {}),
          ...(o.onRtpDropped ? { onRtpDropped: o.onRtpDropped } : {}),
        });
  return Object.assign(create, { ports });
}

export async function startEmbeddedTelephony(o: TelephonyOptions): Promise<Telephony> {
  const { env } = o.config;
  const log = o.log;
  const transports = env.SWITCHBOARD_SIP_TRANSPORTS;
  const tls = loadSipTls(env);
  // In-process unless told otherwise (or there is no agent here to hand calls to): the same protocol
  // objects by method calls; `websocket` forks over SWITCHBOARD_FORK_URL to an agent elsewhere.
  const fork: ForkDestination =
    env.SWITCHBOARD_EMBEDDED_FORK === 'in-process' && o.localFork
      ? { inProcess: o.localFork }
      : { url: o.forkUrl, username: o.config.fork.username, password: o.config.fork.password };
  log.info({ fork: 'inProcess' in fork ? 'in-process' : fork.url }, 'embedded gateway forks calls');
  const metrics = o.metrics ? new GatewayMetrics(o.metrics) : undefined;
  const createMedia = embeddedMediaFactory({
    host: env.SWITCHBOARD_SIP_HOST,
    ...(env.SWITCHBOARD_SIP_EXTERNAL_HOST ? { externalHost: env.SWITCHBOARD_SIP_EXTERNAL_HOST } : {}),
    rtpPorts: env.SWITCHBOARD_RTP_PORTS,
    rtpPortsPerSource: env.SWITCHBOARD_RTP_PORTS_PER_SOURCE,
    rtpTimeoutMs: env.SWITCHBOARD_RTP_TIMEOUT_S * 1000,
    ...(metrics ? { onRtpDropped: (reason: string) => metrics.rtpDropped(reason) } : {}),
    fork,
    log,
    clock: o.clock,
  });
  const gateway = new SipGateway({
    host: env.SWITCHBOARD_SIP_HOST,
    port: env.SWITCHBOARD_SIP_PORT,
    transports,
    wsPort: env.SWITCHBOARD_SIP_WS_PORT,
    wssPort: env.SWITCHBOARD_SIP_WSS_PORT,
    tlsPort: env.SWITCHBOARD_SIP_TLS_PORT,
    ...(tls ? { tls } : {}),
    tlsClient: loadSipTlsClient(env),
    users: o.config.profiles.users,
    ...(env.SWITCHBOARD_SIP_EXTERNAL_HOST ? { externalHost: env.SWITCHBOARD_SIP_EXTERNAL_HOST } : {}),
    router: o.router,
    registrations: o.config.profiles.registrations,
    clock: o.clock,
    log,
    ringMs: env.SWITCHBOARD_SIP_RING_MS,
    ...(o.timeouts ? { timeouts: o.timeouts } : {}),
    ...(env.SWITCHBOARD_SIP_RATE_LIMIT > 0
      ? {
          rateLimit: {
            perSecond: env.SWITCHBOARD_SIP_RATE_LIMIT,
            burst: 2 * env.SWITCHBOARD_SIP_RATE_LIMIT,
            action: 'reject' as const,
          },
        }
      : {}),
    limits: {
      maxCalls: env.SWITCHBOARD_SIP_MAX_CALLS,
      maxCallsPerSource: env.SWITCHBOARD_SIP_MAX_CALLS_PER_SOURCE,
      connections: {
        maxConnections: env.SWITCHBOARD_SIP_MAX_CONNECTIONS,
        maxPerSource: env.SWITCHBOARD_SIP_MAX_CONNECTIONS_PER_SOURCE,
      },
    },
    wsAllowedOrigins: env.SWITCHBOARD_SIP_WS_ORIGINS ?? defaultWsOrigins(o.httpUrl),
    ...(metrics ? { onRefused: (reason: string) => metrics.refused(reason) } : {}),
    createMedia,
  });
  metrics?.watch(
    () => gateway.load(),
    () => createMedia.ports.inUse,
  );
  await gateway.start();
  return {
    sip: {
      host: env.SWITCHBOARD_SIP_HOST,
      port: gateway.localPort(transports.includes('udp') ? 'udp' : (transports[0] ?? 'tcp')),
      ...(transports.includes('ws') ? { wsPort: gateway.localPort('ws') } : {}),
      ...(transports.includes('wss') ? { wssPort: gateway.localPort('wss') } : {}),
    },
    registeredUsers: () => gateway.registeredUsers(),
    dialer: gateway.dialer(),
    readiness: () => {
      const regs = gateway.registrationStates();
      const down = regs.filter((r) => r.state !== 'registered');
      return {
        ok: down.length === 0,
        detail: regs.length
          ? regs.map((r) => `${r.user}@${r.registrar}: ${r.state}`).join('; ')
          : `listening, ${gateway.activeCalls} calls`,
      };
    },
    stop: () => gateway.stop(),
  };
}
