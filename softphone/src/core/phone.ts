/**
 * The phone: several accounts (one UserAgent + Registration each), up to `maxLines` calls with call
 * waiting (answering or dialling a second call holds the first), and history of ended calls.
 */
import type { AgentEndpoints } from './agent-panel.js';
import type { BackoffOptions } from './backoff.js';
import { CallError } from './call-errors.js';
import type { CallHistory } from './call-history.js';
import { PhoneCall, type CallDeps } from './call.js';
import { toDialUri } from './dial-target.js';
import { Listeners } from './listeners.js';
import { Registration } from './registration.js';
import type { InvitationLike, SipFactory, UserAgentLike } from './sip-port.js';
import type { PhoneTimer } from './timer.js';
import type { AccountConfig, CallSnapshot, HistoryEntry, RegistrationStatus } from './types.js';

export type PhoneEvent =
  | { type: 'registration'; status: RegistrationStatus }
  | { type: 'call'; call: CallSnapshot }
  | { type: 'incoming'; call: CallSnapshot }
  | { type: 'history'; entries: HistoryEntry[] };

export interface PhoneOptions {
  factory: SipFactory;
  timer: PhoneTimer;
  wallClock: () => number;
  history: CallHistory;
  getAudioTrack?: CallDeps['getAudioTrack'];
  maxLines?: number;
  backoff?: BackoffOptions;
  iceGatheringTimeoutMs?: number;
  qualityIntervalMs?: number;
  audioConstraints?: CallDeps['audioConstraints'];
}

interface Account {
  config: AccountConfig;
  ua: UserAgentLike;
  registration: Registration;
}

export class Phone {
  readonly events = new Listeners<PhoneEvent>();
  private readonly accounts = new Map<string, Account>();
  private readonly lines: PhoneCall[] = [];

  constructor(private readonly o: PhoneOptions) {}

  addAccount(config: AccountConfig): void {
    if (this.accounts.has(config.id)) throw new Error(`account ${config.id} exists`);
    // The UA's delegate needs the Registration, which needs the UA: tie the knot through a holder.
    const ref: { registration?: Registration } = {};
    const ua = this.o.factory.createUserAgent(
      {
        uri: config.sipUri,
        wsUrl: config.wsUrl,
        authUser: config.authUser ?? /^sips?:([^@]+)@/.exec(config.sipUri)?.[1] ?? '',
        password: config.password ?? '',
        iceServers: config.iceServers,
        iceGatheringTimeoutMs: this.o.iceGatheringTimeoutMs ?? 2000,
        ...(config.displayName ? { displayName: config.displayName } : {}),
      },
      {
        onConnect: () => ref.registration?.onConnect(),
        onDisconnect: (err) => ref.registration?.onDisconnect(err),
        onInvite: (inv) => this.onInvite(config, inv),
      },
    );
    const registration = new Registration({
      accountId: config.id,
      ua,
      factory: this.o.factory,
      timer: this.o.timer,
      expiresSec: config.registerExpires ?? 300,
      ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
    });
    ref.registration = registration;
    registration.changes.on((status) => this.events.emit({ type: 'registration', status }));
    this.accounts.set(config.id, { config, ua, registration });
    if (config.enabled !== false) registration.start();
  }

  async removeAccount(id: string): Promise<void> {
    const acc = this.accounts.get(id);
    if (!acc) return;
    this.accounts.delete(id);
    await acc.registration.stop();
    await acc.ua.stop().catch(() => undefined);
  }

  /** Apply edited settings: the account signs out and starts again with them (a failed registration too). */
  async updateAccount(config: AccountConfig): Promise<void> {
    await this.removeAccount(config.id);
    this.addAccount(config);
  }

  registrations(): RegistrationStatus[] {
    return [...this.accounts.values()].map((a) => a.registration.status());
  }

  account(id: string): AccountConfig | undefined {
    return this.accounts.get(id)?.config;
  }

  calls(): CallSnapshot[] {
    return this.lines.map((c) => c.snapshot());
  }

  call(id: string): PhoneCall {
    const c = this.lines.find((l) => l.id === id);
    if (!c) throw new CallError('unknown_call', `no call ${id}`);
    return c;
  }

  /** Dial digits or a URI; an active call on another line is put on hold first. */
  async dial(accountId: string, input: string): Promise<PhoneCall> {
    const acc = this.accounts.get(accountId);
    if (!acc) throw new CallError('unknown_account', `no account ${accountId}`);
    if (this.lines.length >= (this.o.maxLines ?? 2))
      throw new CallError('too_many_calls', 'all lines are busy');
    const target = toDialUri(input, acc.config.sipUri);
    await this.holdOthers(undefined);
    const audio = this.o.audioConstraints?.();
    const inviter = this.o.factory.createInviter(acc.ua, target, audio === undefined ? {} : { audio });
    const call = this.track(new PhoneCall(accountId, 'outgoing', inviter, this.deps(acc.config)));
    // The new line shows at once ("Calling…"), not at the UI's next refresh.
    this.events.emit({ type: 'call', call: call.snapshot() });
    call.dial().catch(() => undefined);
    return call;
  }

