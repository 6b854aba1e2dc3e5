/**
 * One running phone: a second launch hands its command line (e.g. a clicked tel: link) to the first
 * and quits. Takes the electron `app` as a parameter so the logic is testable with a fake.
 */
import { dialTargetFromArgv, parseProtocolUrl, PROTOCOLS } from './protocol-url.js';

export interface AppLike {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  on(event: 'second-instance', listener: (event: unknown, argv: string[]) => void): unknown;
  on(event: 'open-url', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  setAsDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean;
}

export interface SingleInstanceHandlers {
  /** Bring the window to the front. */
  focus(): void;
  /** A validated dial target arrived. */
  dial(target: string): void;
}

/** Returns false when another instance owns the lock (this one is quitting). */
export function setupSingleInstance(
  app: AppLike,
  argv: readonly string[],
  h: SingleInstanceHandlers,
): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', (_event, otherArgv) => {
    h.focus();
    const target = dialTargetFromArgv(otherArgv);
    if (target) h.dial(target);
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const target = parseProtocolUrl(url);
    if (target) {
      h.focus();
      h.dial(target);
    }
  });
  const first = dialTargetFromArgv(argv.slice(1));
  if (first) h.dial(first);
  return true;
}

/** Register sip:, sips:, tel:, callto:. In development (`electron .`) Electron needs the script path too. */
export function registerProtocols(
  app: AppLike,
  dev: { defaultApp: boolean; execPath: string; script?: string },
): string[] {
  const registered: string[] = [];
  for (const p of PROTOCOLS) {
    const ok =
      dev.defaultApp && dev.script
        ? app.setAsDefaultProtocolClient(p, dev.execPath, [dev.script])
        : app.setAsDefaultProtocolClient(p);
    if (ok) registered.push(p);
  }
  return registered;
}
