/**
 * One call on one line: wraps a sip.js Inviter or Invitation and exposes the controls a phone needs.
 * States: dialing → active ⇄ held → ended (outgoing); ringing → active ⇄ held → ended (incoming).
 */
import { CallError } from './call-errors.js';
import { QualityPoller } from './call-quality.js';
import { Listeners } from './listeners.js';
import type {
  InvitationLike,
  InviterLike,
  MediaTrackConstraintsLike,
  PeerConnectionLike,
  SdhLike,
} from './sip-port.js';
import { sipfragStatus } from './sipfrag.js';
import type { PhoneTimer } from './timer.js';
import type {
  CallDirection,
  CallEndReason,
  CallQuality,
  CallSnapshot,
  CallState,
  DtmfMode,
} from './types.js';

export interface CallDeps {
  timer: PhoneTimer;
  /** Wall clock for history (Date.now in production). */
  wallClock: () => number;
  dtmfMode: DtmfMode;
  makeUri(uri: string): unknown;
  /** Acquire a microphone track for a device switch mid-call. */
  getAudioTrack?(deviceId: string): Promise<{ kind: string; stop(): void }>;
  qualityIntervalMs?: number;
  /** Microphone constraints for new media (the chosen input device). */
  audioConstraints?: () => boolean | MediaTrackConstraintsLike;
}

