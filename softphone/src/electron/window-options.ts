/** BrowserWindow settings and navigation guards for the phone window. Pure. */
import { isAppUrl } from './app-origin.js';

export function mainWindowOptions(preloadPath: string) {
  return {
    width: 980,
    height: 760,
    minWidth: 360,
    title: 'Switchboard Phone',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // Ringing and re-registration must keep working while minimised to the tray.
      backgroundThrottling: false,
      autoplayPolicy: 'no-user-gesture-required' as const,
    },
  };
}

/** In-window navigation only within the app; everything else is blocked (links open nowhere). */
export function allowNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** External links the user clicks may open in the system browser: http(s) only. */
export function allowExternalOpen(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
