/** Microphone, speaker and ringer pickers; changes apply to live calls at once. */
import { h, replaceChildren } from '../dom.js';

export interface DeviceChoice {
  input: string;
  output: string;
  ringer: string;
}

export class DevicesView {
  readonly root: HTMLElement;
  private readonly selects: Record<keyof DeviceChoice, HTMLSelectElement> = {
    input: h('select', { id: 'dev-input' }),
    output: h('select', { id: 'dev-output' }),
    ringer: h('select', { id: 'dev-ringer' }),
  };

  constructor(onChange: (kind: keyof DeviceChoice, deviceId: string) => void) {
    const row = (kind: keyof DeviceChoice, label: string) => {
      const sel = this.selects[kind];
      sel.addEventListener('change', () => onChange(kind, sel.value));
      return h('div', { class: 'field' }, h('label', { for: sel.id, text: label }), sel);
    };
    this.root = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'devices-h' },
      h('h2', { id: 'devices-h', text: 'Audio devices' }),
      row('input', 'Microphone'),
      row('output', 'Speaker'),
      row('ringer', 'Ringer'),
    );
  }

  render(devices: MediaDeviceInfo[], choice: DeviceChoice): void {
    const fill = (kind: keyof DeviceChoice, type: MediaDeviceKind) => {
      const list = devices.filter((d) => d.kind === type);
      replaceChildren(
        this.selects[kind],
        h('option', { value: '', text: 'System default' }),
        ...list.map((d, i) => h('option', { value: d.deviceId, text: d.label || `${type} ${i + 1}` })),
      );
      this.selects[kind].value = choice[kind];
    };
    fill('input', 'audioinput');
    fill('output', 'audiooutput');
    fill('ringer', 'audiooutput');
  }
}
