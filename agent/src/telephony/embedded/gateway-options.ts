/** Options and shared constants of the embedded SIP gateway. */
import type { Clock } from '../../time/clock.js';
import type { Registration, SoftphoneUser } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import type { AuthLockoutOptions } from '../../routing/auth-lockout.js';
import type { Router } from '../../routing/router.js';
import type { DigestAlgorithm } from '../../routing/digest.js';
import type { CallTimeouts } from '../calls/call-timeouts.js';
import type { SipDns } from '../calls/sip-target.js';
import type { ConnectionCaps } from './sip/connection-limits.js';
import type { CallMedia, MediaEvents } from './media-types.js';
import type { SipTimers } from './sip/timers.js';
import type { SipTlsClientOptions } from './sip/transport.js';
import type { TransportName } from './sip/via.js';

/**
 * Builds a call's media half; the media side raises transfer and hangup requests through `events`.
 * `offerSdp` is the INVITE's offer, so the builder can pick plain RTP or WebRTC media by its profile;
 * `caller` is where the INVITE came from (a candidate media source) and whether that source is trusted
 * (an untrusted source's RTP ports count against its per-source budget).
 */
export type CreateCallMedia = (
  callId: string,
  events: MediaEvents,
  offerSdp?: string,
  caller?: CallerSource,
) => CallMedia;

export interface CallerSource {
  address: string;
  /** A trunk source, trusted loopback or one of our PBX registrars: no per-source caps. */
  trusted: boolean;
}

export interface RateLimitOptions {
  /** Sustained requests (every method) per second per untrusted source address. */
  perSecond: number;
  burst: number;
  /** Over the limit: 503 with Retry-After, or silently drop. */
  action: 'reject' | 'drop';
}

export interface SipGatewayOptions {
  host: string;
  port: number;
  transports: TransportName[];
  /** Address put in Via/Contact/SDP when the bind address is not what peers should use. */
  externalHost?: string;
  router: Router;
  registrations: Registration[];
  createMedia: CreateCallMedia;
  clock: Clock;
  log: Logger;
  /** Send 180 Ringing and wait this long before answering (0: answer at once). */
  ringMs?: number;
  timers?: Partial<SipTimers>;
  maxMessageBytes?: number;
  rateLimit?: RateLimitOptions;
  /** Digest realm for trunk/user challenges. */
  realm?: string;
  digestAlgorithms?: DigestAlgorithm[];
  /** Call-control timeouts (transfer outcome, no answer, stop, REGISTER): defaults CALL_TIMEOUTS. */
  timeouts?: Partial<CallTimeouts>;
  userAgent?: string;
  /** DNS for locating PBX registrars (RFC 3263 NAPTR/SRV/A; default: the system's). */
  registrarDns?: SipDns;
  /** Registration retry back-off (defaults: 1 s doubling to 60 s, with jitter). */
  registrationBackoff?: { baseMs: number; maxMs: number };
  /** Softphone users who may REGISTER (digest) and be called at sip:<username>@<host>. */
  users?: SoftphoneUser[];
  /** Registrar Expires bounds, seconds (defaults: REGISTRAR_EXPIRES in calls/softphone-registrar.ts). */
  registrar?: { minExpires?: number; maxExpires?: number; defaultExpires?: number };
  /** SIP over WebSocket ports when `transports` has 'ws' / 'wss' (0: any free port). */
  wsPort?: number;
  wssPort?: number;
  /** SIP over TLS listener port when `transports` has 'tls' (0: any free port; default 5061). */
  tlsPort?: number;
  /** PEM certificate chain and key for the tls and wss listeners (required when either is enabled). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Outbound TLS to PBXs and trunks (sips:, transport=tls): extra trusted CAs, verification. */
  tlsClient?: SipTlsClientOptions;
  /** Idle TCP/TLS connections that carry no call and no softphone registration close after this (ms). */
  tcpIdleMs?: number;
  /** Caps on calls, transactions and connections (defaults: DEFAULT_GATEWAY_LIMITS). */
  limits?: Partial<GatewayLimits>;
  /** Browser origins that may open SIP over WebSocket; others get 403 (absent: any origin). */
  wsAllowedOrigins?: readonly string[];
  /** Failed-authentication lock-out tuning (defaults in AuthLockout). */
  lockout?: Partial<Omit<AuthLockoutOptions, 'clock' | 'onLock'>>;
  /** Something was refused or cut off by a defence (metrics). */
  onRefused?(reason: string, address: string): void;
}

/**
 * Caps on what the gateway holds. The per-source ones (and the rate limit) apply to sources we do not
 * trust; trunk sources, trusted loopback and our PBX registrars are held only by the global caps (a
 * carrier may run hundreds of calls from one address).
 */
export interface GatewayLimits {
  /** Calls at once (agent calls and softphone-to-softphone calls), in all and from one source address. */
  maxCalls: number;
  maxCallsPerSource: number;
  /** SIP server transactions alive at once, in all and per source address. */
  maxTransactions: number;
  maxTransactionsPerSource: number;
  connections: Partial<ConnectionCaps>;
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = {
  maxCalls: 500,
  maxCallsPerSource: 50,
  maxTransactions: 10_000,
  maxTransactionsPerSource: 200,
  connections: {},
};

export const ALLOW = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'NOTIFY', 'REGISTER', 'UPDATE'];
/** Methods we know of but do not serve: 405 with Allow. Anything else unknown: 501. */
export const KNOWN_UNSUPPORTED = ['SUBSCRIBE', 'MESSAGE', 'PUBLISH', 'REFER', 'PRACK'];
/** Option tags a Require may name (RFC 4028 session timers; the gateway's agent calls honour them). */
export const SUPPORTED_EXTENSIONS: string[] = ['timer'];
export const ACCEPT = 'application/sdp';
