/** Collects one turn's record as it happens: texts, tool calls, timings; finished exactly once. */
import type { TurnRecord, TurnTimings } from './call-record.js';
import type { SpeechOutput } from './speech-output.js';

export class TurnBuilder {
  readonly startedAt = new Date();
  readonly speeches: SpeechOutput[] = [];
  readonly toolCalls: TurnRecord['toolCalls'] = [];
  speechEndedAt: number | undefined;
  finalAt: number | undefined;
  decidedAt: number | undefined;
  llmTtftMs: number | undefined;
  /** Text heard of replies that were replaced (a resumed remainder continues them). */
  extraAgentText = '';
  finished = false;

  constructor(
    readonly callId: string,
    readonly index: number,
    readonly userText: string,
  ) {}

  agentText(): string {
    return [this.extraAgentText, ...this.speeches.map((s) => s.heardText())].filter((t) => t).join(' ');
  }

  firstAudioAt(): number | undefined {
    return this.speeches.find((s) => s.firstAudioAt !== undefined)?.firstAudioAt;
  }

  timings(): TurnTimings {
    const t: TurnTimings = {};
    const end = this.speechEndedAt;
    if (end !== undefined && this.decidedAt !== undefined) t.endOfUtteranceDelayMs = this.decidedAt - end;
    if (end !== undefined && this.finalAt !== undefined) t.sttDelayMs = Math.max(0, this.finalAt - end);
    if (this.llmTtftMs !== undefined) t.llmTtftMs = this.llmTtftMs;
    const first = this.speeches.find((s) => s.firstAudioAt !== undefined);
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
      startedAt: this.startedAt,
      endedAt: new Date(),
    };
  }
}
