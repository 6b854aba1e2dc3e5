/** Recent calls, newest first, with call back. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { repeat } from 'lit-html/directives/repeat.js';
import type { HistoryEntry } from '../../core/types.js';
import { formatDuration } from '../dom.js';
import { icon } from './icons.js';

const RESULT: Record<HistoryEntry['result'], string> = {
  completed: 'Answered',
  missed: 'Missed',
  declined: 'Declined',
  cancelled: 'Cancelled',
  busy: 'Busy',
  failed: 'Failed',
  transferred: 'Transferred',
  rejected: 'Rejected',
};

function when(ms: number): string {
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

export function historyView(
  entries: HistoryEntry[],
  redial: (e: HistoryEntry) => void,
  clear: () => void,
): TemplateResult {
  return html`<section class="card" aria-labelledby="history-h">
    <div class="card-head">
      <h2 id="history-h">Recent calls</h2>
      ${
        entries.length
          ? html`<button class="btn ghost small" type="button" @click=${clear}>Clear history</button>`
          : nothing
      }
    </div>
    ${entries.length === 0 ? html`<p class="muted">No calls yet.</p>` : nothing}
    <ol class="history" aria-label="Call history">
      ${repeat(
        entries.slice(0, 50),
        (e) => e.id,
        (e) =>
          html`<li class="history-${e.result}">
            <span class="h-dir"
              >${icon(e.direction === 'incoming' ? 'incoming' : 'outgoing')}<span class="sr-only"
                >${e.direction === 'incoming' ? 'Incoming' : 'Outgoing'}</span
              ></span
            >
            <div class="h-main">
              <p class="h-name">${e.remoteName ?? e.remoteUri}</p>
              <p class="h-meta">
                ${when(e.startedAt)} ·
                ${RESULT[e.result] ?? e.result}${e.durationMs ? ` · ${formatDuration(e.durationMs)}` : ''}
              </p>
            </div>
            <button
              class="icon-btn"
              type="button"
              aria-label="Call back ${e.remoteUri}"
              @click=${() => redial(e)}
            >
              ${icon('phone')}
            </button>
          </li>`,
      )}
    </ol>
  </section>`;
}
