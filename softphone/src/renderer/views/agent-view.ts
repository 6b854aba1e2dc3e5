/** The live agent panel: agent state, transcript as it happens, per-turn latency. */
import type { AgentPanelState } from '../../core/agent-panel.js';
import { h, replaceChildren } from '../dom.js';

export class AgentView {
  readonly root: HTMLElement;
  private readonly state = h('p', { class: 'agent-state', 'aria-live': 'polite' });
  private readonly transcript = h('ol', {
    class: 'transcript',
    'aria-label': 'Transcript',
    'aria-live': 'polite',
  });
  private readonly turns = h('table', { class: 'turns', 'aria-label': 'Turn latency' });

  constructor() {
    this.root = h(
      'section',
      { class: 'panel agent', 'aria-labelledby': 'agent-h', hidden: true },
      h('h2', { id: 'agent-h', text: 'Agent' }),
      this.state,
      this.transcript,
      this.turns,
    );
  }

  render(panel: AgentPanelState | undefined): void {
    this.root.hidden = !panel || panel.status === 'unavailable';
    if (!panel) return;
    this.state.textContent = `${panel.status === 'ended' ? 'Call ended' : 'Agent is'} ${panel.agentState ?? 'connecting'}`;
    this.state.dataset.state = panel.agentState ?? 'connecting';
    replaceChildren(
      this.transcript,
      ...panel.transcript.map((l) =>
        h(
          'li',
          { class: `line ${l.role}${l.final ? '' : ' interim'}` },
          h('strong', { text: l.role === 'user' ? 'You: ' : 'Agent: ' }),
          l.text,
        ),
      ),
    );
    const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)} ms`);
    replaceChildren(
      this.turns,
      h(
        'tr',
        {},
        ...['Turn', 'Voice-to-voice', 'STT', 'LLM first token', 'TTS first byte'].map((t) =>
          h('th', { scope: 'col', text: t }),
        ),
      ),
      ...panel.turns.map((t) =>
        h(
          'tr',
          {},
          h('td', { text: String(t.index + 1) }),
          h('td', { text: ms(t.voiceToVoiceMs) }),
          h('td', { text: ms(t.sttDelayMs) }),
          h('td', { text: ms(t.llmTtftMs) }),
          h('td', { text: ms(t.ttsTtfbMs) }),
        ),
      ),
    );
  }
}
