/** What the tray shows for a registration state: icon name and tooltip. Pure. */
import type { TrayState } from './bridge-api.js';

export interface TrayView {
  icon: 'tray-online' | 'tray-connecting' | 'tray-offline' | 'tray-ringing';
  tooltip: string;
}

export function trayView(state: TrayState, detail: string): TrayView {
  const head = {
    registered: 'Switchboard Phone: registered',
    connecting: 'Switchboard Phone: connecting…',
    offline: 'Switchboard Phone: offline',
    ringing: 'Switchboard Phone: incoming call',
  }[state];
  const icon = (
    {
      registered: 'tray-online',
      connecting: 'tray-connecting',
      offline: 'tray-offline',
      ringing: 'tray-ringing',
    } as const
  )[state];
  // Tooltips are short on every OS; keep the first lines of detail.
  const extra = detail.split('\n').slice(0, 4).join('\n').slice(0, 200);
  return { icon, tooltip: extra ? `${head}\n${extra}` : head };
}
