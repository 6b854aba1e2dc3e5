import { describe, expect, it } from 'vitest';
import { asHistory, asTrayState, checkSender, IpcRejected } from './ipc-guards.js';
import { SecretStore, SecretStoreError, type FileLike, type SafeStorageLike } from './secret-store.js';
import { trayView } from './tray-view.js';

/** Reversible "encryption" that is visibly not plain text, like safeStorage's opaque blobs. */
class FakeSafeStorage implements SafeStorageLike {
  constructor(
    public available = true,
    public backend = 'gnome_libsecret',
  ) {}
  isEncryptionAvailable(): boolean {
    return this.available;
  }
  encryptString(plain: string): Buffer {
    return Buffer.from(`v10:${Buffer.from(plain).reverse().toString('hex')}`);
  }
  decryptString(cipher: Buffer): string {
    const text = cipher.toString();
    if (!text.startsWith('v10:')) throw new Error('bad blob');
    return Buffer.from(text.slice(4), 'hex').reverse().toString();
  }
  getSelectedStorageBackend(): string {
    return this.backend;
  }
}

class MemoryFile implements FileLike {
  text: string | undefined;
  async read(): Promise<string | undefined> {
    return this.text;
  }
  async write(text: string): Promise<void> {
    this.text = text;
  }
}

describe('SecretStore (safeStorage)', () => {
  it('stores passwords encrypted and reads them back', async () => {
    const file = new MemoryFile();
    const store = new SecretStore(new FakeSafeStorage(), file);
    await store.set('acct-1', 'hunter2');
    expect(file.text).not.toContain('hunter2');
    expect(await store.get('acct-1')).toBe('hunter2');
    expect(await new SecretStore(new FakeSafeStorage(), file).get('acct-1')).toBe('hunter2');
    await store.delete('acct-1');
    expect(await store.get('acct-1')).toBeUndefined();
  });

  it('refuses to store when the OS has no real encryption (never plain text)', async () => {
    const file = new MemoryFile();
    for (const safe of [new FakeSafeStorage(false), new FakeSafeStorage(true, 'basic_text')]) {
      const store = new SecretStore(safe, file);
      await expect(store.set('acct-1', 'pw')).rejects.toMatchObject({ code: 'encryption_unavailable' });
    }
    expect(file.text).toBeUndefined();
    const store = new SecretStore(new FakeSafeStorage(true, 'basic_text'), file);
    expect(await store.trySet('acct-1', 'pw')).toBe(false);
    expect(await new SecretStore(new FakeSafeStorage(), file).trySet('acct-1', 'pw')).toBe(true);
    await expect(store.trySet('../x', 'pw')).rejects.toMatchObject({ code: 'invalid_account_id' });
  });

  it('survives a corrupt file and rejects odd account ids', async () => {
    const file = new MemoryFile();
    file.text = '{not json';
    const store = new SecretStore(new FakeSafeStorage(), file);
    expect(await store.get('acct-1')).toBeUndefined();
    file.text = JSON.stringify({ 'acct-1': Buffer.from('garbage').toString('base64') });
    expect(await store.get('acct-1')).toBeUndefined();
    await expect(store.get('../../etc')).rejects.toBeInstanceOf(SecretStoreError);
  });
});

describe('IPC guards and tray', () => {
  it('accepts IPC only from the app origin, with valid arguments', () => {
    expect(() => checkSender('app://phone/index.html')).not.toThrow();
    expect(() => checkSender('https://evil.example/')).toThrow(IpcRejected);
    expect(() => checkSender(undefined)).toThrow(IpcRejected);
    expect(asTrayState('ringing')).toBe('ringing');
    expect(() => asTrayState('pwned')).toThrow(IpcRejected);
    expect(() => asHistory({})).toThrow(IpcRejected);
    expect(asHistory([])).toEqual([]);
  });

  it('shows the registration state in the tray', () => {
    expect(trayView('registered', 'pbx: registered')).toEqual({
      icon: 'tray-online',
      tooltip: 'Switchboard Phone: registered\npbx: registered',
    });
    expect(trayView('offline', '').icon).toBe('tray-offline');
    expect(trayView('ringing', 'a\nb\nc\nd\ne').tooltip.split('\n')).toHaveLength(5);
  });
});
