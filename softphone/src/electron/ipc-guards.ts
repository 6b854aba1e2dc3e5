/** Validation of every IPC message: who sent it (our origin only) and what it carries. */
import type { HistoryEntry } from '../core/types.js';
import { isAppUrl } from './app-origin.js';
import type { TrayState } from './bridge-api.js';

export class IpcRejected extends Error {
  readonly code = 'ipc_rejected';
}

export function checkSender(frameUrl: string | undefined): void {
  if (!frameUrl || !isAppUrl(frameUrl)) throw new IpcRejected('IPC from a page that is not the app');
}

export function asString(v: unknown, max: number): string {
  if (typeof v !== 'string' || v.length > max) throw new IpcRejected('bad string argument');
  return v;
}

const TRAY_STATES: readonly TrayState[] = ['registered', 'connecting', 'offline', 'ringing'];

export function asTrayState(v: unknown): TrayState {
  if (!TRAY_STATES.includes(v as TrayState)) throw new IpcRejected('bad tray state');
  return v as TrayState;
}

export function asHistory(v: unknown): HistoryEntry[] {
  if (!Array.isArray(v) || v.length > 500) throw new IpcRejected('bad history');
  const text = JSON.stringify(v);
  if (text.length > 1_000_000) throw new IpcRejected('history too large');
  return v as HistoryEntry[];
}
