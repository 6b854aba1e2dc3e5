/**
 * One mod_audio_fork media bug on a channel: the WebSocket (ForkSocket), the caller's audio out as
 * L16 (fork_frame), the server's messages in (processIncomingMessage), streamed audio back into the
 * call (StreamPlayout, only when the bug has SMBF_WRITE_REPLACE), and cleanup. What it sent and got
 * is kept in `record` for tests.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pcm16 } from '../../../../../audio/pcm.js';
import { resample } from '../../../../../audio/resample.js';
import type { Logger } from '../../../../../log.js';
import type { ForkStart } from './fork-args.js';
import { FORK_EVENT, forkMessageActions } from './fork-messages.js';
import { ForkSocket } from './fork-socket.js';
import { StreamPlayout } from './stream-playout.js';
import type { ForkRecord } from '../records.js';
import { pushBounded } from '../records.js';

export interface AudioForkBugOptions {
  start: ForkStart;
  channelUuid: string;
  /** The channel's codec rate: what the media bug reads and writes. */
  codecRate: number;
  /** Channel variables read at start (basic auth, TLS relaxations). */
  variable(name: string): string | undefined;
  subprotocol: string;
  /** MOD_AUDIO_FORK_BUFFER_SECS (1–5, default 2). */
  bufferSecs: number;
  connectTimeoutMs: number;
  log: Logger;
  /** Timestamps in records. */
  now(): number;
  /** Raise a CUSTOM event on the channel. */
  fire(subclass: string, body?: string): void;
  /** CF_BREAK: stop whatever the channel is playing (playback app). */
  breakPlayback(): void;
  /** The real module would crash the whole FreeSWITCH here. */
  crash(reason: string): void;
}

const isTrue = (v: string | undefined): boolean => /^(true|yes|on|1|enabled|active|allow)$/i.test(v ?? '');

export class AudioForkBug {
  /** What this bug did, for assertions (live: counters grow as frames go out). */
  readonly record: ForkRecord;
  readonly writeReplace: boolean;
  private pipe: ForkSocket | undefined;
  private readonly playout: StreamPlayout;
  private paused = false;
  private graceful = false;
  private overrunNotified = false;
  private readonly channels: 1 | 2;
  private readonly maxBufferBytes: number;
  private readonly files: string[] = [];

  constructor(private readonly o: AudioForkBugOptions) {
    const s = o.start;
    this.writeReplace = s.writeReplace;
    this.channels = s.mix === 'stereo' ? 2 : 1;
    this.maxBufferBytes = ((320 * s.sampling) / 8000) * this.channels * 50 * o.bufferSecs;
    this.playout = new StreamPlayout({
      streamRate: s.bidiRate,
      codecRate: o.codecRate,
      sendText: (text) => {
        const m = /"name":"(.*)", "event": "(playout|cleared)"/.exec(text);
        if (m)
          pushBounded(this.record.marks, {
            name: m[1]!,
            event: m[2] as 'playout' | 'cleared',
            at: this.o.now(),
          });
        this.sendText(text);
      },
    });
    this.record = {
      bugname: s.bugname,
      url: s.url,
      mix: s.mix,
      sampling: s.sampling,
      metadata: s.metadata,
      bidi: { enabled: s.bidiEnabled, stream: s.bidiStream, rate: s.bidiRate },
      writeReplace: s.writeReplace,
      state: 'connecting',
      framesSent: 0,
      bytesSent: 0,
      emptyFramesSent: 0,
      textsSent: [],
      textsReceived: [],
      binaryBytesReceived: 0,
      marks: [],
      events: [],
      startedAt: this.o.now(),
    };
  }

  get bugname(): string {
    return this.o.start.bugname;
  }

  /** fork_session_connect: the connection is attempted after the API has already answered +OK. */
  connect(): void {
    const v = this.o.variable;
    const username = v('MOD_AUDIO_BASIC_AUTH_USERNAME');
    this.pipe = new ForkSocket({
      target: this.o.start.target,
      subprotocol: this.o.subprotocol,
      ...(username ? { username, password: v('MOD_AUDIO_BASIC_AUTH_PASSWORD') } : {}),
      allowSelfSigned: isTrue(v('MOD_AUDIO_FORK_ALLOW_SELFSIGNED')),
      skipHostnameCheck: isTrue(v('MOD_AUDIO_FORK_SKIP_SERVER_CERT_HOSTNAME_CHECK')),
      connectTimeoutMs: this.o.connectTimeoutMs,
      log: this.o.log,
      counters: this.record,
      onConnect: () => {
        this.record.state = 'connected';
        this.record.connectedAt = this.o.now();
        this.fire(FORK_EVENT.connect);
        if (this.o.start.metadata) this.sendText(this.o.start.metadata);
      },
      onConnectFail: (reason) => {
        this.record.state = 'failed';
        this.record.failReason = reason;
        this.pipe = undefined;
        this.fire(FORK_EVENT.connectFailed, `{"reason":"${reason}"}`);
      },
      onText: (text) => this.onText(text),
      onBinary: (chunk) => {
        this.record.binaryBytesReceived += chunk.length;
        this.playout.incomingBinary(chunk);
      },
      onDropped: (code) => {
        this.record.state = 'dropped';
        this.record.closeCode = code;
        this.pipe = undefined;
        this.fire(FORK_EVENT.disconnect);
      },
      onClosed: () => {
        this.record.state = 'closed';
        this.pipe = undefined;
      },
    });
    this.pipe.connect();
  }

