/** Call history kept across restarts through an injected storage (localStorage, or a file via Electron). */
import type { HistoryEntry } from './types.js';

export interface HistoryStorage {
  load(): Promise<unknown>;
  save(entries: HistoryEntry[]): Promise<void>;
}

export const MAX_HISTORY = 200;

function isEntry(v: unknown): v is HistoryEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.accountId === 'string' &&
    (e.direction === 'incoming' || e.direction === 'outgoing') &&
    typeof e.remoteUri === 'string' &&
    typeof e.startedAt === 'number' &&
    typeof e.durationMs === 'number' &&
    typeof e.result === 'string'
  );
}

export class CallHistory {
  private entries: HistoryEntry[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly storage: HistoryStorage) {}

  /** Load what was stored; corrupt or foreign entries are dropped, not fatal. */
  async load(): Promise<HistoryEntry[]> {
    let raw: unknown;
    try {
      raw = await this.storage.load();
    } catch {
      raw = [];
    }
    this.entries = Array.isArray(raw) ? raw.filter(isEntry).slice(0, MAX_HISTORY) : [];
    return this.list();
  }

  /** Newest first. */
  list(): HistoryEntry[] {
    return [...this.entries];
  }

  add(entry: HistoryEntry): Promise<void> {
    this.entries = [entry, ...this.entries.filter((e) => e.id !== entry.id)].slice(0, MAX_HISTORY);
    return this.persist();
  }

  clear(): Promise<void> {
    this.entries = [];
    return this.persist();
  }

  /** Writes are serialised so an older snapshot never overwrites a newer one. */
  private persist(): Promise<void> {
    const snapshot = this.list();
    this.writing = this.writing.then(() => this.storage.save(snapshot)).catch(() => undefined);
    return this.writing;
  }
}

/** localStorage-backed storage for the web renderer. */
export function webStorageHistory(
  store: Pick<Storage, 'getItem' | 'setItem'>,
  key = 'switchboard.history',
): HistoryStorage {
  return {
    load: async () => {
      const text = store.getItem(key);
      return text ? (JSON.parse(text) as unknown) : [];
    },
    save: async (entries) => store.setItem(key, JSON.stringify(entries)),
  };
}
