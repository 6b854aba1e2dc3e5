/**
 * Account settings persisted in localStorage; passwords go to the Electron bridge (safeStorage) when
 * present, otherwise stay in this browser's localStorage (documented in the README).
 */
import type { AccountConfig } from '../core/types.js';
import type { SoftphoneBridge } from '../electron/bridge-api.js';

const KEY = 'switchboard.accounts';

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
        const pw = await this.bridge.secrets.get(a.id);
        if (pw !== undefined) a.password = pw;
      }
    }
    return list;
  }

  async save(accounts: AccountConfig[]): Promise<void> {
    const stored = [];
    for (const a of accounts) {
      if (this.bridge) {
        if (a.password) await this.bridge.secrets.set(a.id, a.password);
        const { password: _pw, ...rest } = a;
        stored.push(rest);
      } else stored.push(a);
    }
    this.storage.setItem(KEY, JSON.stringify(stored));
  }

  async remove(accounts: AccountConfig[], id: string): Promise<AccountConfig[]> {
    const left = accounts.filter((a) => a.id !== id);
    await this.bridge?.secrets.delete(id);
    await this.save(left);
    return left;
  }
}
