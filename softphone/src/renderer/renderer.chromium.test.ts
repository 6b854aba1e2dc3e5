/**
 * Renderer test without an agent: build with Vite, serve dist on 127.0.0.1, load it in Debian's
 * Chromium (playwright-core) inside a loopback-only network namespace. The dial pad works by mouse
 * and keyboard and shortcuts leave text fields alone; first run without an agent says what to enter;
 * settings edit accounts, ringtone, theme, and the device list follows devicechange; the Electron
 * bridge keeps the account when the password cannot be stored and asks before dialling a link;
 * axe-core finds nothing serious; no CSP violations or console errors. (With the real agent:
 * agent/test/e2e-softphone.)
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeSerious, screenshots } from '../../../agent/src/testing/page-audit.js';
import type { AccountConfig } from '../core/types.js';
import { IN_NETNS, runFileInLoopbackNetns } from '../../../agent/src/testing/loopback-netns.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const SOFTPHONE = fileURLToPath(new URL('../..', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const ACCOUNT: AccountConfig = {
  id: 'acct-test',
  wsUrl: 'ws://127.0.0.1:16021',
  sipUri: 'sip:100@127.0.0.1',
  password: 'pw',
  iceServers: [],
  dtmfMode: 'rfc4733',
};
/** A microphone list the page reads through enumerateDevices; __plug() adds a headset and fires devicechange. */
const FAKE_DEVICES = `(() => {
  const md = navigator.mediaDevices;
  const dev = (kind, deviceId, label) => ({ kind, deviceId, label, groupId: 'g' + deviceId, toJSON() { return this; } });
  const list = [dev('audioinput', 'mic-1', 'Built-in microphone'), dev('audiooutput', 'spk-1', 'Built-in speakers')];
  md.enumerateDevices = async () => list.slice();
  window.__plug = () => { list.push(dev('audioinput', 'usb-1', 'USB headset')); md.dispatchEvent(new Event('devicechange')); };
})();`;
/** Counts Notification.requestPermission calls. */
const COUNT_PERMISSION = `window.__asked = 0; if (window.Notification) { const orig = Notification.requestPermission.bind(Notification); Notification.requestPermission = (...a) => { window.__asked++; return orig(...a); }; }`;

describe.runIf(!IN_NETNS)('renderer in Chromium (host side)', () => {
  it('re-runs this file inside a network namespace with only lo, and it passes there', async () => {
    const run = await runFileInLoopbackNetns(THIS_FILE, 150_000);
    if (run.status !== 0) console.error(run.output);
    expect(run.output).toMatch(/Tests\s+\d+ passed/);
    expect(run.status).toBe(0);
  }, 160_000);
});

