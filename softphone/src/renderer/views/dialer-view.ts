/** Account picker, number field and a 12-key dial pad; keys send DTMF instead while a call is up. */
import type { AccountConfig } from '../../core/types.js';
import { h, replaceChildren } from '../dom.js';

const KEYS: [string, string][] = [
  ['1', ''],
  ['2', 'ABC'],
  ['3', 'DEF'],
  ['4', 'GHI'],
  ['5', 'JKL'],
  ['6', 'MNO'],
  ['7', 'PQRS'],
  ['8', 'TUV'],
  ['9', 'WXYZ'],
  ['*', ''],
  ['0', '+'],
  ['#', ''],
];

export interface DialerActions {
  dial(accountId: string, target: string): void;
  /** A key pressed; returns true when it went to a call as DTMF. */
  key(digit: string): boolean;
}

export class DialerView {
  readonly root: HTMLElement;
  readonly input = h('input', {
    id: 'dial-input',
    name: 'target',
    autocomplete: 'off',
    placeholder: 'Number or sip:user@host',
    'aria-describedby': 'dial-error',
  });
  private readonly account = h('select', { id: 'dial-account', 'aria-label': 'Call from account' });
  readonly error = h('p', { id: 'dial-error', class: 'error', role: 'status' });

  constructor(private readonly actions: DialerActions) {
    const pad = h('div', { class: 'dialpad', role: 'group', 'aria-label': 'Dial pad' });
    for (const [digit, letters] of KEYS) {
      pad.append(
        h(
          'button',
          {
            type: 'button',
            class: 'key',
            'data-digit': digit,
            'aria-label': `Digit ${digit === '*' ? 'star' : digit === '#' ? 'pound' : digit}`,
            onclick: () => this.press(digit),
          },
          h('span', { class: 'digit', text: digit }),
          h('span', { class: 'letters', text: letters }),
        ),
      );
    }
    const form = h(
      'form',
      { class: 'dialer', 'aria-label': 'Dialer' },
      h('label', { for: 'dial-account', text: 'From' }),
      this.account,
      h('label', { for: 'dial-input', text: 'Number or SIP address' }),
      this.input,
      pad,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'call', text: 'Call', 'aria-label': 'Call' }),
        h('button', {
          type: 'button',
          text: 'Delete',
          'aria-label': 'Delete last digit',
          onclick: () => (this.input.value = this.input.value.slice(0, -1)),
        }),
      ),
      this.error,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.error.textContent = '';
      if (this.input.value.trim()) this.actions.dial(this.account.value, this.input.value);
    });
    this.root = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'dialer-h' },
      h('h2', { id: 'dialer-h', text: 'Dial' }),
      form,
    );
  }

  press(digit: string): void {
    if (!this.actions.key(digit)) this.input.value += digit;
  }

  setAccounts(accounts: AccountConfig[]): void {
    const current = this.account.value;
    replaceChildren(
      this.account,
      ...accounts.map((a) => h('option', { value: a.id, text: a.displayName || a.sipUri })),
    );
    if (accounts.some((a) => a.id === current)) this.account.value = current;
  }
}
