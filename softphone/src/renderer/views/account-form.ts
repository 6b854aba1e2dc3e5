/**
 * Add or edit an account. User name and password up front; server, agent and network settings folded
 * away (pre-filled from the agent's /phone/config.json on first run). Inputs are uncontrolled: the
 * form is rendered once per editing session (keyed by the caller) and read on submit, so refreshes
 * never touch what the user is typing.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import type { AccountFields, FieldName } from '../account-fields.js';

export interface AccountFormModel {
  /** Prefix of element ids (the form can be on the page and in the settings dialog). */
  idPrefix: string;
  mode: 'first-run' | 'add' | 'edit';
  fields: AccountFields;
  error?: { field: FieldName; message: string } | undefined;
  /** Show server settings open (nothing to pre-fill them with). */
  serverOpen: boolean;
  tokenRequired: boolean;
}

export interface AccountFormActions {
  submit(fields: AccountFields): void;
  cancel?(): void;
}

const FIELD_NAMES: FieldName[] = [
  'user',
  'password',
  'wsUrl',
  'domain',
  'displayName',
  'authUser',
  'agentApiUrl',
  'agentApiToken',
  'ice',
  'turnUser',
  'turnPassword',
  'dtmf',
];

export function accountForm(m: AccountFormModel, a: AccountFormActions): TemplateResult {
  const id = (f: string) => `${m.idPrefix}-${f}`;
  const err = (f: FieldName) => (m.error?.field === f ? m.error.message : '');
  const input = (
    f: FieldName,
    label: string,
    attrs: { type?: string; placeholder?: string; autocomplete?: string; hint?: string } = {},
  ) =>
    html`<div class="field">
      <label for=${id(f)}>${label}</label>
      <input
        id=${id(f)}
        name=${f}
        type=${attrs.type ?? 'text'}
        autocomplete=${attrs.autocomplete ?? 'off'}
        placeholder=${attrs.placeholder ?? ''}
        .value=${m.fields[f]}
        aria-invalid=${err(f) ? 'true' : 'false'}
        aria-describedby=${err(f) ? id('error') : nothing}
      />
      ${attrs.hint ? html`<span class="hint">${attrs.hint}</span>` : nothing}
    </div>`;
  const submit = (ev: Event) => {
    ev.preventDefault();
    const data = new FormData(ev.currentTarget as HTMLFormElement);
    const fields = Object.fromEntries(
      FIELD_NAMES.map((f) => [f, String(data.get(f) ?? '')]),
    ) as unknown as AccountFields;
    a.submit(fields);
  };
  const serverError = ['wsUrl', 'domain', 'authUser', 'displayName'].includes(m.error?.field ?? '');
  const agentError = ['agentApiUrl', 'agentApiToken'].includes(m.error?.field ?? '');
  const netError = ['ice', 'turnUser', 'turnPassword'].includes(m.error?.field ?? '');
  const label = m.mode === 'edit' ? 'Save account' : m.mode === 'add' ? 'Add account' : 'Sign in';
  return html`<form
    class="account-form"
    aria-label=${m.mode === 'edit' ? 'Edit account' : 'Add account'}
    novalidate
    @submit=${submit}
  >
    <div class="grid-2">
      ${input('user', 'User name', { placeholder: 'alice or 100', autocomplete: 'username' })}
      ${input('password', 'Password', { type: 'password', autocomplete: 'current-password' })}
    </div>
    <details class="more" ?open=${m.serverOpen || serverError}>
      <summary>Server</summary>
      <div class="fields">
        ${input('wsUrl', 'WebSocket URL', { placeholder: 'wss://pbx.example.com:8089/ws' })}
        <div class="grid-2">
          ${input('domain', 'SIP domain', { placeholder: 'pbx.example.com', hint: 'Defaults to the server' })}
          ${input('authUser', 'Auth user', { hint: 'Only if it differs from the user name' })}
        </div>
        ${input('displayName', 'Display name', { placeholder: 'Alice Smith' })}
      </div>
    </details>
    <details class="more" ?open=${m.tokenRequired || agentError}>
      <summary>Switchboard agent</summary>
      <div class="fields">
        ${input('agentApiUrl', 'Agent API URL', {
          placeholder: 'https://agent.example.com',
          hint: 'Shows the live agent view on calls to this agent',
        })}
        ${input('agentApiToken', 'Agent API token', {
          type: 'password',
          hint: m.tokenRequired
            ? 'This agent needs its API token (SWITCHBOARD_API_TOKEN)'
            : 'Only if the agent has one',
        })}
      </div>
    </details>
    <details class="more" ?open=${netError}>
      <summary>Network and DTMF</summary>
      <div class="fields">
        ${input('ice', 'STUN/TURN URLs', { placeholder: 'stun:stun.example.com:3478, turn:turn.example.com:3478' })}
        <div class="grid-2">
          ${input('turnUser', 'TURN user name')}
          ${input('turnPassword', 'TURN password', { type: 'password' })}
        </div>
        <div class="field">
          <label for=${id('dtmf')}>DTMF</label>
          <select id=${id('dtmf')} name="dtmf" .value=${m.fields.dtmf}>
            <option value="rfc4733">RFC 4733 (in the audio)</option>
            <option value="info">SIP INFO</option>
          </select>
        </div>
      </div>
    </details>
    <p id=${id('error')} class="error" role="alert">${m.error?.message ?? ''}</p>
    <div class="row">
      <button class="btn primary" type="submit">${label}</button>
      ${a.cancel ? html`<button class="btn" type="button" @click=${a.cancel}>Cancel</button>` : nothing}
    </div>
  </form>`;
}
