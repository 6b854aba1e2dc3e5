/**
 * Streamed audio from the fork server into the call, as jambonz mod_audio_fork 1.2.33 does it
 * (lws_glue.cpp processIncomingBinary / dub_speech_frame @30f2189), defects included:
 * - binary frames go to a prebuffer; an odd byte waits for the next frame; nothing plays until
 *   320 × downscale × 4 samples are buffered (≈160 ms), then 320 × downscale × 2; a tail shorter
 *   than that stays in the prebuffer until more audio arrives;
 * - marks are in-band: queued names become 0xFFFF sentinel samples in front of the next audio, so a
 *   real -1 sample in speech pops a mark early (and is dropped); resampling (stream rate ≠ codec
 *   rate) mangles the sentinels;
 * - killAudio clears the playout buffer on the next 20 ms frame and reports pending marks
 *   "cleared"; the in-use ones move to a "cleared" queue that swallows the next sentinels, so later
 *   marks are lost or misnamed; clearMarks moves everything there without telling anyone;
 * - the stream is added (int16 wrap-around, not saturation) to what the channel was writing.
 * Pure: the caller feeds binary frames and pulls one write frame per 20 ms.
 */
import type { Pcm16 } from '../../../../../audio/pcm.js';
import { resample } from '../../../../../audio/resample.js';

export const AUDIO_MARKER = -1; // 0xFFFF as int16
export const MAX_MARKS = 30;
const HISTORY = 4;

/** Growable FIFO of samples. */
export class SampleQueue {
  private buf = new Int16Array(8192);
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(samples: Pcm16): void {
    if (this.tail + samples.length > this.buf.length) {
      const size = this.size;
      const cap = Math.max(this.buf.length, (size + samples.length) * 2);
      const next = cap === this.buf.length ? this.buf : new Int16Array(cap);
      next.set(this.buf.subarray(this.head, this.tail), 0);
      this.buf = next;
      this.head = 0;
      this.tail = size;
    }
    this.buf.set(samples, this.tail);
    this.tail += samples.length;
  }

  pushValue(v: number, count: number): void {
    this.push(new Int16Array(count).fill(v));
  }

  /** Remove and return the first n samples (n ≤ size). */
  shift(n: number): Pcm16 {
    const out = this.buf.slice(this.head, this.head + n);
    this.head += n;
    if (this.head === this.tail) this.head = this.tail = 0;
    return out;
  }

  /** The last n samples, removed. */
  pop(n: number): Pcm16 {
    const out = this.buf.slice(this.tail - n, this.tail);
    this.tail -= n;
    return out;
  }

  all(): Pcm16 {
    return this.buf.slice(this.head, this.tail);
  }

  clear(): void {
    this.head = this.tail = 0;
  }
}

export interface StreamPlayoutOptions {
  /** bidirectionalAudio_stream_samplerate. */
  streamRate: number;
  /** The channel's codec rate (8000 for G.711). */
  codecRate: number;
  /** A mark notice the module would send to the server: the exact JSON text. */
  sendText(text: string): void;
  /** Playout buffer cap, samples (the module grows without bound; the fake drops and counts). */
  maxBufferedSamples?: number;
}

/** send_mark_event(): built by string concatenation, the name not escaped. */
export function markEventText(name: string, cleared: boolean): string {
  return `{"type": "mark", "data": {"name":"${name}", "event": "${cleared ? 'cleared' : 'playout'}"}}`;
}

export class StreamPlayout {
  private readonly pre = new SampleQueue();
  private readonly playout = new SampleQueue();
  private setAside: number | undefined;
  private preBufSize: number;
  private readonly downscale: number;
  private marks: { inventory: string[]; inUse: string[]; cleared: string[] } | undefined;
  private clearPending = false;
  private history: Int16Array = new Int16Array(HISTORY);
  droppedSamples = 0;
  discardedMarks = 0;

  constructor(private readonly o: StreamPlayoutOptions) {
    this.downscale = o.streamRate > o.codecRate ? Math.trunc(o.streamRate / o.codecRate) : 1;
    this.preBufSize = 320 * this.downscale * 4;
  }

  /** Samples (codec rate) waiting to be played, sentinels included. */
  get bufferedSamples(): number {
    return this.playout.size;
  }

  get prebufferedSamples(): number {
    return this.pre.size;
  }

