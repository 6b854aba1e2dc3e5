/**
 * The STT liveness backstop: while the VAD hears the caller speak, the STT must send something
 * (a transcript, an interim, speech_started, a turn event). When it sends nothing for `timeoutMs` from
 * the start of that speech (the socket open but deaf), `onDeaf` fires — the session reconnects and
 * replays the audio. The STT catching up after the speech ended stands the watchdog down.
 */
import type { Clock } from '../../time/clock.js';
import { IdleWatchdog } from '../../streams/idle-watchdog.js';

export class SttWatchdog {
  private dog: IdleWatchdog | undefined;
  private speaking = false;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onDeaf: (quietMs: number) => void,
  ) {}

  speechStarted(): void {
    this.speaking = true;
    if (this.closed || this.timeoutMs <= 0 || this.dog?.running) return;
    this.dog = new IdleWatchdog({
      clock: this.clock,
      timeoutMs: this.timeoutMs,
      onIdle: (ms) => {
        this.dog = undefined;
        this.onDeaf(ms);
      },
    });
    this.dog.resume();
  }

  speechEnded(): void {
    this.speaking = false;
  }

  /** The STT sent an event: it is alive; once the caller is quiet, nothing is owed. */
  sttEvent(): void {
    this.dog?.touch();
    if (!this.speaking) this.stop();
  }

  close(): void {
    this.closed = true;
    this.stop();
  }

  private stop(): void {
    this.dog?.stop();
    this.dog = undefined;
  }
}
