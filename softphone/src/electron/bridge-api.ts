/**
 * The typed API the preload exposes to the renderer as `window.softphone` (contextBridge). The
 * renderer also runs as a plain web page, where this object is absent; every use is optional.
 */
import type { HistoryEntry } from '../core/types.js';

export type TrayState = 'registered' | 'connecting' | 'offline' | 'ringing';

export interface SoftphoneBridge {
  readonly platform: string;
  /** Click-to-call: sip:/tel:/callto: links opened while the app runs (or that started it). */
  onDialRequest(listener: (target: string) => void): () => void;
  /** The OS resumed from sleep or the network came back. */
  onResume(listener: () => void): () => void;
  setTrayState(state: TrayState, detail: string): void;
  notify(title: string, body: string): void;
  secrets: {
    get(accountId: string): Promise<string | undefined>;
    /** false when the OS offers no secure storage (Linux without a keyring): nothing was stored. */
    set(accountId: string, password: string): Promise<boolean>;
    delete(accountId: string): Promise<void>;
  };
  history: {
    load(): Promise<unknown>;
    save(entries: HistoryEntry[]): Promise<void>;
  };
}

/** IPC channel names, shared by main and preload. */
export const IPC = {
  dialRequest: 'softphone:dial-request',
  resume: 'softphone:resume',
  trayState: 'softphone:tray-state',
  notify: 'softphone:notify',
  secretGet: 'softphone:secret-get',
  secretSet: 'softphone:secret-set',
  secretDelete: 'softphone:secret-delete',
  historyLoad: 'softphone:history-load',
  historySave: 'softphone:history-save',
} as const;
