/** Settings, out of the way in a dialog: accounts (add, edit, remove), audio devices and sounds, theme. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { keyed } from 'lit-html/directives/keyed.js';
import { live } from 'lit-html/directives/live.js';
import { ref } from 'lit-html/directives/ref.js';
import type { AccountConfig, RegistrationStatus } from '../../core/types.js';
import { RINGTONES, type Ringtone } from '../sounds.js';
import { accountForm, type AccountFormModel } from './account-form.js';
import type { AccountFields } from '../account-fields.js';
import { icon } from './icons.js';

export const REG_TEXT: Record<RegistrationStatus['state'], string> = {
  idle: 'Idle',
  connecting: 'Connecting…',
  registering: 'Registering…',
  registered: 'Registered',
  retrying: 'Offline, retrying',
  unregistering: 'Signing out…',
  stopped: 'Stopped',
  failed: 'Wrong password',
};

export interface DeviceChoice {
  input: string;
  output: string;
  ringer: string;
}

export type Theme = 'system' | 'light' | 'dark';

export interface SettingsModel {
  open: boolean;
  accounts: AccountConfig[];
  registrations: RegistrationStatus[];
  /** Accounts whose password could not be stored (no OS keyring). */
  notStored: string[];
  /** The account form being shown, keyed by an editing session number. */
  form: (AccountFormModel & { session: number; accountId?: string }) | undefined;
  devices: MediaDeviceInfo[];
  choice: DeviceChoice;
  ringtone: Ringtone;
  theme: Theme;
  notifications: NotificationPermission | 'unsupported';
}

export interface SettingsActions {
  close(): void;
  addAccount(): void;
  editAccount(id: string): void;
  removeAccount(id: string): void;
  submitAccount(fields: AccountFields): void;
  cancelForm(): void;
  reconnect(): void;
  setDevice(kind: keyof DeviceChoice, id: string): void;
  setRingtone(kind: Ringtone): void;
  previewRingtone(): void;
  setTheme(theme: Theme): void;
  allowNotifications(): void;
}

export function registrationText(st: RegistrationStatus | undefined): string {
  const state = st?.state ?? 'idle';
  if (state === 'failed') return 'Wrong password';
  return REG_TEXT[state] + (st?.error && state === 'retrying' ? ` (${st.error})` : '');
}

function accountItem(a: AccountConfig, m: SettingsModel, act: SettingsActions): TemplateResult {
  const st = m.registrations.find((s) => s.accountId === a.id);
  const state = st?.state ?? 'idle';
  return html`<li class="account state-${state}">
    <span class="dot"></span>
    <div class="account-main">
      <p class="account-name">${a.displayName ? `${a.displayName} <${a.sipUri}>` : a.sipUri}</p>
      <p class="badge">${registrationText(st)}</p>
      ${
        state === 'failed'
          ? html`<p class="notice bad">
              The server refused the user name or password. Edit the account to fix it.
            </p>`
          : nothing
      }
      ${
        m.notStored.includes(a.id)
          ? html`<p class="notice">
              Password not saved: this computer has no secure storage (keyring), so you will type it again
              after a restart.
            </p>`
          : nothing
      }
    </div>
    <button
      class="btn small"
      type="button"
      aria-label="Edit account ${a.sipUri}"
      @click=${() => act.editAccount(a.id)}
    >
      Edit
    </button>
    <button
      class="btn small"
      type="button"
      aria-label="Remove account ${a.sipUri}"
      @click=${() => act.removeAccount(a.id)}
    >
      Remove
    </button>
  </li>`;
}

function deviceSelect(
  kind: keyof DeviceChoice,
  label: string,
  type: MediaDeviceKind,
  m: SettingsModel,
  act: SettingsActions,
): TemplateResult {
  const list = m.devices.filter((d) => d.kind === type && d.deviceId !== 'default');
  return html`<div class="field">
    <label for="dev-${kind}">${label}</label>
    <select
      id="dev-${kind}"
      .value=${live(m.choice[kind])}
      @change=${(e: Event) => act.setDevice(kind, (e.target as HTMLSelectElement).value)}
    >
      <option value="">System default</option>
      ${list.map(
        (d, i) =>
          html`<option value=${d.deviceId} ?selected=${d.deviceId === m.choice[kind]}>
            ${d.label || `${type === 'audioinput' ? 'Microphone' : 'Speaker'} ${i + 1}`}
          </option>`,
      )}
    </select>
  </div>`;
}