describe.runIf(IN_NETNS)('renderer in Chromium', () => {
  let dir: string;
  let server: Server;
  let context: BrowserContext;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-renderer-'));
    const out = join(dir, 'dist');
    await build({
      configFile: join(SOFTPHONE, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir: out },
    });
    server = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
        /^\/phone\/?/,
        '/',
      );
      const file = join(out, path === '/' ? 'index.html' : path);
      if (!file.startsWith(out) || !statSync(file, { throwIfNoEntry: false })?.isFile())
        return res.writeHead(404).end();
      res
        .writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
        .end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(16020, '127.0.0.1', r));
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function axe(page: Page): Promise<unknown[]> {
    return axeSerious(page);
  }

  async function open(init?: string, accounts?: AccountConfig[]): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      // The account tests point at a port where nothing listens: the socket failing is the expected part.
      // There is no agent here, so no /phone/config.json either (404).
      const expected =
        /WebSocket connection to 'ws:\/\/127\.0\.0\.1:16021|sip\.Transport \| WebSocket error occurred|status of 404/;
      if (m.type() === 'error' && !expected.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.addInitScript(
      `document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation ' + e.violatedDirective + ' ' + e.blockedURI));`,
    );
    await page.addInitScript(COUNT_PERMISSION);
    if (init) await page.addInitScript(init);
    await page.goto('http://127.0.0.1:16020/phone/');
    await page.evaluate((list) => {
      localStorage.clear();
      if (list.length) localStorage.setItem('switchboard.accounts', JSON.stringify(list));
    }, accounts ?? []);
    await page.reload();
    await page.getByRole('heading', { name: 'Switchboard Phone' }).waitFor({ timeout: 10_000 });
    return page;
  }

  it('dial pad works by mouse and keyboard, shortcuts leave text fields alone, CSP and no errors', async () => {
    const page = await open();
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toMatch(/script-src 'self'/);
    await page.getByRole('button', { name: 'Digit 1' }).click();
    await page.getByRole('button', { name: 'Digit 2' }).click();
    await page.getByRole('button', { name: 'Digit star' }).click();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('4');
    await page.keyboard.press('#');
    const input = page.getByLabel('Number or SIP address');
    expect(await input.inputValue()).toBe('12*4#');
    await page.getByRole('button', { name: 'Delete last digit' }).click();
    expect(await input.inputValue()).toBe('12*4');
    expect(await page.getByRole('group', { name: 'Dial pad' }).getByRole('button').count()).toBe(12);
    // Typing digits into a text field types them there only, once; Escape there does nothing.
    const user = page.locator('.first-run').getByLabel('User name', { exact: true });
    await user.click();
    await page.keyboard.type('100');
    await page.keyboard.press('Escape');
    expect(await user.inputValue()).toBe('100');
    expect(await input.inputValue()).toBe('12*4');
    // Notification permission is not asked on load (it is asked on the first incoming call).
    expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('first run without an agent: says what to enter, then the account registers over ws:// and retries', async () => {
    const page = await open();
    const form = page.locator('.first-run form');
    await form.getByLabel('User name', { exact: true }).fill('100');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: /WebSocket URL of your phone server/ })
      .waitFor();
    await form.getByLabel('WebSocket URL').fill('ws://127.0.0.1:16021');
    await form.getByLabel('SIP domain').fill('127.0.0.1');
    await form.getByLabel('Password', { exact: true }).fill('pw');
    await form.locator('summary', { hasText: 'Network and DTMF' }).click();
    await form.getByLabel('STUN/TURN URLs').fill('stun:127.0.0.1:3478, turn:127.0.0.1:3478');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: /TURN server needs its user name and password/ })
      .waitFor();
    await form.getByLabel('TURN user name').fill('turnuser');
    await form.getByLabel('TURN password').fill('turnpass');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('list', { name: 'Registration' })
      .getByText(/Offline, retrying/)
      .waitFor({ timeout: 15_000 });
    const stored = await page.evaluate(() => localStorage.getItem('switchboard.accounts'));
    expect(JSON.parse(stored ?? '[]')).toEqual([
      expect.objectContaining({
        wsUrl: 'ws://127.0.0.1:16021',
        sipUri: 'sip:100@127.0.0.1',
        dtmfMode: 'rfc4733',
        iceServers: [
          { urls: 'stun:127.0.0.1:3478' },
          { urls: 'turn:127.0.0.1:3478', username: 'turnuser', credential: 'turnpass' },
        ],
      }),
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('settings: edit an account, pick a ringtone and theme; devices refresh when one is plugged in; axe finds nothing serious', async () => {
    const page = await open(FAKE_DEVICES, [ACCOUNT]);
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await screenshots(page, 'settings');
    const mic = settings.getByLabel('Microphone');
    expect((await mic.locator('option').allTextContents()).map((t) => t.trim())).toEqual([
      'System default',
      'Built-in microphone',
    ]);
    await page.evaluate(() => (window as unknown as { __plug(): void }).__plug());
    await mic.locator('option', { hasText: 'USB headset' }).waitFor({ state: 'attached', timeout: 5000 });
    await settings.getByLabel('Ringtone').selectOption('chime');
    await settings.getByLabel('Theme').selectOption('dark');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await axe(page)).toEqual([]);
    await settings.getByRole('button', { name: 'Edit account sip:100@127.0.0.1' }).click();
    const edit = settings.getByRole('form', { name: 'Edit account' });
    expect(await edit.getByLabel('User name', { exact: true }).inputValue()).toBe('100');
    await edit.locator('summary', { hasText: 'Server' }).click();
    await edit.getByLabel('Display name').fill('Front desk');
    expect(await axe(page)).toEqual([]);
    await edit.getByRole('button', { name: 'Save account' }).click();
    await settings.getByText('Front desk <sip:100@127.0.0.1>').waitFor();
    const prefs = JSON.parse(
      (await page.evaluate(() => localStorage.getItem('switchboard.preferences'))) ?? '{}',
    );
    expect(prefs).toMatchObject({ ringtone: 'chime', theme: 'dark' });
    const accounts = JSON.parse(
      (await page.evaluate(() => localStorage.getItem('switchboard.accounts'))) ?? '[]',
    );
    expect(accounts).toEqual([expect.objectContaining({ id: ACCOUNT.id, displayName: 'Front desk' })]);
    // Escape closes the dialog (it is the dialog's), never a call.
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await axe(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('Electron bridge: password not stored without a keyring (account kept, UI says so); a sip: link asks first', async () => {
    const bridge = `
      window.__calls = [];
      let dial;
      window.softphone = {
        platform: 'test',
        onDialRequest: (l) => { dial = l; return () => {}; },
        onResume: () => () => {},
        setTrayState: (s, d) => window.__calls.push(['tray', s]),
        notify: () => {},
        secrets: { get: async () => undefined, set: async (id, pw) => { window.__calls.push(['secret', id, pw]); return false; }, delete: async () => {} },
        history: { load: async () => [{ id: 'h1', accountId: 'a', direction: 'incoming', remoteUri: 'sip:9@x', startedAt: 0, durationMs: 61000, result: 'completed' }], save: async () => {} },
      };
      window.__dial = (t) => dial(t);`;
    const page = await open(bridge);
    await page.getByRole('button', { name: 'Call back sip:9@x' }).waitFor();
    const form = page.locator('.first-run form');
    await form.getByLabel('WebSocket URL').fill('ws://127.0.0.1:16021');
    await form.getByLabel('User name', { exact: true }).fill('sip:7@127.0.0.1');
    await form.getByLabel('Password', { exact: true }).fill('s3cret');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('list', { name: 'Registration' }).getByRole('button').waitFor();
    const calls = (await page.evaluate(
      () => (window as unknown as { __calls: unknown[] }).__calls,
    )) as unknown[][];
    expect(calls).toContainEqual(['secret', expect.stringMatching(/^acct-/), 's3cret']);
    expect(calls.some((c) => c[0] === 'tray')).toBe(true);
    const stored = await page.evaluate(() => localStorage.getItem('switchboard.accounts') ?? '');
    expect(stored).not.toContain('s3cret');
    expect(JSON.parse(stored)).toEqual([expect.objectContaining({ sipUri: 'sip:7@127.0.0.1' })]);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByText(/Password not saved: this computer has no secure storage/).waitFor();
    await page.getByRole('button', { name: 'Close settings' }).click();

    await page.evaluate(() => (window as unknown as { __dial(t: string): void }).__dial('sip:42@127.0.0.1'));
    const confirm = page.getByRole('dialog', { name: 'Call this number?' });
    await confirm.getByText('sip:42@127.0.0.1').waitFor();
    expect(await confirm.getByLabel('Call from').inputValue()).toMatch(/^acct-/);
    expect(await axe(page)).toEqual([]);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await page.getByRole('list', { name: 'Calls' }).locator('li').count()).toBe(0);
    expect(await page.getByLabel('Number or SIP address').inputValue()).toBe('');
    expect(problems).toEqual([]);
    await page.close();
  });
});
