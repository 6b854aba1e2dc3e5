/**
 * Registration client: keeps the agent registered to a PBX as an extension (RFC 3261 §10.2).
 * Digest auth (MD5, SHA-256), refresh at 80% of the granted expiry, exponential back-off with
 * jitter while the PBX is down, un-REGISTER on stop. 423 Interval Too Brief: again at once with the
 * registrar's Min-Expires (§10.2.8). A refusal that repeating will not fix (403, 404, our credentials
 * refused) is retried with the back-off at most `maxRefusals` times in a row, then left failed: a
 * PBX or fail2ban blocks a box that keeps presenting a refused password. A keepalive every keepaliveS
 * (OPTIONS over UDP, a CRLF ping over TCP/TLS) keeps the NAT mapping the PBX's calls come back through. Transport-neutral: a RegisterSender does the SIP
 * plumbing (pbx-registrations.ts resolves the registrar; the back-end's RegisterTransport sends).
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { Registration } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import { answerChallenge, formatCredentials, pickChallenge } from '../../routing/digest.js';

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'failed' | 'backoff';

const TRANSITIONS: Record<RegistrationState, RegistrationState[]> = {
  unregistered: ['registering'],
  registering: ['registered', 'failed', 'backoff', 'unregistered'],
  registered: ['registering', 'unregistered'],
  failed: ['registering', 'unregistered'],
  backoff: ['registering', 'unregistered'],
};

export interface RegisterMessage {
  /** Request-URI (the registrar, without user). */
  uri: string;
  headers: Array<[string, string]>;
}

export interface RegisterReply {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
}

export interface RegisterSender {
  /** Send one REGISTER in its own transaction; a timeout resolves as 408. Never rejects. */
  send(msg: RegisterMessage): Promise<RegisterReply>;
  /** An OPTIONS keepalive to the registrar: its final status (408 when unanswered). Absent: no keepalives. */
  ping?(): Promise<number>;
  /** Our Contact URI for this registration (where the PBX sends calls). */
  contactUri(reg: Registration, id: string): string;
  /** The transport registrations go over now (DNS may pick it); absent: the configured one. */
  currentTransport?(): 'udp' | 'tcp' | 'tls';
}

export interface RegistrationStatus {
  id: string;
  registrar: string;
  user: string;
  state: RegistrationState;
  failures: number;
  /** Clock time the current binding lapses, when registered. */
  expiresAt?: number;
  lastStatus?: number;
}

export interface RegistrationClientOptions {
  id: string;
  registration: Registration;
  sender: RegisterSender;
  clock: Clock;
  log: Logger;
  /** Fraction of the granted expiry after which we refresh. */
  refreshRatio?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Refusals in a row (403, 404, credentials refused) after which we stop trying. Default 3. */
  maxRefusals?: number;
  random?: () => number;
  onStateChange?(status: RegistrationStatus): void;
}

