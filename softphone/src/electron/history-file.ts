/** Call history as a JSON file in the user-data folder, written atomically (temp file + rename). */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { HistoryEntry } from '../core/types.js';

export function historyFile(path: string) {
  return {
    async load(): Promise<unknown> {
      try {
        return JSON.parse(await readFile(path, 'utf8')) as unknown;
      } catch {
        return [];
      }
    },
    async save(entries: HistoryEntry[]): Promise<void> {
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(entries), { mode: 0o600 });
      await rename(tmp, path);
    },
  };
}

/** A secret-store file, same atomic write, owner-only permissions. */
export function textFile(path: string) {
  return {
    async read(): Promise<string | undefined> {
      try {
        return await readFile(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    async write(text: string): Promise<void> {
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, path);
    },
  };
}
