/**
 * The admin-socket connection to drachtio-server. drachtio-srf reconnects by itself with exponential
 * back-off (150 ms × 1.7 per attempt, capped by the adapter) when the connection is lost; this layer tracks
 * the state for /readyz and learns the SIP address drachtio listens on.
 *
 * A refused secret is different: srf resets its back-off on every TCP connect, so against a real
 * drachtio-server it re-sent the wrong secret every ~255 ms forever. On a refusal we stop srf and try again
 * ourselves on a slow back-off (5 s doubling to 5 min), in case drachtio is restarted with the right secret.
 */
import { systemClock, type Clock } from '../../time/clock.js';
import type { Logger } from '../../log.js';
import { RetryTimer, type BackoffOptions } from './backoff.js';
import type { SrfConnectOptions, SrfLike } from './types.js';

export const AUTH_RETRY_BACKOFF: BackoffOptions = { initialMs: 5_000, maxMs: 300_000, factor: 2 };

export type DrachtioState = 'connecting' | 'connected' | 'reconnecting' | 'auth_failed' | 'stopped';

/** drachtio's SIP host:port per transport from its hostport list ("udp/10.0.0.5:5060,tcp/10.0.0.5:5060"). */
export function sipAddressesFromHostport(hostport: string | undefined): { udp?: string; tcp?: string } {
  const out: { udp?: string; tcp?: string } = {};
  for (const entry of (hostport ?? '').split(',')) {
    const m = /^(udp|tcp)\/(.+)$/.exec(entry.trim());
    if (m && !out[m[1] as 'udp' | 'tcp']) out[m[1] as 'udp' | 'tcp'] = m[2];
  }
  return out;
}

export class DrachtioConnection {
  state: DrachtioState = 'connecting';
  /** drachtio-server's SIP addresses, learnt on connect. */
  sipAddresses: { udp?: string; tcp?: string } = {};
  connects = 0;
  authFailures = 0;
  private readonly listeners: Array<(connected: boolean) => void> = [];
  private readonly authRetry: RetryTimer;

  constructor(
    private readonly srf: SrfLike,
    private readonly opts: SrfConnectOptions,
    private readonly log: Logger,
    clock: Clock = systemClock,
    authBackoff: BackoffOptions = AUTH_RETRY_BACKOFF,
  ) {
    this.authRetry = new RetryTimer(clock, () => this.retryAfterRefusal(), authBackoff);
    srf.on('connect', (err, hostport) => {
      if (this.state === 'stopped') return;
      if (err) return this.refused(err);
      this.authRetry.reset();
      this.state = 'connected';
      this.connects++;
      this.sipAddresses = sipAddressesFromHostport(hostport);
      this.log.info({ hostport }, 'connected to drachtio-server');
      for (const l of this.listeners) l(true);
    });
    srf.on('close', () => this.lost('closed'));
    srf.on('error', (err) => {
      if (this.state !== 'stopped') this.log.warn({ err: err.message }, 'drachtio connection error');
    });
    srf.on('reconnecting', () => {
      if (this.state !== 'stopped' && this.state !== 'auth_failed') this.state = 'reconnecting';
    });
  }

  private refused(err: Error): void {
    this.authFailures++;
    if (this.state === 'auth_failed' && this.authRetry.pending) return;
    this.state = 'auth_failed';
    this.srf.disconnect();
    const retryInMs = this.authRetry.schedule();
    this.log.error(
      { err: err.message, retryInMs },
      'drachtio-server refused the connection (check DRACHTIO_SECRET)',
    );
  }

  private retryAfterRefusal(): void {
    if (this.state === 'stopped') return;
    this.log.info({ host: this.opts.host, port: this.opts.port }, 'retrying drachtio-server after refusal');
    this.srf.connect(this.opts);
  }

  private lost(why: string): void {
    if (this.state === 'stopped') return;
    const was = this.state;
    if (this.state !== 'auth_failed') this.state = 'reconnecting';
    if (was === 'connected') {
      this.log.warn({ why }, 'lost drachtio-server; reconnecting');
      for (const l of this.listeners) l(false);
    }
  }

  onChange(listener: (connected: boolean) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.log.info({ host: this.opts.host, port: this.opts.port }, 'connecting to drachtio-server');
    this.srf.connect(this.opts);
  }

  stop(): void {
    this.state = 'stopped';
    this.authRetry.stop();
    try {
      this.srf.disconnect();
    } catch {
      // not connected
    }
  }
}