const DTMF_DIGITS = /^[0-9A-D*#]+$/i;
let nextId = 1;

export class PhoneCall {
  readonly id = `call-${nextId++}`;
  readonly changes = new Listeners<CallSnapshot>();
  private current: CallState;
  private muted = false;
  private holdPending = false;
  private endReason: CallEndReason | undefined;
  private answeredAt: number | undefined;
  private readonly startedAt: number;
  private quality: CallQuality | undefined;
  private readonly poller: QualityPoller;
  /** Set when we ended the call ourselves, so the state listener records the right reason. */
  private intent: CallEndReason | undefined;
  waiting = false;

  constructor(
    readonly accountId: string,
    readonly direction: CallDirection,
    readonly session: InviterLike | InvitationLike,
    private readonly deps: CallDeps,
  ) {
    this.current = direction === 'incoming' ? 'ringing' : 'dialing';
    this.startedAt = deps.wallClock();
    this.poller = new QualityPoller(
      () => this.peerConnection(),
      deps.timer,
      (q) => {
        this.quality = q;
        this.emit();
      },
      deps.qualityIntervalMs,
    );
    session.stateChange.addListener((s) => this.onSessionState(s));
  }

  get state(): CallState {
    return this.current;
  }

  get sipCallId(): string {
    return this.session.request.callId;
  }

  snapshot(): CallSnapshot {
    const s: CallSnapshot = {
      id: this.id,
      accountId: this.accountId,
      sipCallId: this.sipCallId,
      direction: this.direction,
      state: this.current,
      remoteUri: this.session.remoteIdentity.uri.toString(),
      muted: this.muted,
      waiting: this.waiting,
      startedAt: this.startedAt,
    };
    const name = this.session.remoteIdentity.displayName;
    if (name) s.remoteName = name;
    if (this.answeredAt !== undefined) s.answeredAt = this.answeredAt;
    if (this.quality) s.quality = this.quality;
    if (this.endReason) s.endReason = this.endReason;
    return s;
  }

  /** Outgoing: called by the phone right after construction. */
  async dial(): Promise<void> {
    const inviter = this.session as InviterLike;
    await inviter.invite({
      requestDelegate: {
        onReject: (r) => {
          const code = r.message.statusCode ?? 0;
          this.intent = code === 486 || code === 600 ? 'busy' : code === 603 ? 'declined' : 'failed';
        },
      },
    });
  }

  async answer(): Promise<void> {
    if (this.current !== 'ringing') throw new CallError('invalid_state', `answer in state ${this.current}`);
    await (this.session as InvitationLike).accept({
      sessionDescriptionHandlerOptions: {
        constraints: { audio: this.deps.audioConstraints?.() ?? true, video: false },
      },
    });
  }

  async decline(statusCode: 486 | 603 = 486): Promise<void> {
    if (this.current !== 'ringing') throw new CallError('invalid_state', `decline in state ${this.current}`);
    this.intent = 'declined';
    await (this.session as InvitationLike).reject({ statusCode });
  }

  /** Hang up whatever the state: CANCEL, reject or BYE. */
  async hangup(): Promise<void> {
    if (this.current === 'ended') return;
    if (this.current === 'dialing') {
      this.intent = 'cancelled';
      await (this.session as InviterLike).cancel();
    } else if (this.current === 'ringing') {
      await this.decline(486);
    } else {
      this.intent ??= 'completed';
      await this.session.bye();
    }
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.sdh()?.enableSenderTracks(!muted && this.current !== 'held');
    this.emit();
  }

  hold(): Promise<void> {
    return this.setHold(true);
  }

  resume(): Promise<void> {
    return this.setHold(false);
  }

  /** RFC 4733 through RTCDTMFSender, or SIP INFO (application/dtmf-relay), per the account setting. */
  async sendDtmf(digits: string): Promise<void> {
    if (!DTMF_DIGITS.test(digits)) throw new CallError('dtmf_invalid', 'DTMF digits must be 0-9, *, #, A-D');
    this.requireEstablished('DTMF');
    if (this.deps.dtmfMode === 'rfc4733') {
      const sdh = this.sdh();
      // insertDTMF replaces the tones not yet played, so a quick second key press would drop the
      // first: queue the new digits behind them instead (sip.js uses the first sender's RTCDTMFSender).
      const queued = this.peerConnection()?.getSenders()[0]?.dtmf?.toneBuffer ?? '';
      if (sdh?.sendDtmf(queued + digits, { duration: 100, interToneGap: 70 })) return;
    }
    for (const digit of digits.toUpperCase()) {
      await this.session.info({
        requestOptions: {
          body: {
            contentDisposition: 'render',
            contentType: 'application/dtmf-relay',
            content: `Signal=${digit}\r\nDuration=160`,
          },
        },
      });
    }
  }

  /** Blind transfer: REFER to a URI. Resolves when the far end reports the outcome (NOTIFY sipfrag). */
  blindTransfer(targetUri: string): Promise<void> {
    this.requireEstablished('transfer');
    return this.refer(this.deps.makeUri(targetUri));
  }

  /** Attended transfer: REFER this call's far end to `consultation`'s far end, with Replaces. */
  attendedTransfer(consultation: PhoneCall): Promise<void> {
    this.requireEstablished('transfer');
    consultation.requireEstablished('transfer target');
    return this.refer(consultation.session).then(() => {
      consultation.intent = 'transferred';
    });
  }

  /** Switch microphone without renegotiation (replaceTrack). */
  async setInputDevice(deviceId: string): Promise<void> {
    const pc = this.peerConnection();
    if (!pc || !this.deps.getAudioTrack) throw new CallError('no_media', 'no media session to switch');
    const sender = pc.getSenders().find((s) => s.track?.kind === 'audio');
    if (!sender) throw new CallError('no_media', 'no audio sender');
    const track = await this.deps.getAudioTrack(deviceId);
    const old = sender.track;
    await sender.replaceTrack(track);
    old?.stop();
    this.sdh()?.enableSenderTracks(!this.muted && this.current !== 'held');
  }

  peerConnection(): PeerConnectionLike | undefined {
    return this.sdh()?.peerConnection;
  }

  private sdh(): SdhLike | undefined {
    return this.session.sessionDescriptionHandler as SdhLike | undefined;
  }

  private requireEstablished(what: string): void {
    if (this.current !== 'active' && this.current !== 'held') {
      throw new CallError('invalid_state', `${what} needs an established call (state ${this.current})`);
    }
  }

  private async setHold(hold: boolean): Promise<void> {
    this.requireEstablished(hold ? 'hold' : 'resume');
    if (this.holdPending) throw new CallError('request_pending', 'a hold/resume re-INVITE is in flight');
    if ((this.current === 'held') === hold) return;
    this.holdPending = true;
    const previous = this.session.sessionDescriptionHandlerOptionsReInvite;
    this.session.sessionDescriptionHandlerOptionsReInvite = { ...previous, hold };
    try {
      await new Promise<void>((resolve, reject) => {
        this.session
          .invite({
            requestDelegate: {
              onAccept: () => resolve(),
              onReject: (r) =>
                reject(new CallError('hold_rejected', `re-INVITE rejected: ${r.message.statusCode ?? '?'}`)),
            },
          })
          .catch(reject);
      });
    } catch (err) {
      this.session.sessionDescriptionHandlerOptionsReInvite = previous;
      throw err instanceof CallError ? err : new CallError('hold_rejected', String(err));
    } finally {
      this.holdPending = false;
    }
    if (this.current === 'ended') return;
    this.current = hold ? 'held' : 'active';
    this.sdh()?.enableSenderTracks(!hold && !this.muted);
    this.emit();
  }

  private refer(target: unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const fail = (why: string) => reject(new CallError('transfer_failed', why));
      this.session
        .refer(target as never, {
          requestDelegate: { onReject: (r) => fail(`REFER rejected: ${r.message.statusCode ?? '?'}`) },
          onNotify: (n) => {
            const note = n as { request?: { body?: string }; accept?: () => unknown };
            note.accept?.();
            const status = sipfragStatus(note.request?.body);
            if (status === undefined || status < 200) return;
            if (status >= 300) return fail(`transfer target answered ${status}`);
            this.intent = 'transferred';
            void this.session.bye().catch(() => undefined);
            resolve();
          },
        })
        .catch((err: unknown) => fail(String(err)));
    });
  }

  private onSessionState(s: string): void {
    if (s === 'Established' && (this.current === 'dialing' || this.current === 'ringing')) {
      this.current = 'active';
      this.waiting = false;
      this.answeredAt = this.deps.wallClock();
      this.poller.start();
      this.emit();
    } else if (s === 'Terminated' && this.current !== 'ended') {
      const wasAnswered = this.answeredAt !== undefined;
      this.endReason =
        this.intent === 'transferred'
          ? 'transferred'
          : wasAnswered
            ? 'completed'
            : (this.intent ?? (this.direction === 'incoming' ? 'missed' : 'failed'));
      this.current = 'ended';
      this.poller.stop();
      this.emit();
    }
  }

  private emit(): void {
    this.changes.emit(this.snapshot());
  }
}
