/**
 * Keeps one account registered: connect the WebSocket, REGISTER, watch the binding, and recover.
 * - sip.js refreshes the binding itself at `refreshFrequency` % of expires; a watchdog at the full
 *   expiry catches a refresh that never came back (SIP.js #894/#1071) and starts over.
 * - Transport loss or a rejected REGISTER → 'retrying' with exponential back-off, then reconnect
 *   with a fresh Registerer (a stale one may still think a REGISTER is pending).
 * - resume()/online() (sleep, network change) skip the back-off and start over at once.
 * - A 401/403/407 after sip.js has answered the challenge means the credentials are wrong: retried
 *   once after the back-off (a PBX reloading its users), then 'failed' for good; retrying the same
 *   wrong password forever only locks the account on many PBXs. Editing the account starts afresh.
 */
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff.js';
import { Listeners } from './listeners.js';
import type { RegistererLike, SipFactory, UserAgentLike } from './sip-port.js';
import type { PhoneTimer } from './timer.js';
import type { RegistrationState, RegistrationStatus } from './types.js';

const TRANSITIONS: Record<RegistrationState, readonly RegistrationState[]> = {
  idle: ['connecting', 'stopped'],
  connecting: ['registering', 'retrying', 'stopped', 'unregistering'],
  registering: ['registered', 'retrying', 'connecting', 'stopped', 'unregistering', 'failed'],
  registered: ['registering', 'retrying', 'connecting', 'unregistering', 'stopped'],
  retrying: ['connecting', 'registering', 'stopped', 'unregistering'],
  unregistering: ['stopped'],
  stopped: ['connecting'],
  failed: ['stopped', 'connecting'],
};

/** Consecutive credential rejections before giving up. */
export const AUTH_FAILURES_BEFORE_STOP = 2;
const AUTH_REJECTIONS = new Set([401, 403, 407]);

export class RegistrationError extends Error {
  constructor(
    readonly code: 'bad_transition',
    message: string,
  ) {
    super(message);
    this.name = 'RegistrationError';
  }
}

export interface RegistrationOptions {
  accountId: string;
  ua: UserAgentLike;
  factory: Pick<SipFactory, 'createRegisterer'>;
  timer: PhoneTimer;
  expiresSec: number;
  backoff?: BackoffOptions;
}

export const REFRESH_FREQUENCY = 85;

export class Registration {
  readonly changes = new Listeners<RegistrationStatus>();
  private current: RegistrationState = 'idle';
  private registerer: RegistererLike | undefined;
  private retryTimer: unknown;
  private watchdog: unknown;
  private attempt = 0;
  private started = false;
  private error: string | undefined;
  private retryAt: number | undefined;
  private authFailures = 0;

  constructor(private readonly o: RegistrationOptions) {}

  get state(): RegistrationState {
    return this.current;
  }

  status(): RegistrationStatus {
    const s: RegistrationStatus = { accountId: this.o.accountId, state: this.current, attempt: this.attempt };
    if (this.error !== undefined) s.error = this.error;
    if (this.current === 'failed') s.failure = 'wrong_password';
    if (this.retryAt !== undefined) s.retryAt = this.retryAt;
    return s;
  }

  /** Connect and register. The UA's delegate onConnect/onDisconnect must be routed to the methods below. */
  start(): void {
    this.connect();
  }

  /** The transport came up (first time or after reconnect). */
  onConnect(): void {
    if (this.current === 'stopped' || this.current === 'unregistering' || this.current === 'failed') return;
    this.register();
  }

  /** The transport went down; with an error it was not us closing it. */
  onDisconnect(error?: Error): void {
    if (this.current === 'stopped' || this.current === 'unregistering') return;
    this.fail(error ? `transport lost: ${error.message}` : 'transport closed');
  }

  /** Sleep/resume or the network came back: retry now instead of waiting out the back-off. */
  resume(): void {
    if (['stopped', 'unregistering', 'idle', 'failed'].includes(this.current)) return;
    this.attempt = 0;
    this.clearTimers();
    if (this.o.ua.isConnected()) this.register();
    else this.connect();
  }

  async stop(): Promise<void> {
    this.clearTimers();
    if (this.current === 'stopped') return;
    if (this.current === 'failed') return this.transition('stopped');
    const reg = this.registerer;
    this.registerer = undefined;
    if (reg && this.current === 'registered') {
      this.transition('unregistering');
      await reg.unregister().catch(() => undefined);
    }
    await reg?.dispose().catch(() => undefined);
    this.transition('stopped');
  }

