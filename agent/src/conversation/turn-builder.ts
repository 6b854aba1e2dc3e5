/** Collects one turn's record as it happens: texts, tool calls, timings; finished exactly once. */
import type { PreemptiveOutcome, TurnRecord, TurnTimings } from './call-record.js';
import type { TurnOutput } from './turn-output.js';

export class TurnBuilder {
  readonly startedAt = new Date();
  readonly toolCalls: TurnRecord['toolCalls'] = [];
  /** What the turn said; set when the turn starts running. */
  output: TurnOutput | undefined;
  speechEndedAt: number | undefined;
  finalAt: number | undefined;
  decidedAt: number | undefined;
  llmTtftMs: number | undefined;
  /** Whether a reply prepared on the likely end of this turn was used, or thrown away. */
  preemptive: PreemptiveOutcome | undefined;
  finished = false;

  constructor(
    readonly callId: string,
    readonly index: number,
    readonly userText: string,
  ) {}

  agentText(): string {
    return this.output?.heardText() ?? '';
  }

  firstAudioAt(): number | undefined {
    return this.output?.speeches().find((s) => s.firstAudioAt !== undefined)?.firstAudioAt;
  }

  timings(): TurnTimings {
    const t: TurnTimings = {};
    const end = this.speechEndedAt;
    if (end !== undefined && this.decidedAt !== undefined) t.endOfUtteranceDelayMs = this.decidedAt - end;
    if (end !== undefined && this.finalAt !== undefined) t.sttDelayMs = Math.max(0, this.finalAt - end);
    if (this.llmTtftMs !== undefined) t.llmTtftMs = this.llmTtftMs;
    const first = this.output?.speeches().find((s) => s.firstAudioAt !== undefined);
    if (first?.firstAudioAt !== undefined && first.firstTextAt !== undefined) {
      t.ttsTtfbMs = first.firstAudioAt - first.firstTextAt;
      if (end !== undefined) t.voiceToVoiceMs = first.firstAudioAt - end;
    }
    return t;
  }

  finish(interrupted: boolean): TurnRecord {
    this.finished = true;
    return {
      callId: this.callId,
      index: this.index,
      userText: this.userText,
      agentText: this.agentText(),
      interrupted,
      toolCalls: this.toolCalls,
      timings: this.timings(),
      ...(this.preemptive ? { preemptive: this.preemptive } : {}),
      startedAt: this.startedAt,
      endedAt: new Date(),
    };
  }
}
