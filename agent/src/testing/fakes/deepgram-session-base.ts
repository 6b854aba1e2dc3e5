/** What both Deepgram fake sessions (Listen v1 and Flux v2) share: the socket, the audio log, controls. */
import type { WebSocket } from 'ws';
import { concatPcm, pcmFromBytes } from '../../audio/pcm.js';
import type { DeepgramFakeScript } from './deepgram-fake.js';
import { EnergyDetector } from './energy-detector.js';

export interface DeepgramFakeConnection {
  readonly index: number;
  /** '/v1/listen' or '/v2/listen'. */
  readonly path: string;
  /** The query string the SDK sent (model, encoding, sample_rate, endpointing, eot_threshold…). */
  readonly query: Record<string, string>;
  readonly sampleRate: number;
  /** Samples received so far. */
  readonly samples: number;
  /** Audio the detector judged to be speech, ms. */
  readonly speechMs: number;
  /** Text control messages received, by type (KeepAlive, Finalize, CloseStream, ForceEndTurn…). */
  readonly controls: string[];
  /** Every JSON message sent to the client. */
  readonly sent: Record<string, unknown>[];
  /** Finals (v1) or EndOfTurns (v2) with a transcript handed out on this connection. */
  readonly finals: number;
  readonly closed: boolean;
  /** All PCM received, concatenated. */
  audio(): Int16Array;
}

export abstract class FakeSessionBase implements DeepgramFakeConnection {
  readonly query: Record<string, string>;
  readonly sampleRate: number;
  readonly controls: string[] = [];
  readonly sent: Record<string, unknown>[] = [];
  samples = 0;
  finals = 0;
  closed = false;
  protected readonly detector: EnergyDetector;
  private readonly chunks: Int16Array[] = [];

  constructor(
    readonly index: number,
    readonly path: string,
    protected readonly ws: WebSocket,
    params: URLSearchParams,
    protected readonly script: () => DeepgramFakeScript,
    protected readonly nextTranscript: () => string,
  ) {
    this.query = Object.fromEntries(params);
    this.sampleRate = Number(params.get('sample_rate'));
    this.detector = new EnergyDetector({
      sampleRate: this.sampleRate,
      thresholdDbfs: script().thresholdDbfs,
    });
    ws.on('message', (data, isBinary) =>
      isBinary ? this.onBytes(data as Buffer) : this.onText(String(data)),
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

  /** Audio received so far, in ms. */
  protected audioMs(): number {
    return (this.samples * 1000) / this.sampleRate;
  }

  protected send(msg: Record<string, unknown>): void {
    if (this.closed) return;
    this.sent.push(msg);
    this.ws.send(JSON.stringify(msg));
  }

  protected abstract onAudio(pcm: Int16Array): void;
  protected abstract onControl(type: string, msg: Record<string, unknown>): void;

  /** Failure injection: close (1011) or reset once `finals` reaches the script's dropAfterUtterances. */
  protected maybeDrop(): void {
    const dropAfter = this.script().dropAfterUtterances;
    if (dropAfter === undefined || this.finals < dropAfter) return;
    this.drop(this.script().dropMode);
  }

  /** The server drops this connection now: close 1011, or a TCP reset. */
  drop(mode: 'close' | 'destroy' = 'close'): void {
    if (this.closed) return;
    this.dispose();
    if (mode === 'destroy') this.ws.terminate();
    else this.ws.close(1011, 'fake: dropped');
  }

  protected dispose(): void {
    this.closed = true;
  }

  private onBytes(data: Buffer): void {
    if (this.closed || data.length < 2) return;
    const pcm = Int16Array.from(pcmFromBytes(data.subarray(0, data.length - (data.length % 2))));
    this.chunks.push(pcm);
    this.samples += pcm.length;
    this.onAudio(pcm);
    const script = this.script();
    if (script.dropAfterSpeechMs !== undefined && this.detector.speechMs >= script.dropAfterSpeechMs) {
      script.dropAfterSpeechMs = undefined; // one drop per setting
      this.drop(script.dropMode);
    }
  }

  private onText(text: string): void {
    let msg: Record<string, unknown> = {};
    let type = 'invalid';
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
      type = String(msg.type);
    } catch {
      // recorded as invalid
    }
    this.controls.push(type);
    this.onControl(type, msg);
  }
}