export function settingsView(m: SettingsModel, act: SettingsActions): TemplateResult {
  const sync = (el: Element | undefined) => {
    const d = el as HTMLDialogElement | undefined;
    if (!d) return;
    if (m.open && !d.open) d.showModal();
    if (!m.open && d.open) d.close();
  };
  return html`<dialog
    class="settings"
    aria-labelledby="settings-h"
    ${ref(sync)}
    @close=${() => m.open && act.close()}
  >
    <div class="dialog-head">
      <h2 id="settings-h">Settings</h2>
      <button class="icon-btn" type="button" aria-label="Close settings" @click=${act.close}>
        ${icon('close')}
      </button>
    </div>
    <div class="dialog-body">
      <section class="settings-section" aria-labelledby="accounts-h">
        <div class="card-head">
          <h2 id="accounts-h">Accounts</h2>
          <button class="btn small" type="button" @click=${act.reconnect}>Reconnect all</button>
        </div>
        <ul class="accounts" aria-label="Accounts">
          ${m.accounts.map((a) => accountItem(a, m, act))}
        </ul>
        ${
          m.form
            ? keyed(
                m.form.session,
                accountForm(m.form, { submit: act.submitAccount, cancel: act.cancelForm }),
              )
            : html`<button class="btn" type="button" @click=${act.addAccount}>Add account</button>`
        }
      </section>
      <section class="settings-section" aria-labelledby="audio-h">
        <h2 id="audio-h">Audio</h2>
        ${deviceSelect('input', 'Microphone', 'audioinput', m, act)}
        <div class="grid-2">
          ${deviceSelect('output', 'Speaker', 'audiooutput', m, act)}
          ${deviceSelect('ringer', 'Ringer', 'audiooutput', m, act)}
        </div>
        <div class="field">
          <label for="ringtone">Ringtone</label>
          <div class="row">
            <select
              id="ringtone"
              .value=${live(m.ringtone)}
              @change=${(e: Event) => act.setRingtone((e.target as HTMLSelectElement).value as Ringtone)}
            >
              ${Object.entries(RINGTONES).map(
                ([k, v]) => html`<option value=${k} ?selected=${k === m.ringtone}>${v}</option>`,
              )}
            </select>
            <button class="btn small" type="button" @click=${act.previewRingtone}>Play</button>
          </div>
          <span class="hint">During a call, a new call plays a short call-waiting beep instead.</span>
        </div>
      </section>
      <section class="settings-section" aria-labelledby="look-h">
        <h2 id="look-h">Appearance and alerts</h2>
        <div class="field">
          <label for="theme">Theme</label>
          <select
            id="theme"
            .value=${live(m.theme)}
            @change=${(e: Event) => act.setTheme((e.target as HTMLSelectElement).value as Theme)}
          >
            <option value="system" ?selected=${m.theme === 'system'}>Same as the system</option>
            <option value="light" ?selected=${m.theme === 'light'}>Light</option>
            <option value="dark" ?selected=${m.theme === 'dark'}>Dark</option>
          </select>
        </div>
        <p class="muted">
          Desktop notifications:
          ${
            m.notifications === 'granted'
              ? 'on'
              : m.notifications === 'denied'
                ? 'blocked in the browser settings'
                : m.notifications === 'unsupported'
                  ? 'not available here'
                  : 'asked on the first incoming call'
          }
        </p>
        ${
          m.notifications === 'default'
            ? html`<button class="btn small" type="button" @click=${act.allowNotifications}>
                Allow notifications now
              </button>`
            : nothing
        }
      </section>
    </div>
  </dialog>`;
}
