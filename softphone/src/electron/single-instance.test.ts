import { describe, expect, it } from 'vitest';
import { dialTargetFromArgv, parseProtocolUrl } from './protocol-url.js';
import { registerProtocols, setupSingleInstance, type AppLike } from './single-instance.js';

class FakeApp implements AppLike {
  quitCalled = false;
  readonly listeners = new Map<string, (...args: never[]) => void>();
  readonly protocols: [string, string?, string[]?][] = [];
  constructor(private readonly lock: boolean) {}
  requestSingleInstanceLock(): boolean {
    return this.lock;
  }
  quit(): void {
    this.quitCalled = true;
  }
  on(event: string, listener: (...args: never[]) => void): unknown {
    this.listeners.set(event, listener);
    return this;
  }
  setAsDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean {
    this.protocols.push([protocol, path, args]);
    return true;
  }
  emit(event: string, ...args: unknown[]): void {
    (this.listeners.get(event) as ((...a: unknown[]) => void) | undefined)?.(...args);
  }
}

describe('protocol URLs (click to call)', () => {
  it('accepts tel:, callto:, sip: and sips: and normalises them', () => {
    expect(parseProtocolUrl('tel:+1-555-0100')).toBe('+15550100');
    expect(parseProtocolUrl('tel:%2B44%2020%207946%200000')).toBe('+442079460000');
    expect(parseProtocolUrl('callto://+1555')).toBe('+1555');
    expect(parseProtocolUrl('callto:bob@example.com')).toBe('sip:bob@example.com');
    expect(parseProtocolUrl('sip:agent@127.0.0.1:5060;transport=ws')).toBe('sip:agent@127.0.0.1:5060');
    expect(parseProtocolUrl('SIPS:Alice@Example.org')).toBe('sips:Alice@Example.org');
  });

  it('rejects anything else', () => {
    for (const bad of [
      'javascript:alert(1)',
      'tel:abc',
      'sip:nohost',
      'sip:a@b c',
      'http://x',
      'tel:',
      `tel:${'1'.repeat(300)}`,
      'sip:%E0%A4%A@x',
    ]) {
      expect(parseProtocolUrl(bad), bad).toBeUndefined();
    }
  });

  it('finds the link among Chromium switches in argv', () => {
    expect(dialTargetFromArgv(['/usr/bin/phone', '--no-sandbox', 'tel:100'])).toBe('100');
    expect(dialTargetFromArgv(['/usr/bin/phone', '--flag'])).toBeUndefined();
  });
});

describe('single instance', () => {
  it('a second launch quits; the first receives its link and comes to the front', () => {
    const second = new FakeApp(false);
    expect(
      setupSingleInstance(second, ['phone', 'tel:200'], { focus: () => undefined, dial: () => undefined }),
    ).toBe(false);
    expect(second.quitCalled).toBe(true);

    const first = new FakeApp(true);
    const events: string[] = [];
    expect(
      setupSingleInstance(first, ['phone', 'sip:agent@127.0.0.1'], {
        focus: () => events.push('focus'),
        dial: (t) => events.push(`dial ${t}`),
      }),
    ).toBe(true);
    expect(events).toEqual(['dial sip:agent@127.0.0.1']);
    first.emit('second-instance', {}, ['phone', '--x', 'tel:+1 (555) 0100']);
    first.emit('second-instance', {}, ['phone']);
    let prevented = false;
    first.emit('open-url', { preventDefault: () => (prevented = true) }, 'callto:300');
    first.emit('open-url', { preventDefault: () => undefined }, 'javascript:alert(1)');
    expect(prevented).toBe(true);
    expect(events).toEqual([
      'dial sip:agent@127.0.0.1',
      'focus',
      'dial +15550100',
      'focus',
      'focus',
      'dial 300',
    ]);
    expect(first.quitCalled).toBe(false);
  });

  it('registers sip, sips, tel and callto, with the script path in development', () => {
    const app = new FakeApp(true);
    expect(registerProtocols(app, { defaultApp: false, execPath: '/opt/phone' })).toEqual([
      'sip',
      'sips',
      'tel',
      'callto',
    ]);
    const dev = new FakeApp(true);
    registerProtocols(dev, { defaultApp: true, execPath: '/usr/bin/electron', script: '/src/main.cjs' });
    expect(dev.protocols[0]).toEqual(['sip', '/usr/bin/electron', ['/src/main.cjs']]);
  });
});
