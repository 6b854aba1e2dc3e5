/**
 * Pure mapping between our chat shapes and OpenAI Chat Completions (no network here):
 * ChatMessage → message params, ToolSpec → function tools, and streamed tool-call fragments
 * (keyed by `index`; only the first carries id and name — research §3.2) → ToolCall[].
 */
import type {
  ChatCompletionChunk,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ToolCall, ToolSpec } from '../types.js';

export function toOpenAiMessages(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content };
      case 'user':
        return { role: 'user', content: m.content };
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
      case 'assistant': {
        const calls = m.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: m.content };
        return {
          role: 'assistant',
          // OpenAI wants null content on a pure tool-call turn.
          content: m.content === '' ? null : m.content,
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: 'function' as const,
            function: { name: c.name, arguments: c.arguments },
          })),
        };
      }
    }
  });
}

export function toOpenAiTools(tools: readonly ToolSpec[]): ChatCompletionFunctionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

type ToolCallDelta = NonNullable<ChatCompletionChunk.Choice.Delta['tool_calls']>[number];

/** Reassembles streamed tool-call fragments into complete calls, in index order. */
export class ToolCallAssembler {
  private readonly calls = new Map<number, ToolCall>();

  /** Adds fragments; returns the calls that started with them (the fragment carrying id and name). */
  add(deltas: readonly ToolCallDelta[]): { id: string; name: string }[] {
    const started: { id: string; name: string }[] = [];
    for (const d of deltas) {
      let call = this.calls.get(d.index);
      if (!call) {
        call = { id: '', name: '', arguments: '' };
        this.calls.set(d.index, call);
        started.push({ id: d.id ?? '', name: d.function?.name ?? '' });
      }
      if (d.id) call.id = d.id;
      if (d.function?.name) call.name += d.function.name;
      if (d.function?.arguments) call.arguments += d.function.arguments;
    }
    return started;
  }

  get size(): number {
    return this.calls.size;
  }

  result(): ToolCall[] {
    return [...this.calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  }
}
