/**
 * One Flux (Listen v2, /v2/listen) connection to the Deepgram fake. The real Flux decides the end of
 * a turn with a model; this fake stands in for it deterministically so the official SDK and our
 * adapter can be run end to end:
 * - each detected speech segment takes the next scripted transcript ('' = noise: no turn at all);
 * - the script's `holds` marks segments after which the caller goes on (a pause inside the turn);
 * - end_of_turn_confidence rises with the silence after a segment: reaching 0.7 after
 *   `fluxEotLatencyMs` (default 260 ms, Flux's published p50) at the end of a turn, 0.5 150 ms and
 *   0.3 180 ms before that (eager thresholds of 0.3–0.5 save ~150–250 ms, Telnyx's Flux docs; eager
 *   mode saves ~150 ms median, research anchors §1.5), but capped at 0.6 after a hold — so
 *   EagerEndOfTurn may fire at a hold and TurnResumed follows when speech resumes, while EndOfTurn
 *   at a hold only comes from eot_timeout_ms (trigger "timeout");
 * - StartOfTurn once 250 ms of the turn's speech are heard (its first word), then Update every
 *   250 ms of audio while the turn is open, carrying the turn's transcript so far.
 * The state machine follows developers.deepgram.com/docs/flux/state: StartOfTurn → (EagerEndOfTurn →
 * TurnResumed)* → EndOfTurn with the same transcript as the last EagerEndOfTurn; turn_index grows
 * after EndOfTurn. It measures time in audio received, so paced and burst audio behave alike.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { DeepgramFakeScript } from './deepgram-fake.js';
import {
  configureSuccessMessage,
  connectedMessage,
  fatalErrorMessage,
  turnInfoMessage,
  type FluxEvent,
} from './deepgram-flux-messages-fake.js';
import { interimPrefix } from './deepgram-messages-fake.js';
import { FakeSessionBase } from './deepgram-session-base.js';

const UPDATE_EVERY_MS = 250;
/** StartOfTurn comes once the first word is recognised, not at the first sound. */
const START_LAG_MS = 250;
const HOLD_CONFIDENCE = 0.6;
/** Silence the fake's confidence needs to reach 0.3 (it has no words to go by, only energy). */
const MIN_EAGER_SILENCE_MS = 80;
/** Silence that separates two segments (matches the v1 fake's default endpointing). */
const SEGMENT_GAP_MS = 300;

interface Turn {
  startMs: number;
  /** Transcripts of the finished segments of this turn. */
  done: string[];
  /** The segment being spoken: its transcript and when it began. */
  segment: { text: string; startMs: number } | undefined;
  /** The caller goes on after the current segment (a pause inside the turn). */
  holding: boolean;
  silenceMs: number;
  eagerSent: string | undefined;
  lastUpdateMs: number;
  /** StartOfTurn sent. */
  announced: boolean;
}

export interface FluxSegment {
  text: string;
  /** Position in the script's utterances (for `holds`). */
  index: number;
}

export class FakeFluxSession extends FakeSessionBase {
  private readonly requestId = randomUUID();
  private sequence = 0;
  private turnIndex = 0;
  private turn: Turn | undefined;
  private eot: number;
  private eager: number | undefined;
  private timeoutMs: number;
  private silenceRun = 0;

  constructor(
    index: number,
    ws: WebSocket,
    params: URLSearchParams,
    script: () => DeepgramFakeScript,
    private readonly nextSegment: () => FluxSegment,
  ) {
    super(index, '/v2/listen', ws, params, script, () => nextSegment().text);
    this.eot = Number(params.get('eot_threshold') ?? 0.7);
    this.eager = params.has('eager_eot_threshold') ? Number(params.get('eager_eot_threshold')) : undefined;
    this.timeoutMs = Number(params.get('eot_timeout_ms') ?? 5000);
    this.send(connectedMessage(this.requestId, this.sequence++));
  }

  protected onAudio(pcm: Int16Array): void {
    for (const ev of this.detector.push(pcm)) {
      if (ev.type === 'silence') {
        this.silenceRun = ev.silenceMs;
        if (this.silenceRun >= SEGMENT_GAP_MS && this.turn?.segment) {
          this.turn.done.push(this.turn.segment.text);
          this.turn.segment = undefined;
        }
        this.tick(ev.atMs, ev.silenceMs);
        continue;
      }
      if (ev.type === 'onset' || this.silenceRun >= SEGMENT_GAP_MS) this.onSegment(ev.atMs);
      else if (this.silenceRun > 0 && this.turn?.eagerSent !== undefined) this.resume(ev.atMs);
      this.silenceRun = 0;
      if (ev.type === 'speech') this.tick(ev.atMs, 0);
    }
  }

  protected onControl(type: string, msg: Record<string, unknown>): void {
    if (type === 'CloseStream') {
      this.dispose();
      this.ws.close(1000);
    } else if (type === 'ForceEndTurn') {
      if (this.turn) this.endTurn(this.audioMs(), 'manual');
    } else if (type === 'Configure') {
      const t = (msg.thresholds ?? {}) as Record<string, unknown>;
      if (typeof t.eot_threshold === 'number') this.eot = t.eot_threshold;
      if (typeof t.eager_eot_threshold === 'number') this.eager = t.eager_eot_threshold;
      if (typeof t.eot_timeout_ms === 'number') this.timeoutMs = t.eot_timeout_ms;
      const thresholds = {
        eot_threshold: this.eot,
        eager_eot_threshold: this.eager,
        eot_timeout_ms: this.timeoutMs,
      };
      this.send(configureSuccessMessage(this.requestId, this.sequence++, thresholds));
    } else {
      this.send(fatalErrorMessage(this.sequence++, 'UNPARSABLE_CLIENT_MESSAGE', `unexpected ${type}`));
      this.dispose();
      this.ws.close(1008, 'unparsable client message');
    }
  }