  private fire(subclass: string, body?: string): void {
    pushBounded(this.record.events, { subclass, ...(body !== undefined ? { body } : {}) });
    this.o.fire(subclass, body);
  }

  sendText(text: string): void {
    if (!this.pipe?.isConnected) return;
    pushBounded(this.record.textsSent, text);
    this.pipe.sendText(text);
  }

  private onText(text: string): void {
    pushBounded(this.record.textsReceived, text);
    const s = this.o.start;
    for (const a of forkMessageActions(text, { bidiEnabled: s.bidiEnabled, bidiStream: s.bidiStream })) {
      switch (a.kind) {
        case 'event':
          this.fire(a.subclass, a.body);
          break;
        case 'kill':
          this.o.breakPlayback();
          this.playout.kill();
          break;
        case 'mark':
          this.playout.mark(a.name);
          break;
        case 'clearMarks':
          this.playout.clearMarks();
          break;
        case 'playAudio':
          this.fire(FORK_EVENT.playAudio, JSON.stringify(this.writeAudioFile(a)));
          break;
        case 'crash':
          this.o.crash(a.reason);
          return;
        case 'ignored':
          this.o.log.debug({ reason: a.reason }, 'mod_audio_fork: message ignored');
      }
    }
  }

  private writeAudioFile(a: Extract<ReturnType<typeof forkMessageActions>[number], { kind: 'playAudio' }>) {
    if (!a.audio) return a.data;
    const dir = path.join(os.tmpdir(), 'fake-freeswitch');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${this.o.channelUuid}_${randomUUID()}.tmp${a.audio.extension}`);
    writeFileSync(file, Buffer.from(a.audio.base64, 'base64'));
    this.files.push(file);
    return { ...a.data, file };
  }

  /**
   * fork_frame, once per 20 ms: the caller (read) and what the caller hears (write), codec rate,
   * to L16 at the fork rate; mono = read, mixed = read + write, stereo = L read / R write.
   */
  onFrame(read: Pcm16, write: Pcm16): void {
    const pipe = this.pipe;
    if (!pipe || this.paused || this.graceful || !pipe.isConnected) return;
    const rate = this.o.start.sampling;
    const conv = (p: Pcm16) => (rate === this.o.codecRate ? p : resample(p, this.o.codecRate, rate));
    let out: Int16Array;
    if (this.o.start.mix === 'mono') out = conv(read);
    else if (this.o.start.mix === 'mixed') {
      const sum = new Int16Array(read.length);
      for (let i = 0; i < read.length; i++) sum[i] = Math.max(-32768, Math.min(32767, read[i]! + write[i]!));
      out = conv(sum);
    } else {
      const l = conv(read);
      const r = conv(write);
      out = new Int16Array(l.length * 2);
      for (let i = 0; i < l.length; i++) {
        out[2 * i] = l[i]!;
        out[2 * i + 1] = r[i] ?? 0;
      }
    }
    const bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    if (pipe.pendingAudioBytes + bytes.length > this.maxBufferBytes) {
      if (!this.overrunNotified) {
        this.overrunNotified = true;
        this.fire(FORK_EVENT.bufferOverrun);
      }
      if (rate === this.o.codecRate) pipe.dropPendingAudio();
      else return;
    }
    pipe.appendAudio(Buffer.from(bytes));
  }

  /** dub_speech_frame (SMBF_WRITE_REPLACE bugs only): add streamed audio to the written frame. */
  dub(frame: Int16Array): void {
    if (this.writeReplace) this.playout.dub(frame);
  }

  pause(on: boolean): void {
    this.paused = on;
  }

  gracefulShutdown(): void {
    this.graceful = true;
    this.pipe?.gracefulShutdown();
  }

  stopPlay(): void {
    this.playout.stopPlay();
  }

  /** fork_session_cleanup: optional final text, then close (1000); temp files removed. */
  cleanup(text?: string): void {
    for (const f of this.files.splice(0)) rmSync(f, { force: true });
    const pipe = this.pipe;
    if (!pipe) return;
    if (text) this.sendText(text);
    pipe.close();
  }

  /** The fake stopped or "crashed": the connection goes away without a close frame. */
  destroy(): void {
    for (const f of this.files.splice(0)) rmSync(f, { force: true });
    this.pipe?.destroy();
    this.pipe = undefined;
  }
}
