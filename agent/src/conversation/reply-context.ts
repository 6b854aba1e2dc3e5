/** What a reply of the active turn needs from the call: providers, history, tools, the turn's record. */
import type { ReplyContext } from './reply.js';
import type { ActiveTurn, TurnRunnerDeps } from './turn-runner.js';

export function replyContext(d: TurnRunnerDeps, turn: ActiveTurn): ReplyContext {
  return {
    llm: d.providers.llm,
    model: d.profile.llm.model,
    temperature: d.profile.llm.temperature,
    history: d.history,
    tools: d.tools,
    clock: d.clock,
    log: d.log,
    maxSteps: d.options.maxToolSteps,
    llmFirstTokenTimeoutMs: d.options.timeouts.llmFirstTokenMs,
    llmIdleTimeoutMs: d.options.timeouts.llmIdleMs,
    output: turn.output,
    primed: turn.primed,
    toolSignal: d.rootSignal,
    trackTools: (run) => {
      turn.tools.add(run);
      void run.finally(() => turn.tools.delete(run));
    },
    toolContext: (signal) => ({
      channel: d.channel,
      profile: d.profile,
      clock: d.clock,
      log: d.log,
      signal,
      awaitTransferResult: (s) => d.transfers.wait(s),
    }),
    firstTokenBudgetMs: () => firstTokenBudget(d, turn),
    llmCall: (model, at) => turn.builder.startLlmCall(model, at),
    toolRun: () => {
      const end = turn.builder.startTool(d.clock.now());
      return () => end(d.clock.now());
    },
    onToolResult: (call, result, action) => {
      // A transfer that went through ends the call's business even if the turn is cut short now.
      if (action === 'transferred') d.onTransferred();
      turn.builder.toolCalls.push({ name: call.name, arguments: call.arguments, result });
      d.observer.live(d.callId, { type: 'tool', name: call.name, arguments: call.arguments, result });
    },
  };
}

/** Whatever the end of turn took, the LLM still gets at least this long for its first token. */
const MIN_FIRST_TOKEN_BUDGET_MS = 600;

/**
 * The caller's remaining wait for the first token: the profile's budget counted from the end of
 * their speech (from the decision when the VAD never saw it), so the apology comes in time.
 */
function firstTokenBudget(d: TurnRunnerDeps, turn: ActiveTurn): number {
  const budget = d.profile.llm.firstTokenBudgetMs;
  const anchor = turn.builder.speechEndedAt ?? turn.builder.decidedAt;
  if (anchor === undefined) return budget;
  return Math.max(MIN_FIRST_TOKEN_BUDGET_MS, budget - (d.clock.now() - anchor));
}
