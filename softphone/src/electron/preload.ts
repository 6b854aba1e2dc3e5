/**
 * Preload (sandboxed): exposes exactly the typed SoftphoneBridge on window.softphone. No raw
 * ipcRenderer, no generic send(channel). Bundled into one CommonJS file (vite.electron.config.ts)
 * because sandboxed preloads cannot require local modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { HistoryEntry } from '../core/types.js';
import { IPC, type SoftphoneBridge, type TrayState } from './bridge-api.js';

function subscribe<A extends unknown[]>(channel: string, listener: (...args: A) => void): () => void {
  const wrapped = (_e: IpcRendererEvent, ...args: unknown[]) => listener(...(args as A));
  ipcRenderer.on(channel, wrapped);
  return () => ipcRenderer.removeListener(channel, wrapped);
}

const bridge: SoftphoneBridge = {
  platform: process.platform,
  onDialRequest: (l) =>
    subscribe<[string]>(IPC.dialRequest, (target) => typeof target === 'string' && l(target)),
  onResume: (l) => subscribe<[]>(IPC.resume, () => l()),
  setTrayState: (state: TrayState, detail: string) => ipcRenderer.send(IPC.trayState, state, detail),
  notify: (title: string, body: string) => ipcRenderer.send(IPC.notify, title, body),
  secrets: {
    get: (id) => ipcRenderer.invoke(IPC.secretGet, id) as Promise<string | undefined>,
    set: (id, pw) => ipcRenderer.invoke(IPC.secretSet, id, pw) as Promise<boolean>,
    delete: (id) => ipcRenderer.invoke(IPC.secretDelete, id) as Promise<void>,
  },
  history: {
    load: () => ipcRenderer.invoke(IPC.historyLoad) as Promise<unknown>,
    save: (entries: HistoryEntry[]) => ipcRenderer.invoke(IPC.historySave, entries) as Promise<void>,
  },
};

contextBridge.exposeInMainWorld('softphone', bridge);
