/**
 * SIP passwords encrypted with Electron's safeStorage (DPAPI / Keychain / libsecret), kept as base64
 * ciphertext in a JSON file. Never falls back to plain text: when the OS offers no real encryption
 * (Linux 'basic_text' backend) storing is refused and the user re-enters the password.
 */

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(cipher: Buffer): string;
  getSelectedStorageBackend?(): string;
}

export interface FileLike {
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

export class SecretStoreError extends Error {
  constructor(
    readonly code: 'encryption_unavailable' | 'invalid_account_id',
    message: string,
  ) {
    super(message);
    this.name = 'SecretStoreError';
  }
}

const ACCOUNT_ID = /^[A-Za-z0-9_.-]{1,100}$/;

export class SecretStore {
  constructor(
    private readonly safe: SafeStorageLike,
    private readonly file: FileLike,
  ) {}

  canEncrypt(): boolean {
    return this.safe.isEncryptionAvailable() && this.safe.getSelectedStorageBackend?.() !== 'basic_text';
  }

  async get(accountId: string): Promise<string | undefined> {
    this.checkId(accountId);
    const cipher = (await this.readAll())[accountId];
    if (!cipher || !this.safe.isEncryptionAvailable()) return undefined;
    try {
      return this.safe.decryptString(Buffer.from(cipher, 'base64'));
    } catch {
      return undefined;
    }
  }

  async set(accountId: string, password: string): Promise<void> {
    this.checkId(accountId);
    if (!this.canEncrypt())
      throw new SecretStoreError('encryption_unavailable', 'the OS offers no secure storage');
    const all = await this.readAll();
    all[accountId] = this.safe.encryptString(password).toString('base64');
    await this.file.write(JSON.stringify(all));
  }

  /**
   * Like set(), but "no secure storage here" is an answer, not an error: false, nothing stored, so the
   * caller still saves the rest of the account and tells the user the password was not kept.
   */
  async trySet(accountId: string, password: string): Promise<boolean> {
    try {
      await this.set(accountId, password);
      return true;
    } catch (err) {
      if (err instanceof SecretStoreError && err.code === 'encryption_unavailable') return false;
      throw err;
    }
  }

  async delete(accountId: string): Promise<void> {
    this.checkId(accountId);
    const all = await this.readAll();
    delete all[accountId];
    await this.file.write(JSON.stringify(all));
  }

  private checkId(id: string): void {
    if (!ACCOUNT_ID.test(id))
      throw new SecretStoreError('invalid_account_id', 'account id has unexpected characters');
  }

  private async readAll(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse((await this.file.read()) ?? '{}') as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
      return Object.fromEntries(
        Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    } catch {
      return {};
    }
  }
}