  /** processIncomingBinary, one received chunk. */
  incomingBinary(bytes: Uint8Array): void {
    let data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.setAside !== undefined) {
      data = Buffer.concat([Buffer.of(this.setAside), data]);
      this.setAside = undefined;
    }
    if (data.length % 2 !== 0) {
      this.setAside = data[data.length - 1];
      data = data.subarray(0, data.length - 1);
    }
    const samples = new Int16Array(data.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(i * 2);
    let markers = 0;
    if (this.marks) {
      markers = this.marks.inventory.length;
      this.marks.inUse.push(...this.marks.inventory);
      this.marks.inventory = [];
    }
    if (markers > 0) this.pre.pushValue(AUDIO_MARKER, markers);
    this.pre.push(samples);
    if (this.pre.size < this.preBufSize) return;
    this.preBufSize = 320 * this.downscale * 2;
    const complete = Math.floor(this.pre.size / this.downscale) * this.downscale;
    const leftover = this.pre.pop(this.pre.size - complete);
    const block = this.pre.all();
    this.pre.clear();
    const out = this.o.streamRate && this.o.streamRate !== this.o.codecRate ? this.resample(block) : block;
    const room = (this.o.maxBufferedSamples ?? 8000 * 600) - this.playout.size;
    if (out.length > room) this.droppedSamples += out.length - Math.max(0, room);
    if (room > 0) this.playout.push(out.length > room ? out.subarray(0, room) : out);
    if (leftover.length) this.pre.push(leftover);
  }

  /**
   * speex keeps filter state across calls; the stateless linear resampler is given the previous
   * block's last samples as history so block edges are filtered like the middle (a lone sentinel at
   * a block start is smeared too, as speex smears it).
   */
  private resample(block: Pcm16): Pcm16 {
    const from = this.o.streamRate;
    const to = this.o.codecRate;
    const joined = new Int16Array(this.history.length + block.length);
    joined.set(this.history);
    joined.set(block, this.history.length);
    this.history = block.slice(Math.max(0, block.length - HISTORY));
    const out = resample(joined, from, to);
    return out.subarray(Math.round((joined.length - block.length) * (to / from)));
  }

  /** {"type":"mark"}: queued, unless 30 are in inventory and in use already. */
  mark(name: string): void {
    const m = this.marks;
    if (m && m.inUse.length + m.inventory.length >= MAX_MARKS) {
      this.discardedMarks++;
      return;
    }
    this.marks ??= { inventory: [], inUse: [], cleared: [] };
    this.marks.inventory.push(name);
  }

  /** {"type":"clearMarks"}: every tracked mark moves to "cleared", silently. */
  clearMarks(): void {
    const m = this.marks;
    if (!m) return;
    m.cleared.push(...m.inUse, ...m.inventory);
    m.inUse = [];
    m.inventory = [];
  }

  /** killAudio: the buffer is cleared by the next write frame. */
  kill(): void {
    this.clearPending = true;
  }

  /** stop_play: clear the playout buffer now (marks untouched). */
  stopPlay(): void {
    this.playout.clear();
  }

  /** dub_speech_frame: modify the frame the channel is about to write (in place). */
  dub(frame: Int16Array): void {
    const m = this.marks;
    if (this.clearPending) {
      this.playout.clear();
      this.clearPending = false;
      if (m && m.inventory.length + m.inUse.length > 0) {
        for (const name of [...m.inUse, ...m.inventory]) this.o.sendText(markEventText(name, true));
        m.cleared.push(...m.inUse);
        m.inUse = [];
        m.inventory = [];
      }
      return;
    }
    const toCopy = Math.min(this.playout.size, frame.length);
    const hasMarkers = m !== undefined && m.inUse.length + m.cleared.length > 0;
    if (hasMarkers) {
      const src = this.playout.shift(toCopy);
      let valid = 0;
      const data = new Int16Array(frame.length);
      for (const s of src) {
        if (s === AUDIO_MARKER) {
          const from = m.cleared.length > 0 ? m.cleared : m.inUse;
          const name = from.shift();
          if (name !== undefined && from === m.inUse) this.o.sendText(markEventText(name, false));
        } else data[valid++] = s;
      }
      addWrapping(frame, data, valid);
      return;
    }
    const data = this.playout.shift(toCopy);
    if (toCopy > 0) addWrapping(frame, data, toCopy);
    else if (m && m.inventory.length > 0) this.o.sendText(markEventText(m.inventory.shift()!, false));
  }
}

/** vector_add on int16: a[i] += b[i], wrapping like the C (and AVX2 epi16) addition. */
function addWrapping(a: Int16Array, b: Int16Array, n: number): void {
  for (let i = 0; i < n; i++) a[i] = ((a[i]! + b[i]!) << 16) >> 16;
}
