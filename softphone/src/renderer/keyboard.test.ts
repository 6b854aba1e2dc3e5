import { describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../core/types.js';
import { keyAction, type KeyTarget } from './keyboard.js';

const call = (id: string, state: CallSnapshot['state']): CallSnapshot => ({
  id,
  accountId: 'a',
  sipCallId: `${id}@x`,
  direction: 'incoming',
  state,
  remoteUri: `sip:${id}@x`,
  muted: false,
  waiting: false,
  startedAt: 0,
});
const body: KeyTarget = { typing: false, inDialog: false, onControl: false, callId: undefined };

describe('keyboard shortcuts', () => {
  const calls = [call('held', 'held'), call('active', 'active'), call('ringing', 'ringing')];

  it('do nothing while typing in a field or inside a dialog, Escape included', () => {
    for (const at of [
      { ...body, typing: true },
      { ...body, inDialog: true },
    ])
      for (const key of ['Escape', 'Enter', '5', 'Backspace'])
        expect(keyAction({ key }, at, calls)).toBeUndefined();
  });

  it('Escape ends the call whose card has focus, else the ringing one, else the active one', () => {
    expect(keyAction({ key: 'Escape' }, { ...body, onControl: true, callId: 'held' }, calls)).toEqual({
      type: 'hangup',
      callId: 'held',
    });
    expect(keyAction({ key: 'Escape' }, body, calls)).toEqual({ type: 'hangup', callId: 'ringing' });
    expect(keyAction({ key: 'Escape' }, body, calls.slice(0, 2))).toEqual({
      type: 'hangup',
      callId: 'active',
    });
    expect(keyAction({ key: 'Escape' }, body, [])).toBeUndefined();
  });

  it('Enter answers a ringing call unless a button has focus; digits and Backspace go to the dial pad', () => {
    expect(keyAction({ key: 'Enter' }, body, calls)).toEqual({ type: 'answer', callId: 'ringing' });
    expect(keyAction({ key: 'Enter' }, { ...body, onControl: true }, calls)).toBeUndefined();
    expect(keyAction({ key: '#' }, body, [])).toEqual({ type: 'digit', digit: '#' });
    expect(keyAction({ key: 'Backspace' }, body, [])).toEqual({ type: 'backspace' });
    expect(keyAction({ key: '5', ctrlKey: true }, body, [])).toBeUndefined();
    expect(keyAction({ key: 'a' }, body, [])).toBeUndefined();
  });
});
