/** Collects one turn's record as it happens: texts, tool calls, LLM calls, timings, faults; finished exactly once. */
import type { TokenUsage } from '../providers/types.js';
import type { LlmCallRecord, PreemptiveOutcome, TurnFault, TurnRecord, TurnTimings } from './call-record.js';
import { turnStages, type LlmCallTiming, type ToolRunTiming } from './turn-stages.js';
import type { TurnOutput } from './turn-output.js';

export class TurnBuilder {
  readonly startedAt = new Date();
  readonly toolCalls: TurnRecord['toolCalls'] = [];
  readonly llmCalls: LlmCallTiming[] = [];
  readonly toolRuns: ToolRunTiming[] = [];
  readonly faults: TurnFault[] = [];
  /** What the turn said; set when the turn starts running. */
  output: TurnOutput | undefined;
  speechEndedAt: number | undefined;
  finalAt: number | undefined;
  decidedAt: number | undefined;
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
    return this.firstSpeech()?.firstAudioAt;
  }

  /** A new LLM call of this turn, started at `requestAt` (clock ms). */
  startLlmCall(model: string, requestAt: number): LlmCallTiming {
    const call: LlmCallTiming = { model, requestAt, toolCalls: 0 };
    this.llmCalls.push(call);
    return call;
  }

  /** A tool starts running now; call the result when it ends. */
  startTool(at: number): (endAt: number) => void {
    const run: ToolRunTiming = { startAt: at };
    this.toolRuns.push(run);
    return (endAt) => (run.endAt = endAt);
  }

  timings(): TurnTimings {
    const t: TurnTimings = {};
    const end = this.speechEndedAt;
    if (end !== undefined && this.decidedAt !== undefined) t.endOfUtteranceDelayMs = this.decidedAt - end;
    if (end !== undefined && this.finalAt !== undefined) t.sttDelayMs = Math.max(0, this.finalAt - end);
    const firstCall = this.llmCalls[0];
    if (firstCall?.firstEventAt !== undefined) t.llmTtftMs = firstCall.firstEventAt - firstCall.requestAt;
    const first = this.firstSpeech();
    if (first?.firstAudioAt !== undefined && first.firstTextAt !== undefined) {
      t.ttsTtfbMs = first.firstAudioAt - first.firstTextAt;
      if (end !== undefined) {
        t.voiceToVoiceMs = first.firstAudioAt - end;
        Object.assign(
          t,
          turnStages({
            speechEndedAt: end,
            decidedAt: this.decidedAt,
            llmCalls: this.llmCalls,
            toolRuns: this.toolRuns,
            firstTextPushedAt: first.firstTextAt,
            firstAudioAt: first.firstAudioAt,
          }),
        );
      }
    }
    return t;
  }

  finish(interrupted: boolean): TurnRecord {
    this.finished = true;
    const calls = this.llmCalls.map(callRecord);
    const usage = this.usage();
    return {
      callId: this.callId,
      index: this.index,
      userText: this.userText,
      agentText: this.agentText(),
      interrupted,
      toolCalls: this.toolCalls,
      timings: this.timings(),
      ...(this.preemptive ? { preemptive: this.preemptive } : {}),
      ...(calls.length ? { llmCalls: calls } : {}),
      ...(usage ? { usage } : {}),
      ...(this.faults.length ? { faults: [...this.faults] } : {}),
      startedAt: this.startedAt,
      endedAt: new Date(),
    };
  }

  private usage(): TokenUsage | undefined {
    const counted = this.llmCalls.filter((c) => c.usage);
    if (counted.length === 0) return undefined;
    return {
      promptTokens: counted.reduce((n, c) => n + c.usage!.promptTokens, 0),
      completionTokens: counted.reduce((n, c) => n + c.usage!.completionTokens, 0),
    };
  }

  private firstSpeech() {
    return this.output?.speeches().find((s) => s.firstAudioAt !== undefined);
  }
}

function callRecord(c: LlmCallTiming): LlmCallRecord {
  const r: LlmCallRecord = { model: c.model, toolCalls: c.toolCalls, outcome: c.outcome ?? 'cancelled' };
  if (c.firstEventAt !== undefined) r.ttftMs = Math.round((c.firstEventAt - c.requestAt) * 10) / 10;
  if (c.endedAt !== undefined) r.durationMs = Math.round((c.endedAt - c.requestAt) * 10) / 10;
  if (c.usage) {
    r.promptTokens = c.usage.promptTokens;
    r.completionTokens = c.usage.completionTokens;
  }
  return r;
}
