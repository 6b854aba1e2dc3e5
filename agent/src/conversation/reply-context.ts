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
    onLlmFirstToken: (ms) => (turn.builder.llmTtftMs ??= ms),
    onToolResult: (call, result, action) => {
      // A transfer that went through ends the call's business even if the turn is cut short now.
      if (action === 'transferred') d.onTransferred();
      turn.builder.toolCalls.push({ name: call.name, arguments: call.arguments, result });
      d.observer.live(d.callId, { type: 'tool', name: call.name, arguments: call.arguments, result });
    },
  };
}
