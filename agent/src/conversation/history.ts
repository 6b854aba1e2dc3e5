/** Per-call chat history: the profile's system prompt first, then turns; assistant messages can be trimmed. */
import type { ChatMessage, ToolCall } from '../providers/types.js';

export class ChatHistory {
  private readonly items: ChatMessage[];
  private changes = 0;

  constructor(systemPrompt: string) {
    this.items = [{ role: 'system', content: systemPrompt }];
  }

  /** What the LLM sees: assistant messages trimmed to nothing (barge-in before a word) are left out. */
  messages(): readonly ChatMessage[] {
    return this.items.filter((m) => !(m.role === 'assistant' && !m.content && !m.toolCalls?.length));
  }

  /** Bumped on every change: a reply prepared on an older history must not be used. */
  get version(): number {
    return this.changes;
  }

  addUser(content: string): void {
    this.items.push({ role: 'user', content });
    this.changes++;
  }

  /** Returns the index, to trim the message later to what the caller heard. */
  addAssistant(content: string, toolCalls?: ToolCall[]): number {
    this.items.push(
      toolCalls && toolCalls.length > 0
        ? { role: 'assistant', content, toolCalls }
        : { role: 'assistant', content },
    );
    this.changes++;
    return this.items.length - 1;
  }

  addTool(toolCallId: string, content: string): void {
    this.items.push({ role: 'tool', toolCallId, content });
    this.changes++;
  }

  /** Replace an assistant message's text (barge-in trim, or a resumed remainder appended). */
  setAssistantText(index: number, content: string): void {
    const m = this.items[index];
    if (m?.role !== 'assistant') throw new RangeError(`history[${index}] is not an assistant message`);
    if (m.content === content) return;
    this.items[index] = { ...m, content };
    this.changes++;
  }

  assistantText(index: number): string {
    const m = this.items[index];
    return m?.role === 'assistant' ? m.content : '';
  }

  get length(): number {
    return this.items.length;
  }
}
