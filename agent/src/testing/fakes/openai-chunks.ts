/** chat.completion.chunk payloads the way OpenAI streams them (research §3.2). Pure. */

export interface FakeToolCall {
  name: string;
  /** An object (serialised for you) or the raw JSON string the model would produce. */
  arguments: unknown;
  id?: string;
}

export interface ChunkPlanInput {
  id: string;
  model: string;
  text?: string;
  toolCalls?: FakeToolCall[];
  includeUsage: boolean;
  promptTokens: number;
}

/** Words with their trailing space, the way token deltas look. */
export function textPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function argumentPieces(args: string, size = 8): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += size) out.push(args.slice(i, i + size));
  return out;
}

export function argumentsJson(call: FakeToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
}

/** Every chunk object of one streamed reply, in order (without the final [DONE]). */
export function planChunks(p: ChunkPlanInput): Record<string, unknown>[] {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): Record<string, unknown> => ({
    id: p.id,
    object: 'chat.completion.chunk',
    created,
    model: p.model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const out: Record<string, unknown>[] = [];
  const pieces = textPieces(p.text ?? '');
  const calls = p.toolCalls ?? [];
  out.push(chunk({ role: 'assistant', content: pieces.length ? '' : null, refusal: null }));
  for (const piece of pieces) out.push(chunk({ content: piece }));
  calls.forEach((call, index) => {
    const id = call.id ?? `call_fake_${index}_${Math.random().toString(36).slice(2, 10)}`;
    out.push(
      chunk({ tool_calls: [{ index, id, type: 'function', function: { name: call.name, arguments: '' } }] }),
    );
    for (const frag of argumentPieces(argumentsJson(call))) {
      out.push(chunk({ tool_calls: [{ index, function: { arguments: frag } }] }));
    }
  });
  out.push(chunk({}, calls.length ? 'tool_calls' : 'stop'));
  if (p.includeUsage) {
    const completion = pieces.length + calls.length * 10;
    out.push({
      id: p.id,
      object: 'chat.completion.chunk',
      created,
      model: p.model,
      choices: [],
      usage: {
        prompt_tokens: p.promptTokens,
        completion_tokens: completion,
        total_tokens: p.promptTokens + completion,
      },
    });
  }
  return out;
}

/** The non-streaming chat.completion for the same reply. */
export function completionObject(p: ChunkPlanInput): Record<string, unknown> {
  const calls = (p.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_fake_${i}`,
    type: 'function',
    function: { name: c.name, arguments: argumentsJson(c) },
  }));
  return {
    id: p.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: p.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: p.text ?? null,
          refusal: null,
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        logprobs: null,
        finish_reason: calls.length ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: p.promptTokens, completion_tokens: 10, total_tokens: p.promptTokens + 10 },
  };
}
