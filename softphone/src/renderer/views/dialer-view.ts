/** Account picker, number field and a 12-key dial pad; keys send DTMF instead while a call is up. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { live } from 'lit-html/directives/live.js';
import type { AccountConfig } from '../../core/types.js';
import { icon } from './icons.js';

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

export interface DialerModel {
  accounts: AccountConfig[];
  accountId: string;
  text: string;
  error: string;
  /** Line number the keys send DTMF to, when a call is up. */
  dtmfLine: number | undefined;
}

export interface DialerActions {
  setText(text: string): void;
  setAccount(id: string): void;
  press(digit: string): void;
  backspace(): void;
  dial(): void;
}

const keyName = (d: string) => (d === '*' ? 'star' : d === '#' ? 'pound' : d);

export function dialerView(m: DialerModel, a: DialerActions): TemplateResult {
  const submit = (ev: Event) => {
    ev.preventDefault();
    a.dial();
  };
  return html`<section class="card dialer-card" aria-labelledby="dialer-h">
    <h2 id="dialer-h">Dial</h2>
    <form class="account-form dialer" aria-label="Dialer" @submit=${submit}>
      ${
        m.accounts.length > 1
          ? html`<div class="field">
              <label for="dial-account">Call from</label>
              <select
                id="dial-account"
                .value=${live(m.accountId)}
                @change=${(e: Event) => a.setAccount((e.target as HTMLSelectElement).value)}
              >
                ${m.accounts.map(
                  (x) =>
                    html`<option value=${x.id} ?selected=${x.id === m.accountId}>
                      ${x.displayName || x.sipUri}
                    </option>`,
                )}
              </select>
            </div>`
          : nothing
      }
      <label for="dial-input" class="sr-only">Number or SIP address</label>
      <div class="dial-field">
        <input
          id="dial-input"
          name="target"
          autocomplete="off"
          inputmode="tel"
          placeholder="Number or SIP address"
          aria-describedby="dial-error"
          .value=${live(m.text)}
          @input=${(e: Event) => a.setText((e.target as HTMLInputElement).value)}
        />
        <button type="button" class="icon-btn" aria-label="Delete last digit" @click=${() => a.backspace()}>
          ${icon('backspace')}
        </button>
      </div>
      ${
        m.dtmfLine !== undefined
          ? html`<p class="dtmf-hint">Keys send tones to line ${m.dtmfLine}</p>`
          : nothing
      }
      <div class="dialpad" role="group" aria-label="Dial pad">
        ${KEYS.map(
          ([digit, letters]) =>
            html`<button
              type="button"
              class="key"
              data-digit=${digit}
              aria-label="Digit ${keyName(digit)}${/^[A-Z]+$/.test(letters) ? ` ${letters}` : ''}"
              @click=${() => a.press(digit)}
            >
              <span class="digit">${digit}</span> <span class="letters">${letters}</span>
            </button>`,
        )}
      </div>
      <button type="submit" class="btn success dial-call" aria-label="Call">${icon('phone')} Call</button>
      <p id="dial-error" class="error" role="status">${m.error}</p>
    </form>
  </section>`;
}
