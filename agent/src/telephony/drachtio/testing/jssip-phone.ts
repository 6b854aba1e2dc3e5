/**
 * TEST-ONLY: a real JsSIP user agent (the WebRTC softphone stack) over SIP-over-WebSocket, run in Node
 * with the `ws` package as its WebSocket. It can register (digest auth done by JsSIP) and sees incoming
 * INVITEs; Node has no WebRTC, so it answers them with a chosen failure status instead of media.
 * JsSIP only takes an INVITE when `window.RTCPeerConnection` exists (it creates none before answering), so
 * a placeholder `window` is installed while the phone runs and removed by stop().
 */
import JsSIP from 'jssip';
import type { IncomingRTCSessionEvent, RTCSessionEvent } from 'jssip/lib/UA.js';
import { WebSocket } from 'ws';

export interface JssipPhone {
  /** Resolves with the REGISTER outcome (200, or the failure status / cause). */
  registered: Promise<{ ok: boolean; status?: number; cause?: string }>;
  /** Request-URIs of INVITEs received. */
  invites: string[];
  stop(): Promise<void>;
}

export function startJssipPhone(o: {
  wsUrl: string;
  user: string;
  domain: string;
  password: string;
  rejectInvitesWith: number;
}): JssipPhone {
  const g = globalThis as { WebSocket?: unknown; window?: unknown };
  g.WebSocket ??= WebSocket;
  const installedWindow = g.window === undefined;
  if (installedWindow) g.window = { RTCPeerConnection: function RTCPeerConnectionPlaceholder() {} };
  const socket = new JsSIP.WebSocketInterface(o.wsUrl);
  const ua = new JsSIP.UA({
    sockets: [socket],
    uri: `sip:${o.user}@${o.domain}`,
    password: o.password,
    register: true,
    register_expires: 300,
    session_timers: false,
    connection_recovery_min_interval: 60,
    connection_recovery_max_interval: 60,
  });
  const invites: string[] = [];
  ua.on('newRTCSession', ((e: RTCSessionEvent) => {
    if (e.originator !== 'remote') return;
    const incoming = e as IncomingRTCSessionEvent;
    invites.push(String(incoming.request.ruri));
    incoming.session.terminate({ status_code: o.rejectInvitesWith });
  }) as never);
  const registered = new Promise<{ ok: boolean; status?: number; cause?: string }>((resolve) => {
    ua.on('registered', (e) => resolve({ ok: true, status: e.response.status_code }));
    ua.on('registrationFailed', (e) => {
      const r: { ok: boolean; status?: number; cause?: string } = { ok: false, cause: String(e.cause) };
      if (e.response) r.status = e.response.status_code;
      resolve(r);
    });
  });
  ua.start();
  return {
    registered,
    invites,
    stop: async () => {
      const stopped = new Promise<void>((r) => {
        ua.once('disconnected', () => r());
        setTimeout(r, 2000);
      });
      ua.stop();
      await stopped;
      if (installedWindow) delete g.window;
    },
  };
}
