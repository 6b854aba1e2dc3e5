/** One connection to the Deepgram fake: records the audio, detects speech, answers with the script. */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { concatPcm, pcmFromBytes } from '../../audio/pcm.js';
import type { DeepgramFakeScript } from './deepgram-fake.js';
import {
  interimPrefix,
  metadataMessage,
  resultsMessage,
  speechStartedMessage,
  utteranceEndMessage,
} from './deepgram-messages-fake.js';
import { EnergyDetector } from './energy-detector.js';

export interface DeepgramFakeConnection {
  readonly index: number;
  /** The query string the SDK sent (model, encoding, sample_rate, endpointing…). */
  readonly query: Record<string, string>;
  readonly sampleRate: number;
  /** Samples received so far. */
  readonly samples: number;
  /** Audio the detector judged to be speech, ms. */
  readonly speechMs: number;
  /** Text control messages received, by type (KeepAlive, Finalize, CloseStream). */
  readonly controls: string[];
  /** Every JSON message sent to the client. */
  readonly sent: Record<string, unknown>[];
  /** Finals with a transcript handed out on this connection. */
  readonly finals: number;
  readonly closed: boolean;
  /** All PCM received, concatenated. */
  audio(): Int16Array;
}

interface PendingFinal {
  text: string;
  startMs: number;
  endMs: number;
  timer: NodeJS.Timeout | undefined;
}

export class FakeListenSession implements DeepgramFakeConnection {
  readonly query: Record<string, string>;
  readonly sampleRate: number;
  readonly controls: string[] = [];
  readonly sent: Record<string, unknown>[] = [];
  samples = 0;
  finals = 0;
  closed = false;
  private readonly chunks: Int16Array[] = [];
  private readonly detector: EnergyDetector;
  private readonly requestId = randomUUID();
  private readonly endpointingMs: number | undefined;
  private readonly interims: boolean;
  private readonly vadEvents: boolean;
  private readonly utteranceEnds: boolean;
  private lastInterimMs = 0;
  private current: { text: string; startMs: number } | undefined;
  private pending: PendingFinal | undefined;

  constructor(
    readonly index: number,
    private readonly ws: WebSocket,
    params: URLSearchParams,
    private readonly script: () => DeepgramFakeScript,
    private readonly nextTranscript: () => string,
  ) {
    this.query = Object.fromEntries(params);
    this.sampleRate = Number(params.get('sample_rate'));
    const endpointing = params.get('endpointing');
    this.endpointingMs = endpointing === 'false' ? undefined : Number(endpointing ?? 10);
    this.interims = params.get('interim_results') === 'true';
    this.vadEvents = params.get('vad_events') === 'true';
    this.utteranceEnds = this.interims && params.has('utterance_end_ms');
    this.detector = new EnergyDetector({
      sampleRate: this.sampleRate,
      thresholdDbfs: script().thresholdDbfs,
    });
    ws.on('message', (data, isBinary) =>
      isBinary ? this.onAudio(data as Buffer) : this.onControl(String(data)),
    );
    ws.on('close', () => this.dispose());
    ws.on('error', () => this.dispose());
  }

  get speechMs(): number {
    return this.detector.speechMs;
  }

  audio(): Int16Array {
    return concatPcm(this.chunks);
  }

  terminate(): void {
    this.dispose();
    this.ws.terminate();
  }

  private send(msg: Record<string, unknown>): void {
    if (this.closed) return;
    this.sent.push(msg);
    this.ws.send(JSON.stringify(msg));
  }

  private onAudio(data: Buffer): void {
    if (this.closed || data.length < 2) return;
    const pcm = Int16Array.from(pcmFromBytes(data.subarray(0, data.length - (data.length % 2))));
    this.chunks.push(pcm);
    this.samples += pcm.length;
    for (const ev of this.detector.push(pcm)) {
      if (ev.type === 'onset') this.onOnset(ev.atMs);
      else if (ev.type === 'speech') this.onSpeech(ev.atMs, ev.speechMs);
      else if (this.endpointingMs !== undefined && ev.silenceMs >= this.endpointingMs) this.onEndpoint();
    }
  }

