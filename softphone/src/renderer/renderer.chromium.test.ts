/**
 * Renderer smoke test: build with Vite, serve dist on 127.0.0.1, load it in Debian's Chromium
 * (playwright-core) inside a loopback-only network namespace; the dial pad works by mouse and
 * keyboard, an account starts registering over ws://, the Electron bridge is used when present,
 * and the page reports no CSP violations or console errors.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_NETNS, runFileInNetns } from './testing/netns.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const SOFTPHONE = fileURLToPath(new URL('../..', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

describe.runIf(!IN_NETNS)('renderer in Chromium (host side)', () => {
  it('re-runs this file inside a network namespace with only lo, and it passes there', () => {
    const run = runFileInNetns(THIS_FILE, 150_000);
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

  async function open(init?: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      // The account tests point at a port where nothing listens: the socket failing is the expected part.
      const expected =
        /WebSocket connection to 'ws:\/\/127\.0\.0\.1:16021|sip\.Transport \| WebSocket error occurred/;
      if (m.type() === 'error' && !expected.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.addInitScript(
      `document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation ' + e.violatedDirective + ' ' + e.blockedURI));`,
    );
    if (init) await page.addInitScript(init);
    await page.goto('http://127.0.0.1:16020/phone/');
    await page.getByRole('heading', { name: 'Switchboard Phone' }).waitFor({ timeout: 10_000 });
    return page;
  }

  it('dial pad works by mouse and keyboard, and the page has a CSP and no errors', async () => {
    const page = await open();
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toMatch(/script-src 'self'/);
    await page.getByRole('button', { name: 'Digit 1' }).click();
    await page.getByRole('button', { name: 'Digit 2' }).click();
    await page.getByRole('button', { name: 'Digit star' }).click();
    await page.locator('body').focus();
    await page.keyboard.press('4');
    await page.keyboard.press('#');
    const input = page.getByLabel('Number or SIP address');
    expect(await input.inputValue()).toBe('12*4#');
    await page.getByRole('button', { name: 'Delete last digit' }).click();
    expect(await input.inputValue()).toBe('12*4');
    expect(await page.getByRole('group', { name: 'Dial pad' }).getByRole('button').count()).toBe(12);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('adds an account that starts registering over ws:// and shows it is retrying when nothing answers', async () => {
    const page = await open();
    await page.locator('summary', { hasText: 'Add account' }).click();
    await page.getByLabel('WebSocket URL').fill('ws://127.0.0.1:16021');
    await page.getByLabel('SIP address', { exact: true }).fill('sip:100@127.0.0.1');
    await page.getByLabel('Password', { exact: true }).fill('pw');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByText(/Offline, retrying/).waitFor({ timeout: 15_000 });
    const stored = await page.evaluate(() => localStorage.getItem('switchboard.accounts'));
    expect(JSON.parse(stored ?? '[]')).toEqual([
      expect.objectContaining({ wsUrl: 'ws://127.0.0.1:16021', dtmfMode: 'rfc4733' }),
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('uses the Electron preload bridge when present (history, secrets, tray, click-to-call)', async () => {
    const bridge = `
      window.__calls = [];
      let dial;
      window.softphone = {
        platform: 'test',
        onDialRequest: (l) => { dial = l; return () => {}; },
        onResume: () => () => {},
        setTrayState: (s, d) => window.__calls.push(['tray', s]),
        notify: () => {},
        secrets: { get: async () => 'from-safe-storage', set: async (id, pw) => window.__calls.push(['secret', id, pw]), delete: async () => {} },
        history: { load: async () => [{ id: 'h1', accountId: 'a', direction: 'incoming', remoteUri: 'sip:9@x', startedAt: 0, durationMs: 61000, result: 'completed' }], save: async () => {} },
      };
      window.__dial = (t) => dial(t);`;
    const page = await open(bridge);
    await page.getByRole('button', { name: 'Call back sip:9@x' }).waitFor();
    await page.locator('summary', { hasText: 'Add account' }).click();
    await page.getByLabel('WebSocket URL').fill('ws://127.0.0.1:16021');
    await page.getByLabel('SIP address', { exact: true }).fill('sip:7@127.0.0.1');
    await page.getByLabel('Password', { exact: true }).fill('s3cret');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.evaluate(() => (window as unknown as { __dial(t: string): void }).__dial('sip:42@127.0.0.1'));
    const calls = (await page.evaluate(
      () => (window as unknown as { __calls: unknown[] }).__calls,
    )) as unknown[][];
    expect(calls).toContainEqual(['secret', expect.stringMatching(/^acct-/), 's3cret']);
    expect(calls.some((c) => c[0] === 'tray')).toBe(true);
    const stored = await page.evaluate(() => localStorage.getItem('switchboard.accounts') ?? '');
    expect(stored).not.toContain('s3cret');
    expect(await page.getByLabel('Number or SIP address').inputValue()).toBe('sip:42@127.0.0.1');
    expect(problems).toEqual([]);
    await page.close();
  });
});
