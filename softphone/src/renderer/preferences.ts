/** Device choice, ringtone and theme, kept in localStorage; bad stored values fall back to defaults. */
import { isRingtone, type Ringtone } from './sounds.js';
import type { DeviceChoice, Theme } from './views/settings-view.js';

const KEY = 'switchboard.preferences';
const OLD_DEVICES_KEY = 'switchboard.devices';

interface Stored {
  devices: DeviceChoice;
  ringtone: Ringtone;
  theme: Theme;
}

export class Preferences {
  private value: Stored;

  constructor(private readonly storage: Storage) {
    const read = (k: string): Record<string, unknown> => {
      try {
        const v = JSON.parse(storage.getItem(k) ?? 'null') as unknown;
        return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
      } catch {
        return {};
      }
    };
    const raw = read(KEY);
    const dev = (
      typeof raw.devices === 'object' && raw.devices ? raw.devices : read(OLD_DEVICES_KEY)
    ) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    this.value = {
      devices: { input: str(dev.input), output: str(dev.output), ringer: str(dev.ringer) },
      ringtone: isRingtone(raw.ringtone) ? raw.ringtone : 'classic',
      theme: raw.theme === 'light' || raw.theme === 'dark' ? raw.theme : 'system',
    };
  }

  get devices(): DeviceChoice {
    return this.value.devices;
  }
  get ringtone(): Ringtone {
    return this.value.ringtone;
  }
  get theme(): Theme {
    return this.value.theme;
  }

  setDevice(kind: keyof DeviceChoice, id: string): void {
    this.value.devices = { ...this.value.devices, [kind]: id };
    this.save();
  }
  setRingtone(kind: Ringtone): void {
    this.value.ringtone = kind;
    this.save();
  }
  setTheme(theme: Theme): void {
    this.value.theme = theme;
    this.save();
  }

  private save(): void {
    this.storage.setItem(KEY, JSON.stringify(this.value));
  }
}
