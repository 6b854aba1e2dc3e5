/** A Vad the test drives by hand: speech starts and ends when the test says so. */
import type { Clock } from '../time/clock.js';
import type { Pcm16 } from '../audio/pcm.js';
import { AsyncQueue } from '../streams/async-queue.js';
import type { Vad, VadEvent, VadFactory } from '../conversation/vad/vad.js';

export class ScriptedVad implements Vad {
  readonly kind = 'scripted';
  readonly onsetMs = 0;
  readonly hangoverMs = 0;
  pushedSamples = 0;
  private isSpeaking = false;
  private readonly events = new AsyncQueue<VadEvent>();

  constructor(private readonly clock: Clock) {}

  get speaking(): boolean {
    return this.isSpeaking;
  }
  push(pcm: Pcm16): void {
    this.pushedSamples += pcm.length;
  }
  speechStart(at = this.clock.now()): void {
    this.isSpeaking = true;
    this.events.push({ type: 'speech_start', at, detectedAt: this.clock.now() });
  }
  speechEnd(at = this.clock.now()): void {
    this.isSpeaking = false;
    this.events.push({ type: 'speech_end', at, detectedAt: this.clock.now() });
  }
  whenIdle(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {
    this.events.close();
  }
  [Symbol.asyncIterator](): AsyncIterator<VadEvent> {
    return this.events[Symbol.asyncIterator]();
  }
}

/** A factory that hands out ScriptedVads and remembers the last one. */
export function scriptedVadFactory(): VadFactory & { last: () => ScriptedVad } {
  let last: ScriptedVad | undefined;
  const f = ((o: { clock: Clock }) => (last = new ScriptedVad(o.clock))) as unknown as VadFactory & {
    last: () => ScriptedVad;
  };
  f.last = () => {
    if (!last) throw new Error('no VAD created yet');
    return last;
  };
  return f;
}