  /** Answer a ringing call; an active call is held first (call waiting). */
  async answer(callId: string): Promise<void> {
    const call = this.call(callId);
    await this.holdOthers(call);
    await call.answer();
  }

  /** Resume a held call, holding whichever other call is active (swap lines). */
  async resume(callId: string): Promise<void> {
    const call = this.call(callId);
    await this.holdOthers(call);
    await call.resume();
  }

  /** Blind transfer to what the user typed. */
  blindTransfer(callId: string, input: string): Promise<void> {
    const call = this.call(callId);
    const acc = this.accounts.get(call.accountId);
    return call.blindTransfer(toDialUri(input, acc?.config.sipUri ?? 'sip:invalid'));
  }

  /** Attended transfer: join the far ends of `callId` (usually held) and `consultationId`. */
  attendedTransfer(callId: string, consultationId: string): Promise<void> {
    return this.call(callId).attendedTransfer(this.call(consultationId));
  }

  /** After sleep/resume or when the network comes back. */
  networkResumed(): void {
    for (const a of this.accounts.values()) a.registration.resume();
  }

  async stop(): Promise<void> {
    await Promise.all(this.lines.map((c) => c.hangup().catch(() => undefined)));
    await Promise.all([...this.accounts.keys()].map((id) => this.removeAccount(id)));
  }

  /** Where the agent's live events and record of a call are, when the account points at a Switchboard agent. */
  agentEndpoints(callId: string): AgentEndpoints | undefined {
    const call = this.call(callId);
    const config = this.accounts.get(call.accountId)?.config;
    const base = config?.agentApiUrl;
    if (!base) return undefined;
    const record = new URL(
      `api/calls/${encodeURIComponent(call.sipCallId)}`,
      base.endsWith('/') ? base : `${base}/`,
    );
    const events = new URL(`${record.pathname}/events`, record);
    const token = config.agentApiToken;
    if (token) events.searchParams.set('token', token);
    return { events: events.href, record: record.href, ...(token ? { token } : {}) };
  }

  private deps(config: AccountConfig): CallDeps {
    const deps: CallDeps = {
      timer: this.o.timer,
      wallClock: this.o.wallClock,
      dtmfMode: config.dtmfMode,
      makeUri: (u) => this.o.factory.makeUri(u),
    };
    if (this.o.getAudioTrack) deps.getAudioTrack = this.o.getAudioTrack;
    if (this.o.qualityIntervalMs) deps.qualityIntervalMs = this.o.qualityIntervalMs;
    if (this.o.audioConstraints) deps.audioConstraints = this.o.audioConstraints;
    return deps;
  }

  private async holdOthers(except: PhoneCall | undefined): Promise<void> {
    for (const other of this.lines) if (other !== except && other.state === 'active') await other.hold();
  }

  private onInvite(config: AccountConfig, invitation: InvitationLike): void {
    if (this.lines.length >= (this.o.maxLines ?? 2)) {
      void invitation.reject({ statusCode: 486 }).catch(() => undefined);
      return;
    }
    const call = new PhoneCall(config.id, 'incoming', invitation, this.deps(config));
    call.waiting = this.lines.some((l) => l.state === 'active' || l.state === 'held');
    this.track(call);
    void invitation.progress().catch(() => undefined);
    this.events.emit({ type: 'incoming', call: call.snapshot() });
  }

  private track(call: PhoneCall): PhoneCall {
    this.lines.push(call);
    call.changes.on((snap) => {
      this.events.emit({ type: 'call', call: snap });
      if (snap.state === 'ended') this.finish(call, snap);
    });
    return call;
  }

  private finish(call: PhoneCall, snap: CallSnapshot): void {
    const i = this.lines.indexOf(call);
    if (i >= 0) this.lines.splice(i, 1);
    const entry: HistoryEntry = {
      id: `${snap.sipCallId}:${snap.id}`,
      accountId: snap.accountId,
      direction: snap.direction,
      remoteUri: snap.remoteUri,
      startedAt: snap.startedAt,
      durationMs: snap.answeredAt !== undefined ? Math.max(0, this.o.wallClock() - snap.answeredAt) : 0,
      result: snap.endReason ?? 'failed',
    };
    if (snap.remoteName) entry.remoteName = snap.remoteName;
    void this.o.history
      .add(entry)
      .then(() => this.events.emit({ type: 'history', entries: this.o.history.list() }));
  }
}
