/**
 * One card per call, keyed by call id: a card's elements live as long as its call, so a focused Hold
 * button or a half-typed transfer target survive every refresh (timer ticks, quality updates). Mute
 * and Hold are one button each whose label changes, so focus stays on them after pressing.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { ifDefined } from 'lit-html/directives/if-defined.js';
import { repeat } from 'lit-html/directives/repeat.js';
import type { CallSnapshot } from '../../core/types.js';
import { formatDuration } from '../dom.js';
import { icon } from './icons.js';

export interface CallActions {
  answer(id: string): void;
  decline(id: string, code: 486 | 603): void;
  hangup(id: string): void;
  mute(id: string, muted: boolean): void;
  hold(id: string): void;
  resume(id: string): void;
  transfer(id: string, target: string, attendedWith: string | undefined): void;
}

const STATE_TEXT: Record<CallSnapshot['state'], string> = {
  dialing: 'Calling…',
  ringing: 'Incoming call',
  active: 'Connected',
  held: 'On hold',
  ended: 'Ended',
};

export function callTitle(c: CallSnapshot): string {
  return c.remoteName || userOf(c.remoteUri);
}

function userOf(uri: string): string {
  return /^sips?:([^@;]+)@/.exec(uri)?.[1] ?? uri;
}

function initials(name: string): string {
  const words = name
    .replace(/[^\p{L}\p{N} ]/gu, ' ')
    .trim()
    .split(/\s+/);
  const text = words.length > 1 ? words[0]![0]! + words[1]![0]! : (words[0] ?? '').slice(0, 2);
  return text.toUpperCase() || '?';
}

function quality(c: CallSnapshot): TemplateResult | typeof nothing {
  const q = c.quality;
  if (!q) return nothing;
  const parts = [
    q.codec ?? '',
    q.jitterMs !== undefined ? `jitter ${q.jitterMs} ms` : '',
    q.packetLossPct !== undefined ? `loss ${q.packetLossPct} %` : '',
    q.rttMs !== undefined ? `RTT ${q.rttMs} ms` : '',
  ].filter(Boolean);
  return html`<p class="quality">Call quality: ${parts.join(' · ')}</p>`;
}

function transferForm(c: CallSnapshot, others: CallSnapshot[], a: CallActions): TemplateResult {
  const consult = others.filter((o) => o.state === 'active' || o.state === 'held');
  const submit = (ev: Event) => {
    ev.preventDefault();
    const form = ev.currentTarget as HTMLFormElement;
    const target = (form.elements.namedItem('target') as HTMLInputElement).value;
    const mode = (form.elements.namedItem('mode') as HTMLSelectElement).value;
    a.transfer(c.id, target, mode || undefined);
  };
  return html`<details class="more transfer">
    <summary>Transfer</summary>
    <form class="transfer-form" aria-label="Transfer" @submit=${submit}>
      <div class="field">
        <label for="xfer-${c.id}">Transfer to</label>
        <input id="xfer-${c.id}" name="target" autocomplete="off" placeholder="Number or sip:user@host" />
      </div>
      <div class="field">
        <label for="xfer-mode-${c.id}">Mode</label>
        <select id="xfer-mode-${c.id}" name="mode">
          <option value="">Blind</option>
          ${consult.map((o) => html`<option value=${o.id}>Attended, to ${callTitle(o)}</option>`)}
        </select>
      </div>
      <button class="btn" type="submit">${icon('transfer')} Transfer</button>
    </form>
  </details>`;
}

function controls(c: CallSnapshot, who: string, a: CallActions): TemplateResult {
  if (c.state === 'ringing')
    return html`<div class="controls">
      <button class="btn success" type="button" aria-label="Answer ${who}" @click=${() => a.answer(c.id)}>
        ${icon('phone')} Answer
      </button>
      <button
        class="btn danger"
        type="button"
        aria-label="Decline ${who}"
        @click=${() => a.decline(c.id, 486)}
      >
        ${icon('hangup')} Decline
      </button>
      <button
        class="btn ghost small"
        type="button"
        aria-label="Reject (603) ${who}"
        @click=${() => a.decline(c.id, 603)}
      >
        Reject
      </button>
    </div>`;
  const established = c.state === 'active' || c.state === 'held';
  return html`<div class="controls">
    ${
      established
        ? html`<button
              class="btn"
              type="button"
              aria-label="${c.muted ? 'Unmute' : 'Mute'} ${who}"
              @click=${() => a.mute(c.id, !c.muted)}
            >
              ${icon(c.muted ? 'micOff' : 'mic')} ${c.muted ? 'Unmute' : 'Mute'}
            </button>
            <button
              class="btn"
              type="button"
              aria-label="${c.state === 'held' ? 'Resume' : 'Hold'} ${who}"
              @click=${() => (c.state === 'held' ? a.resume(c.id) : a.hold(c.id))}
            >
              ${icon(c.state === 'held' ? 'play' : 'pause')} ${c.state === 'held' ? 'Resume' : 'Hold'}
            </button>`
        : nothing
    }
    <button class="btn danger" type="button" aria-label="Hang up ${who}" @click=${() => a.hangup(c.id)}>
      ${icon('hangup')} Hang up
    </button>
  </div>`;
}

function card(
  c: CallSnapshot,
  line: number,
  all: CallSnapshot[],
  a: CallActions,
  now: number,
): TemplateResult {
  const title = callTitle(c);
  const who = c.remoteName ? `${c.remoteName} (${c.remoteUri})` : c.remoteUri;
  const timer = c.answeredAt !== undefined ? ` ${formatDuration(now - c.answeredAt)}` : '';
  const established = c.state === 'active' || c.state === 'held';
  return html`<li class="call-card state-${c.state}" data-call-id=${c.id} aria-label="Line ${line}: ${title}">
    <div class="call-head" role=${ifDefined(c.state === 'ringing' ? 'alert' : undefined)}>
      <div class="avatar" aria-hidden="true">${initials(title)}</div>
      <div class="call-id">
        <p class="who">${title}</p>
        <p class="uri">${c.remoteUri}</p>
      </div>
      <span class="line-badge">Line ${line}</span>
    </div>
    <p class="status">${STATE_TEXT[c.state]}${c.waiting ? ' (call waiting)' : ''}${timer}</p>
    ${controls(c, who, a)}
    ${
      established
        ? transferForm(
            c,
            all.filter((o) => o.id !== c.id),
            a,
          )
        : nothing
    }
    ${quality(c)}
  </li>`;
}

/** Line numbers follow the order calls were made or came in. */
export function lineOf(calls: CallSnapshot[], id: string): number {
  return calls.findIndex((c) => c.id === id) + 1;
}

export function callsView(calls: CallSnapshot[], a: CallActions, now: number): TemplateResult {
  return html`<section aria-labelledby="calls-h" class="calls-section" ?hidden=${calls.length === 0}>
    <h2 id="calls-h" class="sr-only">Calls</h2>
    <ul class="calls" aria-label="Calls">
      ${repeat(
        calls,
        (c) => c.id,
        (c, i) => card(c, i + 1, calls, a, now),
      )}
    </ul>
  </section>`;
}
