import { describe, expect, it } from 'vitest';
import { ToolCallAssembler, toOpenAiMessages } from './openai-messages.js';

describe('ToolCallAssembler', () => {
  it('joins fragments keyed by index; only the first carries id and name (OpenAI stream fixture)', () => {
    const a = new ToolCallAssembler();
    a.add([{ index: 0, id: 'call_1', type: 'function', function: { name: 'transfer_call', arguments: '' } }]);
    a.add([{ index: 0, function: { arguments: '{"ext":' } }]);
    a.add([{ index: 1, id: 'call_2', type: 'function', function: { name: 'end_call', arguments: '{}' } }]);
    a.add([{ index: 0, function: { arguments: '"1001"}' } }]);
    expect(a.result()).toEqual([
      { id: 'call_1', name: 'transfer_call', arguments: '{"ext":"1001"}' },
      { id: 'call_2', name: 'end_call', arguments: '{}' },
    ]);
  });
});

describe('toOpenAiMessages', () => {
  it('keeps assistant text next to tool calls and plain assistant turns without tool_calls', () => {
    expect(
      toOpenAiMessages([
        { role: 'assistant', content: 'One moment.', toolCalls: [{ id: 'c', name: 'n', arguments: '{}' }] },
        { role: 'assistant', content: 'Hello', toolCalls: [] },
      ]),
    ).toEqual([
      {
        role: 'assistant',
        content: 'One moment.',
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'n', arguments: '{}' } }],
      },
      { role: 'assistant', content: 'Hello' },
    ]);
  });
});
