/**
 * The whole page: top bar (registration state, settings), a side column (dial pad, recent calls) and
 * the stage (first-run sign-in, the calls, the agent view) that takes the centre during a call.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { keyed } from 'lit-html/directives/keyed.js';
import type { AccountFields } from '../account-fields.js';
import type { AccountConfig, CallSnapshot, HistoryEntry, RegistrationStatus } from '../../core/types.js';
import { accountForm, type AccountFormModel } from './account-form.js';
import { agentView, type AgentViewModel } from './agent-view.js';
import { callsView, type CallActions } from './calls-view.js';
import { confirmDialView, type ConfirmDialActions, type ConfirmDialModel } from './confirm-dial-view.js';
import { dialerView, type DialerActions, type DialerModel } from './dialer-view.js';
import { historyView } from './history-view.js';
import { icon } from './icons.js';
import { REG_TEXT, settingsView, type SettingsActions, type SettingsModel } from './settings-view.js';

export interface ShellModel {
  accounts: AccountConfig[];
  registrations: RegistrationStatus[];
  calls: CallSnapshot[];
  now: number;
  agent: AgentViewModel | undefined;
  history: HistoryEntry[];
  dialer: DialerModel;
  status: string;
  firstRun: (AccountFormModel & { session: number }) | undefined;
  settings: SettingsModel;
  confirm: ConfirmDialModel | undefined;
}

export interface ShellActions {
  calls: CallActions;
  dialer: DialerActions;
  settings: SettingsActions;
  confirm: ConfirmDialActions;
  openSettings(): void;
  firstRunSubmit(fields: AccountFields): void;
  redial(e: HistoryEntry): void;
  clearHistory(): void;
}

function chips(m: ShellModel, openSettings: () => void): TemplateResult {
  return html`<ul class="reg-chips" aria-label="Registration">
    ${m.accounts.map((a) => {
      const st = m.registrations.find((r) => r.accountId === a.id);
      const user = /^sips?:([^@]+)@/.exec(a.sipUri)?.[1] ?? a.sipUri;
      return html`<li>
        <button class="chip state-${st?.state ?? 'idle'}" type="button" @click=${openSettings}>
          <span class="dot"></span><span class="chip-label">${a.displayName || user}:</span>
          ${REG_TEXT[st?.state ?? 'idle']}
        </button>
      </li>`;
    })}
  </ul>`;
}

function firstRun(
  m: NonNullable<ShellModel['firstRun']>,
  submit: (f: AccountFields) => void,
): TemplateResult {
  return html`<section class="card first-run" aria-labelledby="first-run-h">
    <h2 id="first-run-h">Sign in to start calling</h2>
    <p class="muted">
      ${
        m.serverOpen
          ? 'Enter your SIP account. Your PBX administrator has the WebSocket URL and domain.'
          : 'Your user name and password are all it takes: the server settings come from this Switchboard agent.'
      }
    </p>
    ${keyed(m.session, accountForm(m, { submit }))}
  </section>`;
}

function emptyStage(m: ShellModel): TemplateResult {
  const registered = m.registrations.some((r) => r.state === 'registered');
  return html`<section class="card empty-stage" aria-labelledby="empty-h">
    <div class="big-icon">${icon('phone')}</div>
    <h2 id="empty-h">${registered ? 'Ready to call' : 'Not connected yet'}</h2>
    <p class="muted">
      ${
        registered
          ? 'Type a number or a SIP address, or call someone back from your recent calls. Calls to a Switchboard agent show what it hears, thinks and says here.'
          : 'The phone is connecting to your account. Settings shows its state.'
      }
    </p>
  </section>`;
}

export function shellView(m: ShellModel, a: ShellActions): TemplateResult {
  const idle = m.calls.length === 0 && !m.agent;
  return html`<div class="app">
    <header class="topbar">
      <div class="brand">
        <span class="logo" aria-hidden="true">${icon('phone')}</span>
        <h1>Switchboard Phone</h1>
      </div>
      ${chips(m, a.openSettings)}
      <button class="icon-btn" type="button" aria-label="Settings" @click=${a.openSettings}>
        ${icon('settings')}
      </button>
    </header>
    <p class="app-status" role="status">${m.status}</p>
    <main class="layout">
      <div class="stage ${idle ? 'idle' : ''}">
        ${m.firstRun ? firstRun(m.firstRun, a.firstRunSubmit) : nothing} ${callsView(m.calls, a.calls, m.now)}
        ${agentView(m.agent)} ${idle && !m.firstRun ? emptyStage(m) : nothing}
      </div>
      <div class="side">
        ${dialerView(m.dialer, a.dialer)} ${historyView(m.history, a.redial, a.clearHistory)}
      </div>
    </main>
    ${settingsView(m.settings, a.settings)} ${confirmDialView(m.confirm, m.accounts, a.confirm)}
  </div>`;
}