  private connect(): void {
    this.transition('connecting');
    const startOrReconnect = this.started ? this.o.ua.reconnect() : this.o.ua.start();
    this.started = true;
    startOrReconnect.then(
      () => {
        // sip.js calls delegate.onConnect too; register() is idempotent for the same state.
        if (this.current === 'connecting' && this.o.ua.isConnected()) this.register();
      },
      (err: unknown) => this.fail(`connect failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  private register(): void {
    if (this.current === 'registering' && this.registerer) return;
    void this.registerer?.dispose().catch(() => undefined);
    this.transition('registering');
    const reg = this.o.factory.createRegisterer(this.o.ua, {
      expires: this.o.expiresSec,
      refreshFrequency: REFRESH_FREQUENCY,
    });
    this.registerer = reg;
    reg.stateChange.addListener((s) => this.onRegistererState(reg, s));
    reg
      .register({
        requestDelegate: {
          onReject: (r) => {
            if (this.registerer !== reg) return;
            const code = r.message.statusCode ?? 0;
            if (AUTH_REJECTIONS.has(code) && ++this.authFailures >= AUTH_FAILURES_BEFORE_STOP)
              return this.giveUp(code);
            if (!AUTH_REJECTIONS.has(code)) this.authFailures = 0;
            this.fail(`REGISTER rejected: ${code || '?'}`);
          },
        },
      })
      .catch((err: unknown) => {
        if (this.registerer === reg)
          this.fail(`REGISTER failed: ${err instanceof Error ? err.message : String(err)}`);
      });
  }

  private onRegistererState(reg: RegistererLike, s: string): void {
    if (reg !== this.registerer) return;
    if (s === 'Registered') {
      this.attempt = 0;
      this.authFailures = 0;
      this.error = undefined;
      this.retryAt = undefined;
      this.armWatchdog();
      if (this.current !== 'registered') this.transition('registered');
      else this.emit();
    } else if ((s === 'Unregistered' || s === 'Terminated') && this.current === 'registered') {
      this.fail('registration lost');
    }
  }

  /** Each Registered (initial or refresh) pushes the deadline to the full expiry. */
  private armWatchdog(): void {
    if (this.watchdog !== undefined) this.o.timer.clearTimeout(this.watchdog);
    this.watchdog = this.o.timer.setTimeout(() => {
      this.watchdog = undefined;
      if (this.current === 'registered') this.fail('registration expired without a refresh');
    }, this.o.expiresSec * 1000);
  }

  /** Wrong credentials: stop retrying, say so. */
  private giveUp(code: number): void {
    this.clearTimers();
    const reg = this.registerer;
    this.registerer = undefined;
    void reg?.dispose().catch(() => undefined);
    this.error = `wrong user name or password (${code})`;
    this.retryAt = undefined;
    this.transition('failed');
  }

  private fail(reason: string): void {
    if (['stopped', 'unregistering', 'retrying', 'failed'].includes(this.current)) return;
    this.clearTimers();
    const reg = this.registerer;
    this.registerer = undefined;
    void reg?.dispose().catch(() => undefined);
    this.error = reason;
    const delay = backoffDelay(this.attempt, this.o.backoff ?? defaultBackoff);
    this.attempt += 1;
    this.retryAt = this.o.timer.now() + delay;
    this.transition('retrying');
    this.retryTimer = this.o.timer.setTimeout(() => {
      this.retryTimer = undefined;
      this.retryAt = undefined;
      if (this.o.ua.isConnected()) this.register();
      else this.connect();
    }, delay);
  }

  private clearTimers(): void {
    if (this.retryTimer !== undefined) this.o.timer.clearTimeout(this.retryTimer);
    if (this.watchdog !== undefined) this.o.timer.clearTimeout(this.watchdog);
    this.retryTimer = undefined;
    this.watchdog = undefined;
  }

  private transition(next: RegistrationState): void {
    if (next === this.current) return;
    if (!TRANSITIONS[this.current].includes(next)) {
      throw new RegistrationError('bad_transition', `registration ${this.current} → ${next}`);
    }
    this.current = next;
    this.emit();
  }

  private emit(): void {
    this.changes.emit(this.status());
  }
}
