/**
 * Voicemail beep detection on the callee's PCM, 20 ms frame by frame.
 *
 * What we follow: FreeSWITCH mod_avmd (src/mod/applications/mod_avmd/mod_avmd.c) calls a beep "a
 * single frequency tone": it estimates the instantaneous frequency and amplitude (DESA-2) and fires
 * when their relative spread over a moving window stays under a threshold for a continuous streak
 * (AVMD_REQUIRE_CONTINUOUS_STREAK), for frequencies up to AVMD_MAX_FREQUENCY = 2000 Hz. Asterisk's
 * main/dsp.c finds tones with Goertzel filters compared with the frame energy. We combine the two
 * ideas with cheaper parts: per frame a Goertzel scan finds the strongest frequency and its share of
 * the frame's energy (purity); a beep is a run of frames that are loud enough, pure (one sine holds
 * most of the energy) and steady (the frequency drifts less than `maxDriftHz`), lasting
 * `minBeepMs`..`maxBeepMs`. Speech fails purity (its energy is spread over many harmonics whose pitch
 * moves); DTMF fails it by construction (two tones of about equal level, so no bin holds more than
 * about half the energy). The beep is reported when it ends, so the message can start after it.
 */
import type { Pcm16 } from '../audio/pcm.js';
import { scanTone, type ToneScan } from './goertzel.js';

export interface BeepDetectorOptions {
  sampleRate: number;
  /** Scanned band; voicemail beeps are 400-2000 Hz in practice. */
  minHz?: number;
  maxHz?: number;
  stepHz?: number;
  /** Share of the frame's energy one frequency must hold. */
  minPurity?: number;
  /** Quieter frames are not tones. */
  minDbfs?: number;
  /** Largest frequency change inside one beep. */
  maxDriftHz?: number;
  minBeepMs?: number;
  maxBeepMs?: number;
  /** Impure frames tolerated inside a beep (a noise burst, a frame edge). */
  maxDropoutFrames?: number;
}

export interface Beep {
  /** Milliseconds of audio since the detector started. */
  startMs: number;
  endMs: number;
  hz: number;
}

const DEFAULTS = {
  minHz: 350,
  maxHz: 2000,
  stepHz: 20,
  minPurity: 0.7,
  minDbfs: -45,
  maxDriftHz: 30,
  minBeepMs: 160,
  maxBeepMs: 2000,
  maxDropoutFrames: 1,
} satisfies Omit<Required<BeepDetectorOptions>, 'sampleRate'>;

interface ToneRun {
  startMs: number;
  endMs: number;
  hzSum: number;
  frames: number;
  dropouts: number;
}

export class BeepDetector {
  private readonly o: Required<BeepDetectorOptions>;
  private run: ToneRun | undefined;

  constructor(options: BeepDetectorOptions) {
    if (options.sampleRate !== 8000 && options.sampleRate !== 16000)
      throw new RangeError(`beep detection needs 8000 or 16000 Hz audio, got ${options.sampleRate}`);
    this.o = { ...DEFAULTS, ...options };
  }

  /** Whether a steady tone has been going on for at least `minBeepMs` (a beep in progress). */
  get toneInProgress(): boolean {
    return this.run !== undefined && this.run.endMs - this.run.startMs >= this.o.minBeepMs;
  }

  /** Classify one frame that starts at `atMs`; returns a beep when one has just ended. */
  frame(pcm: Pcm16, atMs: number): Beep | undefined {
    const endMs = atMs + (pcm.length * 1000) / this.o.sampleRate;
    const scan = scanTone(pcm, this.o.sampleRate, this.o);
    if (this.isTone(scan)) {
      const run = this.run;
      if (run && Math.abs(scan.hz - run.hzSum / run.frames) <= this.o.maxDriftHz) {
        run.endMs = endMs;
        run.hzSum += scan.hz;
        run.frames++;
        run.dropouts = 0;
        return undefined;
      }
      const ended = this.finish();
      this.run = { startMs: atMs, endMs, hzSum: scan.hz, frames: 1, dropouts: 0 };
      return ended;
    }
    if (!this.run) return undefined;
    if (++this.run.dropouts <= this.o.maxDropoutFrames) return undefined;
    return this.finish();
  }

  /** The audio ended: report a beep still sounding at the end. */
  flush(): Beep | undefined {
    return this.finish();
  }

  private isTone(scan: ToneScan): boolean {
    return scan.dbfs >= this.o.minDbfs && scan.purity >= this.o.minPurity;
  }

  private finish(): Beep | undefined {
    const run = this.run;
    this.run = undefined;
    if (!run) return undefined;
    const ms = run.endMs - run.startMs;
    if (ms < this.o.minBeepMs || ms > this.o.maxBeepMs) return undefined;
    return { startMs: run.startMs, endMs: run.endMs, hz: Math.round(run.hzSum / run.frames) };
  }
}
