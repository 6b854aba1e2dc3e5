/**
 * Register to a PBX as an extension through drachtio (srf.request REGISTER; srf answers the digest
 * challenge itself). Refreshes at half the granted expiry; backs off on failure. Pattern: jambonz regbot.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../audio/clock.js';
import type { Registration } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { expiresOf } from './sip-utils.js';
import type { SipResponseMessage, SrfLike } from './types.js';

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'failed' | 'stopped';

export const MIN_REFRESH_EXPIRES_S = 30;
/** Failures retry from 5 s up to 5 min (jambonz waits a flat 300 s). */
export const REGISTER_BACKOFF: BackoffOptions = { initialMs: 5_000, maxMs: 300_000, factor: 2 };

export interface RegistrationStatus {
  registrar: string;
  user: string;
  state: RegistrationState;
  lastStatus?: number;
  expiresS?: number;
}

/** Host[:port] part of a sip: URI. */
function hostOf(uri: string): string {
  return uri
    .replace(/^sips?:/i, '')
    .replace(/^[^@]*@/, '')
    .split(/[;?>]/)[0]!;
}

export class PbxRegistration {
  state: RegistrationState = 'idle';
  private readonly callId = `${randomUUID()}@switchboard`;
  private timer: TimerHandle | undefined;
  private failures = 0;
  private lastStatus: number | undefined;
  private grantedS: number | undefined;
  private generation = 0;

  constructor(
    private readonly srf: SrfLike,
    readonly reg: Registration,
    private readonly contactHost: () => string | undefined,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The REGISTER we send: request-URI is the registrar domain, sent via the registrar address. */
  buildRequest(): { uri: string; opts: Parameters<SrfLike['request']>[1] } {
    const r = this.reg;
    const host = hostOf(r.registrar);
    const domain = host.replace(/:\d+$/, '');
    const scheme = r.registrar.toLowerCase().startsWith('sips:') ? 'sips' : 'sip';
    const aor = `<${scheme}:${r.user}@${domain}>`;
    const contactHost = this.contactHost() ?? domain;
    return {
      uri: `${scheme}:${domain}`,
      opts: {
        method: 'REGISTER',
        proxy: `${scheme}:${host};transport=${r.transport}`,
        headers: {
          'Call-ID': this.callId,
          From: aor,
          To: aor,
          Contact: `<${scheme}:${r.user}@${contactHost};transport=${r.transport}>;expires=${r.expires}`,
          Expires: String(r.expires),
          'User-Agent': 'Switchboard',
        },
        auth: { username: r.username ?? r.user, password: r.password },
      },
    };
  }

  start(): void {
    if (this.state === 'stopped') return;
    void this.send();
  }

  private async send(): Promise<void> {
    const gen = ++this.generation;
    this.state = this.state === 'registered' ? 'registered' : 'registering';
    const { uri, opts } = this.buildRequest();
    try {
      const sent = await this.srf.request(uri, opts);
      sent.on('response', (res) => {
        if (gen === this.generation) this.onResponse(res);
      });
    } catch (err) {
      if (gen === this.generation) this.fail(undefined, (err as Error).message);
    }
  }

  private onResponse(res: SipResponseMessage): void {
    if (this.state === 'stopped' || res.status < 200) return;
    this.lastStatus = res.status;
    if (res.status >= 300) return this.fail(res.status, res.reason ?? '');
    const granted = expiresOf(res.get('Contact'), res.get('Expires')) ?? this.reg.expires;
    this.grantedS = Math.max(MIN_REFRESH_EXPIRES_S, granted);
    this.failures = 0;
    this.state = 'registered';
    this.log.info(
      { registrar: this.reg.registrar, user: this.reg.user, expiresS: this.grantedS },
      'registered to PBX',
    );
    this.arm((this.grantedS * 1000) / 2);
  }

  private fail(status: number | undefined, reason: string): void {
    if (this.state === 'stopped') return;
    this.state = 'failed';
    const delay = backoffDelay(this.failures++, REGISTER_BACKOFF);
    this.log.warn(
      { registrar: this.reg.registrar, user: this.reg.user, status, reason, retryInMs: delay },
      'PBX registration failed',
    );
    this.arm(delay);
  }

  private arm(ms: number): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, ms);
  }

  status(): RegistrationStatus {
    const s: RegistrationStatus = { registrar: this.reg.registrar, user: this.reg.user, state: this.state };
    if (this.lastStatus !== undefined) s.lastStatus = this.lastStatus;
    if (this.grantedS !== undefined) s.expiresS = this.grantedS;
    return s;
  }

  /** Stop refreshing; the binding lapses at the PBX when it expires. */
  stop(): void {
    this.state = 'stopped';
    this.generation++;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
