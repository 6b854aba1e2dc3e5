/** One Listen v1 connection to the Deepgram fake: detects speech, answers with the script's transcripts. */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { DeepgramFakeScript } from './deepgram-fake.js';
import {
  interimPrefix,
  metadataMessage,
  resultsMessage,
  speechStartedMessage,
  utteranceEndMessage,
} from './deepgram-messages-fake.js';
import { FakeSessionBase } from './deepgram-session-base.js';

export type { DeepgramFakeConnection } from './deepgram-session-base.js';

interface PendingFinal {
  text: string;
  startMs: number;
  endMs: number;
  timer: NodeJS.Timeout | undefined;
}

export class FakeListenSession extends FakeSessionBase {
  private readonly requestId = randomUUID();
  private readonly endpointingMs: number | undefined;
  private readonly interims: boolean;
  private readonly vadEvents: boolean;
  private readonly utteranceEnds: boolean;
  private lastInterimMs = 0;
  private current: { text: string; startMs: number } | undefined;
  private pending: PendingFinal | undefined;

  constructor(
    index: number,
    ws: WebSocket,
    params: URLSearchParams,
    script: () => DeepgramFakeScript,
    nextTranscript: () => string,
  ) {
    super(index, '/v1/listen', ws, params, script, nextTranscript);
    const endpointing = params.get('endpointing');
    this.endpointingMs = endpointing === 'false' ? undefined : Number(endpointing ?? 10);
    this.interims = params.get('interim_results') === 'true';
    this.vadEvents = params.get('vad_events') === 'true';
    this.utteranceEnds = this.interims && params.has('utterance_end_ms');
  }

  protected onAudio(pcm: Int16Array): void {
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
    this.maybeDrop();
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

  /** Finalize: what is heard becomes final, `finalizeDelayMs` later (the STT's own processing time). */
  private finalize(): void {
    const delay = this.script().finalizeDelayMs ?? 0;
    if (delay <= 0 || this.pending) {
      if (!this.flushPending(true)) {
        const at = this.audioMs();
        this.send(this.results('', at, at, { isFinal: true, speechFinal: false, fromFinalize: true }));
      }
      return;
    }
    const cur = this.current;
    const at = this.audioMs();
    const p: PendingFinal = cur
      ? { text: cur.text, startMs: cur.startMs, endMs: this.detector.lastSpeechEnd, timer: undefined }
      : { text: '', startMs: at, endMs: at, timer: undefined };
    if (cur) {
      this.current = undefined;
      this.detector.reset();
      this.pending = p;
    }
    p.timer = setTimeout(() => this.sendFinal(p, true), delay);
  }

  protected onControl(type: string): void {
    if (type === 'Finalize') {
      this.finalize();
    } else if (type === 'CloseStream') {
      this.flushPending(false);
      this.send(metadataMessage(this.requestId, this.audioMs()));
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

  protected override dispose(): void {
    if (this.pending?.timer) clearTimeout(this.pending.timer);
    this.pending = undefined;
    super.dispose();
  }
}
