/**
 * Account settings persisted in localStorage. In Electron the password and the agent API token go to
 * the bridge (safeStorage); when the OS has no secure storage they are not kept anywhere, the rest of
 * the account still is, and save() says which accounts lost their secrets so the UI can tell the user.
 * In a browser (no bridge) everything stays in this browser's localStorage (documented in the README).
 */
import type { AccountConfig } from '../core/types.js';
import type { SoftphoneBridge } from '../electron/bridge-api.js';

const KEY = 'switchboard.accounts';
const SECRETS = ['password', 'agentApiToken'] as const;
const secretId = (accountId: string, field: (typeof SECRETS)[number]) =>
  field === 'password' ? accountId : `${accountId}.token`;

export interface SaveResult {
  /** Accounts whose password or token could not be stored securely (Electron without a keyring). */
  notStored: string[];
}

export class AccountStore {
  constructor(
    private readonly storage: Storage,
    private readonly bridge: SoftphoneBridge | undefined,
  ) {}

  async load(): Promise<AccountConfig[]> {
    let list: AccountConfig[] = [];
    try {
      const raw = JSON.parse(this.storage.getItem(KEY) ?? '[]') as unknown;
      if (Array.isArray(raw))
        list = raw.filter(
          (a): a is AccountConfig => typeof a?.id === 'string' && typeof a?.sipUri === 'string',
        );
    } catch {
      list = [];
    }
    if (this.bridge) {
      for (const a of list) {
        for (const field of SECRETS) {
          const v = await this.bridge.secrets.get(secretId(a.id, field)).catch(() => undefined);
          if (v !== undefined) a[field] = v;
        }
      }
    }
    return list;
  }

  /** Writes the list first (so an account is never lost), then the secrets. */
  async save(accounts: AccountConfig[]): Promise<SaveResult> {
    const bridge = this.bridge;
    const stored = bridge
      ? accounts.map((a) => {
          const { password: _pw, agentApiToken: _tok, ...rest } = a;
          return rest;
        })
      : accounts;
    this.storage.setItem(KEY, JSON.stringify(stored));
    const notStored: string[] = [];
    if (bridge) {
      for (const a of accounts) {
        for (const field of SECRETS) {
          const value = a[field];
          if (!value) continue;
          const ok = await bridge.secrets.set(secretId(a.id, field), value).catch(() => false);
          if (!ok && !notStored.includes(a.id)) notStored.push(a.id);
        }
      }
    }
    return { notStored };
  }

  async remove(accounts: AccountConfig[], id: string): Promise<AccountConfig[]> {
    const left = accounts.filter((a) => a.id !== id);
    for (const field of SECRETS)
      await this.bridge?.secrets.delete(secretId(id, field)).catch(() => undefined);
    await this.save(left);
    return left;
  }
}