export class RegistrationClient {
  private current: RegistrationState = 'unregistered';
  private readonly callId = `${randomBytes(10).toString('hex')}@switchboard`;
  private readonly fromTag = randomBytes(6).toString('hex');
  private cseq = 1;
  private nc = 0;
  private failures = 0;
  private refusals = 0;
  /** 423s answered in a row (a registrar raising its minimum each time must not loop us). */
  private tooBrief = 0;
  /** Expires we ask for: the configured one, raised by a 423's Min-Expires. */
  private expires: number;
  private timer: TimerHandle | undefined;
  private keepalive: TimerHandle | undefined;
  private missedPings = 0;
  private expiresAt: number | undefined;
  private lastStatus: number | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly o: RegistrationClientOptions) {
    this.expires = o.registration.expires;
    this.log = o.log.child({
      registration: o.id,
      registrar: o.registration.registrar,
      aor: o.registration.user,
    });
  }

  get state(): RegistrationState {
    return this.current;
  }

  get registration(): Registration {
    return this.o.registration;
  }

  get id(): string {
    return this.o.id;
  }

  status(): RegistrationStatus {
    const s: RegistrationStatus = {
      id: this.o.id,
      registrar: this.o.registration.registrar,
      user: this.o.registration.user,
      state: this.current,
      failures: this.failures,
    };
    if (this.expiresAt !== undefined) s.expiresAt = this.expiresAt;
    if (this.lastStatus !== undefined) s.lastStatus = this.lastStatus;
    return s;
  }

  /** Register now; again after a stop, or at once when the path to the registrar was re-established. */
  start(): void {
    this.stopped = false;
    if (this.current === 'registering') return; // one exchange at a time
    this.attempt();
  }

  /** Un-REGISTER (Expires: 0) if bound, bounded by timeoutMs; always ends unregistered. */
  async stop(timeoutMs = 2000): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    const wasBound = this.current === 'registered' || this.current === 'registering';
    if (wasBound) {
      let t: TimerHandle | undefined;
      const timeout = new Promise<void>((r) => (t = this.o.clock.setTimeout(r, timeoutMs)));
      await Promise.race([this.exchange(0).then(() => undefined), timeout]);
      if (t) this.o.clock.clearTimeout(t);
    }
    this.expiresAt = undefined;
    this.transition('unregistered');
  }

  private attempt(): void {
    if (this.stopped) return;
    this.transition('registering');
    void this.exchange(this.expires).then((reply) => this.settle(reply));
  }

  /** One REGISTER, answering at most one digest challenge (two if the first nonce was stale). */
  private async exchange(expires: number): Promise<RegisterReply> {
    let reply = await this.o.sender.send(this.message(expires));
    for (let round = 0; round < 2 && (reply.status === 401 || reply.status === 407); round++) {
      const name = reply.status === 401 ? 'www-authenticate' : 'proxy-authenticate';
      const challenge = pickChallenge(values(reply, name));
      if (!challenge || (round > 0 && !challenge.stale)) break;
      const reg = this.o.registration;
      const creds = answerChallenge(challenge, {
        username: reg.username ?? reg.user,
        password: reg.password,
        method: 'REGISTER',
        uri: this.registrarUri(),
        cnonce: randomBytes(8).toString('hex'),
        nc: ++this.nc,
      });
      const header = reply.status === 401 ? 'Authorization' : 'Proxy-Authorization';
      reply = await this.o.sender.send(this.message(expires, [header, formatCredentials(creds)]));
    }
    return reply;
  }

  private settle(reply: RegisterReply): void {
    if (this.stopped) return;
    this.lastStatus = reply.status;
    if (reply.status >= 200 && reply.status < 300) {
      const granted = this.grantedExpires(reply);
      this.failures = 0;
      this.refusals = 0;
      this.tooBrief = 0;
      this.expiresAt = this.o.clock.now() + granted * 1000;
      this.transition('registered');
      const refreshMs = Math.max(1000, granted * 1000 * (this.o.refreshRatio ?? 0.8));
      this.schedule(refreshMs, () => this.attempt());
      this.startKeepalive();
      return;
    }
    this.expiresAt = undefined;
    const minExpires = Number(values(reply, 'min-expires')[0]?.trim());
    if (
      reply.status === 423 &&
      Number.isInteger(minExpires) &&
      minExpires > this.expires &&
      this.tooBrief++ < 2 &&
      minExpires <= 86_400
    ) {
      this.log.info(
        { asked: this.expires, minExpires },
        'sip registration interval too brief; asking for Min-Expires',
      );
      this.expires = minExpires;
      return this.attempt(); // still registering: one more exchange, no failure counted
    }
    this.failures++;
    const permanent = [401, 403, 404, 407, 423].includes(reply.status);
    this.refusals = permanent ? this.refusals + 1 : 0;
    this.log.warn({ status: reply.status, failures: this.failures }, 'sip registration failed');
    this.transition(permanent ? 'failed' : 'backoff');
    if (this.refusals >= (this.o.maxRefusals ?? 3)) {
      this.log.error(
        { status: reply.status, refusals: this.refusals },
        'sip registration refused again; no more attempts until restart (check the user and password)',
      );
      return;
    }
    this.schedule(this.backoffDelay(), () => this.attempt());
  }

  private backoffDelay(): number {
    const base = this.o.backoffBaseMs ?? 1000;
    const max = this.o.backoffMaxMs ?? 60_000;
    const raw = Math.min(max, base * 2 ** Math.min(this.failures - 1, 20));
    return Math.round(raw * (0.5 + 0.5 * (this.o.random ?? Math.random)()));
  }

  private grantedExpires(reply: RegisterReply): number {
    // Ours is the contact with our user part (the host may be rewritten on the way: NAT, drachtio).
    const user = this.o.sender
      .contactUri(this.o.registration, this.o.id)
      .replace(/^sips?:/, '')
      .split('@')[0];
    for (const c of values(reply, 'contact')) {
      const e = /;\s*expires\s*=\s*(\d+)/i.exec(c.slice(c.indexOf('>') + 1));
      if (e && c.includes(`:${user}@`)) return Number(e[1]);
    }
    const header = values(reply, 'expires')[0];
    return header && /^\d+$/.test(header.trim()) ? Number(header.trim()) : this.o.registration.expires;
  }

  private message(expires: number, auth?: [string, string]): RegisterMessage {
    const reg = this.o.registration;
    const aor = this.aor();
    const headers: Array<[string, string]> = [
      ['From', `<${aor}>;tag=${this.fromTag}`],
      ['To', `<${aor}>`],
      ['Call-ID', this.callId],
      ['CSeq', `${this.cseq++} REGISTER`],
      ['Contact', `<${this.o.sender.contactUri(reg, this.o.id)}>`],
      ['Expires', String(expires)],
      ['Max-Forwards', '70'],
    ];
    if (auth) headers.push(auth);
    return { uri: this.registrarUri(), headers };
  }

  private registrarUri(): string {
    return this.o.registration.registrar.replace(/^(sips?:)(?:[^@]*@)?/, '$1');
  }

  private aor(): string {
    const hostPart = this.registrarUri()
      .replace(/^sips?:/, '')
      .split(';')[0]!;
    return `sip:${this.o.registration.user}@${hostPart}`;
  }

  private schedule(ms: number, fn: () => void): void {
    this.clearTimer();
    this.timer = this.o.clock.setTimeout(fn, ms);
  }

  private clearTimer(): void {
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.keepalive) this.o.clock.clearTimeout(this.keepalive);
    this.keepalive = undefined;
  }

  /**
   * While registered: a keepalive every keepaliveS (OPTIONS over UDP, default 25 s; a CRLF ping over
   * TCP/TLS, default 90 s as RFC 5626 §4.4.1 suggests); two missed in a row → REGISTER at once.
   */
  private startKeepalive(): void {
    const reg = this.o.registration;
    const ping = this.o.sender.ping?.bind(this.o.sender);
    const transport = this.o.sender.currentTransport?.() ?? reg.transport ?? 'udp';
    const everyS = reg.keepaliveS ?? (transport === 'udp' ? 25 : 90);
    if (!ping || everyS === 0) return;
    this.missedPings = 0;
    const tick = (): void => {
      this.keepalive = this.o.clock.setTimeout(() => {
        void ping().then((status) => {
          if (this.stopped || this.current !== 'registered') return;
          this.missedPings = status === 408 || status === 503 ? this.missedPings + 1 : 0;
          if (this.missedPings < 2) return tick();
          this.log.warn('sip registrar stopped answering keepalives; registering again');
          this.clearTimer();
          this.attempt();
        });
      }, everyS * 1000);
    };
    tick();
  }

  private transition(next: RegistrationState): void {
    if (next === this.current) return;
    if (!TRANSITIONS[this.current].includes(next)) {
      this.log.warn({ from: this.current, to: next }, 'registration: illegal state change ignored');
      return;
    }
    this.log.info({ from: this.current, to: next, failures: this.failures }, 'sip registration state');
    this.current = next;
    this.o.onStateChange?.(this.status());
  }
}

function values(reply: RegisterReply, name: string): string[] {
  return reply.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}
