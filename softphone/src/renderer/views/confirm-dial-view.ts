/** A clicked sip:/tel: link asks before it dials, and with which account. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { ref } from 'lit-html/directives/ref.js';
import type { AccountConfig } from '../../core/types.js';

export interface ConfirmDialModel {
  target: string;
  accountId: string;
}

export interface ConfirmDialActions {
  setAccount(id: string): void;
  confirm(): void;
  cancel(): void;
}

export function confirmDialView(
  m: ConfirmDialModel | undefined,
  accounts: AccountConfig[],
  a: ConfirmDialActions,
): TemplateResult {
  const sync = (el: Element | undefined) => {
    const d = el as HTMLDialogElement | undefined;
    if (!d) return;
    if (m && !d.open) d.showModal();
    if (!m && d.open) d.close();
  };
  return html`<dialog
    class="confirm-dial"
    aria-labelledby="confirm-h"
    ${ref(sync)}
    @close=${() => m && a.cancel()}
  >
    ${
      m
        ? html`<form
            class="confirm-body"
            method="dialog"
            @submit=${(e: Event) => {
              e.preventDefault();
              a.confirm();
            }}
          >
            <h2 id="confirm-h">Call this number?</h2>
            <p class="muted">A link asked the phone to call:</p>
            <p class="confirm-target">${m.target}</p>
            ${
              accounts.length
                ? html`<div class="field">
                    <label for="confirm-account">Call from</label>
                    <select
                      id="confirm-account"
                      @change=${(e: Event) => a.setAccount((e.target as HTMLSelectElement).value)}
                    >
                      ${accounts.map(
                        (x) =>
                          html`<option value=${x.id} ?selected=${x.id === m.accountId}>
                            ${x.displayName || x.sipUri}
                          </option>`,
                      )}
                    </select>
                  </div>`
                : html`<p class="notice bad">Add an account first (Settings).</p>`
            }
            <div class="row">
              <button class="btn success" type="submit" ?disabled=${!accounts.length}>Call</button>
              <button class="btn" type="button" @click=${a.cancel}>Cancel</button>
            </div>
          </form>`
        : nothing
    }
  </dialog>`;
}
