import { describe, expect, it } from 'vitest';
import { APP_START_URL, resolveAppFile } from './app-origin.js';
import { allowPermissionCheck, allowPermissionRequest } from './permission-policy.js';
import { allowExternalOpen, allowNavigation, mainWindowOptions } from './window-options.js';

describe('permission policy', () => {
  it('grants the microphone to the app origin only', () => {
    expect(
      allowPermissionRequest('media', {
        requestingUrl: APP_START_URL,
        mediaTypes: ['audio'],
        isMainFrame: true,
      }),
    ).toBe(true);
    expect(allowPermissionRequest('media', { requestingUrl: 'app://phone/', mediaTypes: [] })).toBe(true);
    expect(
      allowPermissionRequest('media', { requestingUrl: 'https://evil.example/', mediaTypes: ['audio'] }),
    ).toBe(false);
    expect(
      allowPermissionRequest('media', { requestingUrl: 'app://other/index.html', mediaTypes: ['audio'] }),
    ).toBe(false);
    expect(
      allowPermissionRequest('media', { requestingUrl: 'file:///index.html', mediaTypes: ['audio'] }),
    ).toBe(false);
  });

  it('refuses camera, subframes and every other permission', () => {
    expect(
      allowPermissionRequest('media', { requestingUrl: APP_START_URL, mediaTypes: ['audio', 'video'] }),
    ).toBe(false);
    expect(
      allowPermissionRequest('media', {
        requestingUrl: APP_START_URL,
        mediaTypes: ['audio'],
        isMainFrame: false,
      }),
    ).toBe(false);
    for (const p of [
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'midi',
      'fullscreen',
    ]) {
      expect(allowPermissionRequest(p, { requestingUrl: APP_START_URL }), p).toBe(false);
    }
  });

  it('permission checks follow the same rule', () => {
    expect(allowPermissionCheck('media', 'app://phone', 'audio')).toBe(true);
    expect(allowPermissionCheck('media', 'app://phone/', 'video')).toBe(false);
    expect(allowPermissionCheck('media', 'http://127.0.0.1:8080', 'audio')).toBe(false);
    expect(allowPermissionCheck('geolocation', 'app://phone', undefined)).toBe(false);
  });
});

describe('app files and navigation', () => {
  it('maps app:// URLs into dist and refuses traversal and other origins', () => {
    expect(resolveAppFile('/opt/phone/dist', 'app://phone/')).toBe('/opt/phone/dist/index.html');
    expect(resolveAppFile('/opt/phone/dist', 'app://phone/assets/index-abc.js')).toBe(
      '/opt/phone/dist/assets/index-abc.js',
    );
    // The URL parser already folds dot segments at the root, so this stays inside dist.
    expect(resolveAppFile('/opt/phone/dist', 'app://phone/%2e%2e/%2e%2e/etc/passwd')).toBe(
      '/opt/phone/dist/etc/passwd',
    );
    expect(resolveAppFile('/opt/phone/dist', 'app://phone/..%2fsecrets.json')).toBeUndefined();
    expect(resolveAppFile('/opt/phone/dist', 'app://evil/index.html')).toBeUndefined();
    expect(resolveAppFile('/opt/phone/dist', 'https://phone/index.html')).toBeUndefined();
  });

  it('window is isolated and sandboxed; navigation stays in the app; only http(s) opens outside', () => {
    const w = mainWindowOptions('/x/preload.cjs').webPreferences;
    expect(w).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: '/x/preload.cjs',
    });
    expect(allowNavigation('app://phone/index.html')).toBe(true);
    expect(allowNavigation('https://example.com/')).toBe(false);
    expect(allowExternalOpen('https://example.com/help')).toBe(true);
    expect(allowExternalOpen('file:///etc/passwd')).toBe(false);
    expect(allowExternalOpen('javascript:alert(1)')).toBe(false);
  });
});
