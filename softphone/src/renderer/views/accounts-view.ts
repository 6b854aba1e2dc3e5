/** Accounts with their registration state, and a form to add one. */
import type { AccountConfig, DtmfMode, RegistrationStatus } from '../../core/types.js';
import { h, replaceChildren } from '../dom.js';

export interface AccountsViewActions {
  add(account: AccountConfig): void;
  remove(id: string): void;
  reconnect(): void;
}

const STATE_TEXT: Record<RegistrationStatus['state'], string> = {
  idle: 'Idle',
  connecting: 'Connecting…',
  registering: 'Registering…',
  registered: 'Registered',
  retrying: 'Offline, retrying',
  unregistering: 'Signing out…',
  stopped: 'Stopped',
};

function field(label: string, name: string, attrs: Record<string, string | boolean> = {}): HTMLElement {
  const id = `acct-${name}`;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id, text: label }),
    h('input', { id, name, ...attrs }),
  );
}

export function accountForm(
  defaults: Partial<AccountConfig>,
  onAdd: (a: AccountConfig) => void,
): HTMLElement {
  const form = h(
    'form',
    { class: 'account-form', 'aria-label': 'Add account' },
    field('WebSocket URL', 'wsUrl', {
      required: true,
      placeholder: 'wss://pbx.example.com:8089/ws',
      value: defaults.wsUrl ?? '',
    }),
    field('SIP address', 'sipUri', { required: true, placeholder: 'sip:100@pbx.example.com' }),
    field('Auth user (optional)', 'authUser'),
    field('Password', 'password', { type: 'password', autocomplete: 'current-password' }),
    field('Display name', 'displayName'),
    field('STUN/TURN URLs (comma separated)', 'ice', { placeholder: 'stun:stun.example.com:3478' }),
    field('Agent API URL (optional)', 'agentApiUrl', { value: defaults.agentApiUrl ?? '' }),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'acct-dtmf', text: 'DTMF' }),
      h(
        'select',
        { id: 'acct-dtmf', name: 'dtmf' },
        h('option', { value: 'rfc4733', text: 'RFC 4733 (RTP)' }),
        h('option', { value: 'info', text: 'SIP INFO' }),
      ),
    ),
    h('button', { type: 'submit', text: 'Add account' }),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = new FormData(form);
    const get = (k: string) => String(d.get(k) ?? '').trim();
    const ice = get('ice');
    const account: AccountConfig = {
      id: `acct-${Date.now().toString(36)}`,
      wsUrl: get('wsUrl'),
      sipUri: get('sipUri').startsWith('sip') ? get('sipUri') : `sip:${get('sipUri')}`,
      iceServers: ice ? ice.split(',').map((u) => ({ urls: u.trim() })) : [],
      dtmfMode: get('dtmf') as DtmfMode,
    };
    for (const k of ['authUser', 'password', 'displayName', 'agentApiUrl'] as const)
      if (get(k)) account[k] = get(k);
    onAdd(account);
    form.reset();
  });
  return form;
}

export class AccountsView {
  readonly root: HTMLElement;
  private readonly list = h('ul', { class: 'accounts', 'aria-live': 'polite', 'aria-label': 'Accounts' });

  constructor(
    defaults: Partial<AccountConfig>,
    private readonly actions: AccountsViewActions,
  ) {
    this.root = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'accounts-h' },
      h('h2', { id: 'accounts-h', text: 'Accounts' }),
      this.list,
      h('button', { type: 'button', text: 'Reconnect all', onclick: () => actions.reconnect() }),
      h(
        'details',
        {},
        h('summary', { text: 'Add account' }),
        accountForm(defaults, (a) => actions.add(a)),
      ),
    );
  }

  render(accounts: AccountConfig[], statuses: RegistrationStatus[]): void {
    replaceChildren(
      this.list,
      ...accounts.map((a) => {
        const st = statuses.find((s) => s.accountId === a.id);
        const state = st?.state ?? 'idle';
        return h(
          'li',
          { class: `account state-${state}` },
          h('span', {
            class: 'account-name',
            text: a.displayName ? `${a.displayName} <${a.sipUri}>` : a.sipUri,
          }),
          h('span', { class: 'badge', text: STATE_TEXT[state] + (st?.error ? ` (${st.error})` : '') }),
          h('button', {
            type: 'button',
            'aria-label': `Remove account ${a.sipUri}`,
            text: 'Remove',
            onclick: () => this.actions.remove(a.id),
          }),
        );
      }),
    );
  }
}
