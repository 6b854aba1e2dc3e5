/** One card per call: ring/answer/decline, mute, hold, hang up, transfer, call quality. */
import type { CallSnapshot } from '../../core/types.js';
import { formatDuration, h, replaceChildren } from '../dom.js';

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

function quality(c: CallSnapshot): HTMLElement | undefined {
  const q = c.quality;
  if (!q) return undefined;
  const parts = [
    q.codec ? `codec ${q.codec}` : '',
    q.jitterMs !== undefined ? `jitter ${q.jitterMs} ms` : '',
    q.packetLossPct !== undefined ? `loss ${q.packetLossPct} %` : '',
    q.rttMs !== undefined ? `RTT ${q.rttMs} ms` : '',
  ].filter(Boolean);
  return h('p', { class: 'quality', 'aria-label': 'Call quality', text: parts.join(' · ') });
}

function transferForm(c: CallSnapshot, others: CallSnapshot[], a: CallActions): HTMLElement {
  const input = h('input', { id: `xfer-${c.id}`, placeholder: 'Transfer to…' });
  const mode = h(
    'select',
    { 'aria-label': 'Transfer mode' },
    h('option', { value: '', text: 'Blind' }),
    ...others
      .filter((o) => o.state === 'active' || o.state === 'held')
      .map((o) => h('option', { value: o.id, text: `Attended to ${o.remoteName ?? o.remoteUri}` })),
  );
  const form = h(
    'form',
    { class: 'transfer', 'aria-label': 'Transfer' },
    h('label', { for: `xfer-${c.id}`, text: 'Transfer' }),
    input,
    mode,
    h('button', { type: 'submit', text: 'Transfer' }),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    a.transfer(c.id, input.value, mode.value || undefined);
  });
  return form;
}

function card(c: CallSnapshot, all: CallSnapshot[], a: CallActions, now: number): HTMLElement {
  const who = c.remoteName ? `${c.remoteName} (${c.remoteUri})` : c.remoteUri;
  const btn = (text: string, label: string, fn: () => void, cls = '') =>
    h('button', { type: 'button', class: cls, text, 'aria-label': `${label} ${who}`, onclick: fn });
  const controls: HTMLElement[] = [];
  if (c.state === 'ringing') {
    controls.push(
      btn('Answer', 'Answer', () => a.answer(c.id), 'answer'),
      btn('Decline', 'Decline', () => a.decline(c.id, 486), 'decline'),
      btn('Reject', 'Reject (603)', () => a.decline(c.id, 603)),
    );
  } else {
    if (c.state === 'active' || c.state === 'held') {
      controls.push(
        btn(c.muted ? 'Unmute' : 'Mute', c.muted ? 'Unmute' : 'Mute', () => a.mute(c.id, !c.muted)),
      );
      controls.push(
        c.state === 'held'
          ? btn('Resume', 'Resume', () => a.resume(c.id))
          : btn('Hold', 'Hold', () => a.hold(c.id)),
      );
    }
    controls.push(btn('Hang up', 'Hang up', () => a.hangup(c.id), 'hangup'));
  }
  const timer = c.answeredAt !== undefined ? formatDuration(now - c.answeredAt) : '';
  return h(
    'li',
    {
      class: `call state-${c.state}`,
      'data-call-id': c.id,
      role: c.state === 'ringing' ? 'alert' : undefined,
    },
    h('p', { class: 'who', text: who }),
    h('p', { class: 'status', text: `${STATE_TEXT[c.state]}${c.waiting ? ' (call waiting)' : ''} ${timer}` }),
    h('div', { class: 'row' }, ...controls),
    quality(c),
    (c.state === 'active' || c.state === 'held') &&
      transferForm(
        c,
        all.filter((o) => o.id !== c.id),
        a,
      ),
  );
}

export class CallsView {
  readonly root: HTMLElement;
  private readonly list = h('ul', { class: 'calls', 'aria-label': 'Calls' });

  constructor(private readonly actions: CallActions) {
    this.root = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'calls-h' },
      h('h2', { id: 'calls-h', text: 'Calls' }),
      this.list,
    );
  }

  render(calls: CallSnapshot[], now: number): void {
    replaceChildren(
      this.list,
      ...(calls.length
        ? calls.map((c) => card(c, calls, this.actions, now))
        : [h('li', { class: 'empty', text: 'No calls' })]),
    );
  }
}
