/**
 * Keyboard shortcuts that respect focus: nothing happens while the user types in a field or works in
 * a dialog (Escape there belongs to the field or closes the dialog, it never hangs up). Elsewhere:
 * digits, * and # go to the dial pad (DTMF during a call), Backspace deletes, Enter answers a ringing
 * call unless a button has focus, Escape ends the call whose card has focus, else the ringing one,
 * else the active one.
 */
import type { CallSnapshot } from '../core/types.js';

export type KeyAction =
  | { type: 'digit'; digit: string }
  | { type: 'backspace' }
  | { type: 'answer'; callId: string }
  | { type: 'hangup'; callId: string };

/** Where the key was pressed, as far as shortcuts care. */
export interface KeyTarget {
  typing: boolean;
  inDialog: boolean;
  /** A button, link or summary has focus: Enter activates it. */
  onControl: boolean;
  /** The call whose card holds the focus. */
  callId: string | undefined;
}

export function describeTarget(el: EventTarget | null): KeyTarget {
  const e = el instanceof Element ? el : undefined;
  const tag = e?.tagName ?? '';
  return {
    typing:
      tag === 'INPUT' ||
      tag === 'SELECT' ||
      tag === 'TEXTAREA' ||
      (e instanceof HTMLElement && e.isContentEditable),
    inDialog: !!e?.closest('dialog'),
    onControl: tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY',
    callId: (e?.closest('[data-call-id]') as HTMLElement | null)?.dataset.callId,
  };
}

export function keyAction(
  ev: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean },
  at: KeyTarget,
  calls: CallSnapshot[],
): KeyAction | undefined {
  if (at.typing || at.inDialog || ev.ctrlKey || ev.metaKey || ev.altKey) return undefined;
  const ringing = calls.find((c) => c.state === 'ringing');
  switch (ev.key) {
    case 'Escape': {
      const focused = at.callId && calls.find((c) => c.id === at.callId);
      const c = focused || ringing || calls.find((x) => x.state === 'active');
      return c ? { type: 'hangup', callId: c.id } : undefined;
    }
    case 'Enter':
      return ringing && !at.onControl ? { type: 'answer', callId: ringing.id } : undefined;
    case 'Backspace':
      return { type: 'backspace' };
    default:
      return /^[0-9*#]$/.test(ev.key) ? { type: 'digit', digit: ev.key } : undefined;
  }
}
