/** Call history, newest first, with redial. */
import type { HistoryEntry } from '../../core/types.js';
import { formatDuration, h, replaceChildren } from '../dom.js';

export class HistoryView {
  readonly root: HTMLElement;
  private readonly list = h('ol', { class: 'history', 'aria-label': 'Call history' });

  constructor(
    private readonly redial: (entry: HistoryEntry) => void,
    clear: () => void,
  ) {
    this.root = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'history-h' },
      h('h2', { id: 'history-h', text: 'History' }),
      this.list,
      h('button', { type: 'button', text: 'Clear history', onclick: clear }),
    );
  }

  render(entries: HistoryEntry[]): void {
    replaceChildren(
      this.list,
      ...entries.slice(0, 50).map((e) =>
        h(
          'li',
          { class: `history-${e.result}` },
          h('span', { text: `${e.direction === 'incoming' ? '↙' : '↗'} ${e.remoteName ?? e.remoteUri}` }),
          h('span', {
            class: 'meta',
            text: ` ${new Date(e.startedAt).toLocaleString()} · ${e.result} · ${formatDuration(e.durationMs)} `,
          }),
          h('button', {
            type: 'button',
            text: 'Call',
            'aria-label': `Call back ${e.remoteUri}`,
            onclick: () => this.redial(e),
          }),
        ),
      ),
    );
  }
}
