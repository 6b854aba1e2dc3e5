/**
 * The benchmark's caller: a SIP call (sip-uac.ts) plus an RTP endpoint (rtp-endpoint.ts) paced by the
 * shared ticker. It speaks fixture utterances (silence packets in between) and exposes the waits a
 * call script needs: agent voice after a time, agent quiet for a while.
 */
import type { Utterance } from './fixtures.js';
import { PCMU_SILENCE, RtpEndpoint, type MediaReport, type PortPool } from './rtp-endpoint.js';
import { buildSdp, parseSdpAudio } from './sip-text.js';
import type { SipUac, UacDialog } from './sip-uac.js';
import type { Ticker } from './ticker.js';

export interface DialOptions {
  uac: SipUac;
  ticker: Ticker;
  ports: PortPool;
  target: { host: string; port: number };
  user: string;
  host?: string;
  inviteTimeoutMs?: number;
}

export interface PlayResult {
  /** Send time of the first voiced frame. */
  onsetAt: number;
  /** Send time of the last voiced frame. */
  lastVoicedAt: number;
}

interface Playing {
  utt: Utterance;
  index: number;
  onsetAt: number;
  lastVoicedAt: number;
  done: (r: PlayResult) => void;
}

export class BenchCall {
  private playing: Playing | undefined;
  private readonly unsubscribe: () => void;
  private readonly waiters = new Set<(now: number) => boolean>();
  private hungUp = false;
  byeMs: number | undefined;

  private constructor(
    readonly dialog: UacDialog,
    readonly rtp: RtpEndpoint,
    ticker: Ticker,
  ) {
    this.unsubscribe = ticker.subscribe((_tick, due) => this.onTick(due));
    rtp.onActivity(() => this.checkWaiters(performance.now()));
    void dialog.remoteBye.then(() => this.stopMedia());
  }

  static async dial(opts: DialOptions): Promise<BenchCall> {
    const host = opts.host ?? '127.0.0.1';
    const socket = await opts.ports.bind(host);
    const rtp = new RtpEndpoint(socket);
    let dialog: UacDialog;
    try {
      const sdp = buildSdp(host, rtp.localPort, Math.floor(Math.random() * 1e9));
      dialog = await opts.uac.invite({
        target: opts.target,
        user: opts.user,
        sdp,
        timeoutMs: opts.inviteTimeoutMs,
      });
    } catch (err) {
      rtp.close();
      throw err;
    }
    const media = parseSdpAudio(dialog.remoteSdp);
    if (!media || !media.payloadTypes.includes(0)) {
      rtp.close();
      await dialog.bye().catch(() => undefined);
      throw new Error(`answer has no PCMU: ${dialog.remoteSdp.replace(/\r\n/g, ' | ')}`);
    }
    await rtp.setRemote(media.address, media.port);
    return new BenchCall(dialog, rtp, opts.ticker);
  }

  get setupMs(): number {
    return this.dialog.setupMs;
  }

  get ended(): boolean {
    return this.dialog.ended;
  }

  private onTick(due: number): void {
    const at = performance.now();
    const p = this.playing;
    if (p) {
      const frame = p.utt.frames[p.index]!;
      const voiced = p.utt.voiced[p.index]!;
      this.rtp.send(frame, voiced, at);
      if (voiced) {
        if (p.onsetAt < 0) p.onsetAt = at;
        p.lastVoicedAt = at;
      }
      if (++p.index >= p.utt.frames.length) {
        this.playing = undefined;
        p.done({ onsetAt: p.onsetAt, lastVoicedAt: p.lastVoicedAt });
      }
    } else {
      this.rtp.send(PCMU_SILENCE, false, at);
    }
    this.checkWaiters(Math.max(at, due));
  }

  private checkWaiters(now: number): void {
    for (const w of this.waiters) if (w(now)) this.waiters.delete(w);
  }

  /** Bounded wait: `test` is re-run on every packet and tick; resolves with its value or undefined at timeout. */
  private waitFor<T>(test: (now: number) => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const now = performance.now();
    const immediate = test(now);
    if (immediate !== undefined) return Promise.resolve(immediate);
    return new Promise<T | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter = (t: number): boolean => {
        const v = this.dialog.ended ? null : test(t);
        if (v === undefined) return false;
        clearTimeout(timer);
        resolve(v ?? undefined);
        return true;
      };
      this.waiters.add(waiter);
    });
  }

  /** Speak an utterance (queued frames replace silence); resolves after its last frame is sent. */
  play(utt: Utterance): Promise<PlayResult> {
    if (this.playing) throw new Error('already playing');
    return new Promise<PlayResult>((done) => {
      this.playing = { utt, index: 0, onsetAt: -1, lastVoicedAt: -1, done };
    });
  }

  /** Arrival time of the first voiced agent packet after `t`; undefined on timeout or hangup. */
  waitAgentVoice(after: number, timeoutMs: number): Promise<number | undefined> {
    return this.waitFor(() => this.rtp.firstVoicedAfter(after), timeoutMs);
  }

  /** Resolves (true) once nothing voiced has arrived for `quietMs`; false on timeout or hangup. */
  async waitAgentQuiet(quietMs: number, timeoutMs: number): Promise<boolean> {
    const r = await this.waitFor(
      (now) => (now - this.rtp.lastVoicedRxAt >= quietMs ? true : undefined),
      timeoutMs,
    );
    return r === true;
  }

  /** Let `ms` of ticks pass (silence or the current utterance keeps flowing). */
  wait(ms: number): Promise<void> {
    const until = performance.now() + ms;
    return this.waitFor((now) => (now >= until ? true : undefined), ms + 1000).then(() => undefined);
  }

  private stopMedia(): void {
    this.unsubscribe();
    for (const w of this.waiters) w(Infinity);
    this.rtp.close();
  }

  /** BYE from our side (unless the far end hung up first); records BYE → 200 OK. */
  async hangup(): Promise<void> {
    if (this.hungUp) return;
    this.hungUp = true;
    this.unsubscribe();
    if (!this.dialog.ended) this.byeMs = await this.dialog.bye();
    this.stopMedia();
  }

  report(): MediaReport {
    return this.rtp.report();
  }
}