  /** Speech after a gap: the next scripted segment ('' = noise, no words, no turn). */
  private onSegment(atMs: number): void {
    const { text, index } = this.nextSegment();
    if (!text) return;
    const holding = (this.script().holds ?? []).includes(index);
    const turn = this.turn;
    if (turn) {
      if (turn.eagerSent !== undefined) this.resume(atMs);
      turn.segment = { text, startMs: atMs };
      turn.holding = holding;
      return;
    }
    this.turn = {
      startMs: atMs,
      done: [],
      segment: { text, startMs: atMs },
      holding,
      silenceMs: 0,
      eagerSent: undefined,
      lastUpdateMs: atMs,
      announced: false,
    };
  }

  private resume(atMs: number): void {
    const turn = this.turn!;
    turn.eagerSent = undefined;
    turn.lastUpdateMs = atMs;
    this.emit('TurnResumed', atMs, this.transcript(atMs));
  }

  /** Every 10 ms frame while a turn is open: updates, the eager end, the end of the turn. */
  private tick(atMs: number, silenceMs: number): void {
    const turn = this.turn;
    if (!turn) return;
    turn.silenceMs = silenceMs;
    if (!turn.announced) {
      if (silenceMs === 0 && atMs - turn.startMs < START_LAG_MS) return;
      turn.announced = true;
      turn.lastUpdateMs = atMs;
      this.emit('StartOfTurn', atMs, this.transcript(atMs));
      return;
    }
    if (silenceMs > 0) {
      const conf = this.confidence(turn);
      if (conf >= this.eot || silenceMs >= this.timeoutMs) {
        return this.endTurn(atMs, conf >= this.eot ? 'model' : 'timeout');
      }
      if (this.eager !== undefined && conf >= this.eager && turn.eagerSent === undefined) {
        const text = this.transcript(atMs);
        turn.eagerSent = text;
        turn.lastUpdateMs = atMs;
        return this.emit('EagerEndOfTurn', atMs, text, conf);
      }
    }
    if (atMs - turn.lastUpdateMs >= UPDATE_EVERY_MS) {
      turn.lastUpdateMs = atMs;
      this.emit('Update', atMs, this.transcript(atMs), this.confidence(turn));
    }
  }

  private endTurn(atMs: number, trigger: 'model' | 'manual' | 'timeout'): void {
    const turn = this.turn!;
    const text = turn.eagerSent ?? this.transcript(atMs);
    this.emit('EndOfTurn', atMs, text, this.confidence(turn), trigger);
    this.turn = undefined;
    this.turnIndex++;
    this.detector.reset();
    this.silenceRun = 0;
    if (text) this.finals++;
    this.maybeDrop();
  }

  /** Stand-in for Flux's model: silence after the end of a turn raises confidence, a hold caps it. */
  private confidence(turn: Turn): number {
    if (turn.silenceMs === 0) return 0.02;
    const rising = eotConfidence(turn.silenceMs, this.script().fluxEotLatencyMs ?? 260);
    return Math.min(turn.holding ? HOLD_CONFIDENCE : 0.99, rising);
  }

  private transcript(atMs: number): string {
    const turn = this.turn;
    if (!turn) return '';
    const parts = [...turn.done];
    const seg = turn.segment;
    if (seg && turn.silenceMs > 0)
      parts.push(seg.text); // the segment's words are all said
    else if (seg) {
      const expectedMs = seg.text.split(/\s+/).length * 300;
      parts.push(interimPrefix(seg.text, (atMs - seg.startMs) / expectedMs));
    }
    return parts.join(' ');
  }

  private emit(
    event: FluxEvent,
    atMs: number,
    transcript: string,
    confidence = 0.02,
    trigger?: 'model' | 'manual' | 'timeout',
  ): void {
    this.send(
      turnInfoMessage({
        requestId: this.requestId,
        sequenceId: this.sequence++,
        event,
        turnIndex: this.turnIndex,
        startMs: this.turn?.startMs ?? atMs,
        endMs: atMs,
        transcript,
        confidence,
        ...(trigger ? { trigger } : {}),
      }),
    );
  }
}

/**
 * Confidence after `silenceMs` of silence at the end of a turn that Flux ends after `eotMs`: piecewise
 * linear through 0.3 at eotMs − 250, 0.5 at eotMs − 150, 0.7 at eotMs, then +0.2 per 150 ms. Never 0.3
 * before 80 ms of silence: the fake hears only energy, and gaps between words are shorter than that.
 */
export function eotConfidence(silenceMs: number, eotMs: number): number {
  const points: [number, number][] = [
    [0, 0.02],
    [Math.max(MIN_EAGER_SILENCE_MS, eotMs - 250), 0.3],
    [Math.max(MIN_EAGER_SILENCE_MS + 1, eotMs - 150), 0.5],
    [Math.max(MIN_EAGER_SILENCE_MS + 2, eotMs), 0.7],
  ];
  for (let i = 1; i < points.length; i++) {
    const [t0, c0] = points[i - 1]!;
    const [t1, c1] = points[i]!;
    if (silenceMs <= t1) return c0 + ((c1 - c0) * (silenceMs - t0)) / (t1 - t0);
  }
  const [tEot] = points[points.length - 1]!;
  return 0.7 + (0.2 * (silenceMs - tEot)) / 150;
}
