/** What a started telephony back-end offers the agent, and what it is started with. */
import type { Registry } from 'prom-client';
import type { Clock } from '../time/clock.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import type { Router } from '../routing/router.js';
import type { LocalForkEndpoint } from '../fork/local-fork.js';
import type { CallTimeouts } from './calls/call-timeouts.js';
import type { OutboundDialer } from './calls/outbound/outbound-types.js';

export interface Telephony {
  /** Where the embedded gateway listens (undefined for drachtio, which owns SIP). */
  sip: { host: string; port: number; wsPort?: number; wssPort?: number } | undefined;
  /** Softphone contacts registered with the embedded registrar (absent for drachtio). */
  registeredUsers?(): Array<{ user: string; contact: string; transport: string; expiresInS: number }>;
  readiness(): { ok: boolean; detail: string };
  /** Places outbound calls (absent: this back-end cannot yet). */
  dialer?: OutboundDialer;
  stop(): Promise<void>;
}

export interface TelephonyOptions {
  config: Config;
  router: Router;
  /** Where media servers fork calls to: SWITCHBOARD_FORK_URL, else the agent's own /fork. */
  forkUrl: string;
  /** The agent's fork server in this process (the embedded gateway forks to it without a socket). */
  localFork?: LocalForkEndpoint;
  /** The agent's HTTP base URL (serves the web softphone: its origin may open SIP over WebSocket). */
  httpUrl?: string;
  /** Where the gateway's defence metrics go (the agent's /metrics registry). */
  metrics?: Registry;
  clock: Clock;
  log: Logger;
  /** Call-control timeouts (tests shorten them). */
  timeouts?: Partial<CallTimeouts>;
}
