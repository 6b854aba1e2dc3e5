/**
 * A minimal mod_audio_fork client for the fork-path micro-benchmark: metadata first, then real-time
 * paced 20 ms L16 frames at 8 kHz (caller speech from the fixtures, zeros between), recording every
 * agent audio frame and command with its arrival time. FreeSWITCH-like enough for timing; the full
 * behavioural fake lives in src/testing.
 */
import { WebSocket } from 'ws';
import { decodeG711 } from '../src/audio/g711.js';
import type { Utterance } from './fixtures.js';
import type { Ticker } from './ticker.js';

const SILENT_FRAME = Buffer.alloc(320);
/** Agent audio frames louder than this count as speech (−40 dBFS). */
const VOICED_RMS = 32768 * 10 ** (-40 / 20);

export interface ForkCallerOptions {
  url: string;
  callId: string;
  to: string;
  ticker: Ticker;
}

export class ForkCaller {
  /** Arrival times of binary agent audio frames and whether each carried speech. */
  readonly audioAt: number[] = [];
  readonly audioVoiced: boolean[] = [];
  /** Milliseconds of audio in each frame (8 kHz, 16-bit). */
  readonly audioMs: number[] = [];
  /** Arrival times of commands, by type. */
  readonly commands: { type: string; at: number }[] = [];
  private queue:
    | {
        frames: Buffer[];
        voiced: boolean[];
        i: number;
        onsetAt: number;
        lastVoicedAt: number;
        done: (r: { onsetAt: number; lastVoicedAt: number }) => void;
      }
    | undefined;
  private unsubscribe: () => void = () => undefined;
  closed = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const at = performance.now();
      if (isBinary) {
        const buf = data as Buffer;
        let sum = 0;
        const n = buf.length >> 1;
        for (let i = 0; i < n; i++) {
          const s = buf.readInt16LE(i * 2);
          sum += s * s;
        }
        this.audioAt.push(at);
        this.audioVoiced.push(n > 0 && Math.sqrt(sum / n) > VOICED_RMS);
        this.audioMs.push(n / 8);
      } else {
        try {
          const msg = JSON.parse(String(data)) as { type?: string };
          this.commands.push({ type: String(msg.type), at });
        } catch {
          this.commands.push({ type: 'unparsable', at });
        }
      }
    });
    ws.on('close', () => {
      this.closed = true;
      this.unsubscribe();
    });
  }

  static async connect(o: ForkCallerOptions): Promise<ForkCaller> {
    const ws = new WebSocket(o.url, 'audio.drachtio.org', { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('fork connect timed out')), 5000);
      ws.once('open', () => {
        clearTimeout(t);
        resolve();
      });
      ws.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(t);
        reject(new Error(`fork upgrade refused: ${res.statusCode}`));
      });
    });
    const c = new ForkCaller(ws);
    ws.send(
      JSON.stringify({
        callId: o.callId,
        from: 'bench',
        to: o.to,
        sampleRate: 8000,
        playbackSampleRate: 8000,
        source: 'bench',
      }),
    );
    c.unsubscribe = o.ticker.subscribe(() => c.tick());
    return c;
  }

  private tick(): void {
    if (this.closed) return;
    const at = performance.now();
    const q = this.queue;
    if (!q) {
      this.ws.send(SILENT_FRAME);
      return;
    }
    this.ws.send(q.frames[q.i]!);
    if (q.voiced[q.i]) {
      if (q.onsetAt < 0) q.onsetAt = at;
      q.lastVoicedAt = at;
    }
    if (++q.i >= q.frames.length) {
      this.queue = undefined;
      q.done({ onsetAt: q.onsetAt, lastVoicedAt: q.lastVoicedAt });
    }
  }

  play(utt: Utterance): Promise<{ onsetAt: number; lastVoicedAt: number }> {
    const frames = utt.frames.map((f) => {
      const pcm = decodeG711('PCMU', f);
      return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    });
    return new Promise((done) => {
      this.queue = { frames, voiced: utt.voiced, i: 0, onsetAt: -1, lastVoicedAt: -1, done };
    });
  }

  firstVoicedAfter(t: number): number | undefined {
    let found: number | undefined;
    for (let i = this.audioAt.length - 1; i >= 0 && this.audioAt[i]! > t; i--)
      if (this.audioVoiced[i]) found = this.audioAt[i];
    return found;
  }

  firstCommandAfter(type: string, t: number): number | undefined {
    return this.commands.find((c) => c.type === type && c.at > t)?.at;
  }

  /** Poll (every 5 ms, bounded) until `test` returns a value. */
  async until<T>(test: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const v = test();
      if (v !== undefined || this.closed || performance.now() > end) return v;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Graceful end: a zero-length binary frame, then close 1000. */
  async close(): Promise<void> {
    this.unsubscribe();
    if (this.closed) return;
    this.ws.send(Buffer.alloc(0));
    this.ws.close(1000);
    await this.until(() => (this.closed ? true : undefined), 2000);
  }
}