  private onOnset(atMs: number): void {
    this.current = { text: this.nextTranscript(), startMs: atMs };
    this.lastInterimMs = 0;
    if (this.vadEvents) this.send(speechStartedMessage(atMs));
  }

  private onSpeech(atMs: number, speechMs: number): void {
    const cur = this.current;
    const every = this.script().interimEveryMs ?? 250;
    if (!cur || !this.interims || !cur.text || speechMs - this.lastInterimMs < every) return;
    this.lastInterimMs = speechMs;
    const expectedMs = cur.text.split(/\s+/).length * 300;
    const text = interimPrefix(cur.text, speechMs / expectedMs);
    this.send(
      this.results(text, cur.startMs, atMs, { isFinal: false, speechFinal: false, fromFinalize: false }),
    );
  }

  private onEndpoint(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    this.detector.reset();
    const pending: PendingFinal = {
      text: cur.text,
      startMs: cur.startMs,
      endMs: this.detector.lastSpeechEnd,
      timer: undefined,
    };
    pending.timer = setTimeout(() => this.sendFinal(pending, false), this.script().finalDelayMs ?? 150);
    this.pending = pending;
  }

  private sendFinal(p: PendingFinal, fromFinalize: boolean): void {
    if (p.timer) clearTimeout(p.timer);
    if (this.pending === p) this.pending = undefined;
    this.send(
      this.results(p.text, p.startMs, p.endMs, { isFinal: true, speechFinal: !fromFinalize, fromFinalize }),
    );
    if (p.text) this.finals++;
    if (!fromFinalize && this.utteranceEnds) this.send(utteranceEndMessage(p.endMs));
    const dropAfter = this.script().dropAfterUtterances;
    if (dropAfter !== undefined && this.finals >= dropAfter) this.drop();
  }

  /** What is heard but not yet final becomes final now (Finalize, CloseStream). */
  private flushPending(fromFinalize: boolean): boolean {
    if (this.pending) {
      this.sendFinal(this.pending, fromFinalize);
      return true;
    }
    const cur = this.current;
    if (!cur) return false;
    this.current = undefined;
    this.detector.reset();
    this.sendFinal(
      { text: cur.text, startMs: cur.startMs, endMs: this.detector.lastSpeechEnd, timer: undefined },
      fromFinalize,
    );
    return true;
  }

  private onControl(text: string): void {
    let type = 'invalid';
    try {
      type = String((JSON.parse(text) as { type?: unknown }).type);
    } catch {
      // recorded as invalid
    }
    this.controls.push(type);
    if (type === 'Finalize') {
      if (!this.flushPending(true)) {
        const at = (this.samples * 1000) / this.sampleRate;
        this.send(this.results('', at, at, { isFinal: true, speechFinal: false, fromFinalize: true }));
      }
    } else if (type === 'CloseStream') {
      this.flushPending(false);
      this.send(metadataMessage(this.requestId, (this.samples * 1000) / this.sampleRate));
      this.dispose();
      this.ws.close(1000);
    }
  }

  private results(
    text: string,
    startMs: number,
    endMs: number,
    f: { isFinal: boolean; speechFinal: boolean; fromFinalize: boolean },
  ): Record<string, unknown> {
    return resultsMessage({ requestId: this.requestId, text, startMs, endMs, ...f });
  }

  private drop(): void {
    this.dispose();
    if (this.script().dropMode === 'destroy') this.ws.terminate();
    else this.ws.close(1011, 'fake: dropped');
  }

  private dispose(): void {
    if (this.pending?.timer) clearTimeout(this.pending.timer);
    this.pending = undefined;
    this.closed = true;
  }
}
