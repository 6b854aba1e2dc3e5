/**
 * The real drachtio-srf and drachtio-fsmrf objects behind the thin interfaces in types.ts.
 * Nothing here decides anything; it only adapts call shapes (and works around two library quirks).
 */
import Mrf from 'drachtio-fsmrf';
import Srf from 'drachtio-srf';
import type {
  EndpointLike,
  ForkStartOptions,
  MediaServerLike,
  MediaServerSpec,
  MrfLike,
  SipRequestLike,
  SipResponseLike,
  SrfLike,
} from './types.js';

/** Cap for drachtio-srf's own reconnect back-off (it grows 1.7× per attempt from 150 ms, uncapped by default). */
export const DRACHTIO_RETRY_MAX_DELAY_MS = 30_000;

interface WireProtocolInternals {
  closing?: boolean;
  socket?: { destroyed?: boolean; destroy(): void };
  reconnectVars?: { retryTimer?: NodeJS.Timeout | null };
}

/** drachtio-srf keeps its wire protocol at srf._app.client.wp (the client is replaced on each connect()). */
function wireProtocol(srf: Srf): WireProtocolInternals | undefined {
  return (srf as unknown as { _app?: { client?: { wp?: WireProtocolInternals } } })._app?.client?.wp;
}

/**
 * Stop drachtio-srf for good. srf 5.0.29's disconnect() throws when no socket is authenticated (between
 * reconnect attempts, after a refused secret) before it marks the wire protocol closing, so its reconnect
 * loop outlived the stop and kept knocking on drachtio's admin port (seen against a real drachtio-server).
 */
function stopSrf(srf: Srf): void {
  const wp = wireProtocol(srf);
  if (wp) {
    wp.closing = true;
    if (wp.reconnectVars?.retryTimer) clearTimeout(wp.reconnectVars.retryTimer);
    if (wp.reconnectVars) wp.reconnectVars.retryTimer = null;
  }
  try {
    srf.disconnect();
  } catch {
    // no authenticated socket: nothing to end
  }
  if (wp?.socket && !wp.socket.destroyed) wp.socket.destroy();
}

export function createRealSrf(srf: Srf = new Srf()): SrfLike & { readonly raw: Srf } {
  // drachtio-srf's typings are partial (register(), request() signature, reconnect options); cast at the edge.
  const loose = srf as unknown as Record<string, (...args: unknown[]) => unknown>;
  let disconnected = false;
  // The first socket of a connect() is not reachable to destroy; if it authenticates after a stop, end it.
  srf.on('connect', (err: Error | null) => {
    if (disconnected && !err) stopSrf(srf);
  });
  return {
    raw: srf,
    connect(opts) {
      disconnected = false;
      loose.connect!.call(srf, { ...opts, reconnect: { retryMaxDelay: DRACHTIO_RETRY_MAX_DELAY_MS } });
    },
    disconnect() {
      disconnected = true;
      stopSrf(srf);
    },
    on(event: string, listener: (...args: never[]) => void) {
      srf.on(event as 'error', listener as (err: Error) => void);
      return this;
    },
    invite(handler) {
      srf.invite(handler as unknown as Parameters<Srf['invite']>[0]);
    },
    register(handler) {
      loose.register!.call(srf, handler);
    },
    request(uri, opts) {
      return loose.request!.call(srf, uri, opts) as ReturnType<SrfLike['request']>;
    },
    createB2BUA(req, res, uri, opts) {
      return loose.createB2BUA!.call(srf, req, res, uri, opts) as ReturnType<SrfLike['createB2BUA']>;
    },
  } as SrfLike & { readonly raw: Srf };
}

export function adaptEndpoint(ep: Mrf.Endpoint): EndpointLike {
  return {
    get uuid() {
      return ep.uuid;
    },
    get local() {
      return ep.local;
    },
    get remote() {
      return ep.remote;
    },
    async api(command, args) {
      const res = await ep.api(command, args);
      return typeof res === 'object' && res && 'getBody' in res ? res.getBody() : String(res);
    },
    forkAudioStart: (opts: ForkStartOptions) => ep.forkAudioStart(opts),
    forkAudioSendText: (bugname, data) => ep.forkAudioSendText(bugname, data),
    forkAudioStop: (bugname) => ep.forkAudioStop(bugname),
    play: (file) => ep.play(file),
    addCustomEventListener: (event, handler) => ep.addCustomEventListener(event, handler),
    removeCustomEventListener: (event) => ep.removeCustomEventListener(event),
    on(event: string, listener: (...args: never[]) => void) {
      ep.on(event, listener as (...args: unknown[]) => void);
      return this;
    },
    destroy: () => ep.destroy(),
  } as EndpointLike;
}

function adaptMediaServer(ms: Mrf.MediaServer): MediaServerLike {
  return {
    get address() {
      return ms.address;
    },
    get maxSessions() {
      return ms.maxSessions;
    },
    get currentSessions() {
      return ms.currentSessions;
    },
    async connectCaller(req: SipRequestLike, res: SipResponseLike) {
      const { endpoint, dialog } = await ms.connectCaller(req as never, res as never);
      return { endpoint: adaptEndpoint(endpoint), dialog: dialog as never };
    },
    disconnect: () => ms.disconnect(),
    on(event: string, listener: (...args: never[]) => void) {
      ms.on(event, listener as (...args: unknown[]) => void);
      return this;
    },
  } as MediaServerLike;
}

export interface RealMrfOptions {
  /** Address FreeSWITCH connects back to for outbound ESL (the `socket` dialplan app). */
  listenAddress?: string;
  advertisedAddress?: string;
}

export function createRealMrf(srf: Srf, o: RealMrfOptions = {}): MrfLike {
  const mrf = new Mrf(srf);
  return {
    async connect(spec: MediaServerSpec) {
      const ms = await mrf.connect({
        address: spec.host,
        port: spec.port,
        secret: spec.secret,
        listenPort: 0,
        ...(o.listenAddress ? { listenAddress: o.listenAddress } : {}),
        ...(o.advertisedAddress ? { advertisedAddress: o.advertisedAddress } : {}),
      });
      return adaptMediaServer(ms);
    },
  };
}
