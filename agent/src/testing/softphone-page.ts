/**
 * TEST-ONLY: the web softphone page in Debian's Chromium (launch it with ./chromium.js), driven
 * through its accessible controls. A probe injected before the page's own scripts records every
 * RTCPeerConnection the page makes, so tests read getStats() exactly as the page's calls see it, and
 * times the first agent audio after the Call button is clicked.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from './softphone-e2e.js';

/** What one RTCPeerConnection of the page reports (audio only). */
export interface PageRtpStats {
  connectionState: string;
  inPackets: number;
  inEnergy: number;
  inLevel: number;
  outPackets: number;
  micEnergy: number;
  micLevel: number;
  senderEnabled: boolean | null;
  localSdp: string;
  remoteSdp: string;
}

export interface DialTiming {
  clickAt: number | null;
  firstPacketMs: number | null;
  firstAudioMs: number | null;
}

/* The probe runs in the page (plain JS, injected before the app). Energy threshold: a 20 ms frame of
   audio at level 0.01 adds 2e-6, so anything above 1e-6 is more than digital silence. */
const PROBE = `(() => {
  const Orig = window.RTCPeerConnection;
  const pcs = [];
  const marks = [];
  const mark = (what) => marks.push({ what, at: performance.now() });
  class Probed extends Orig {
    constructor(...a) {
      super(...a);
      pcs.push(this);
      mark('pc' + pcs.length + ' created');
      this.addEventListener('signalingstatechange', () => mark('pc' + pcs.length + ' signaling ' + this.signalingState));
      this.addEventListener('icegatheringstatechange', () => mark('pc' + pcs.length + ' gathering ' + this.iceGatheringState));
      this.addEventListener('connectionstatechange', () => mark('pc' + pcs.length + ' connection ' + this.connectionState));
    }
  }
  window.RTCPeerConnection = Probed;
  const stats = async (i) => {
    const pc = pcs[i ?? pcs.length - 1];
    if (!pc) return null;
    const out = { connectionState: pc.connectionState, inPackets: 0, inEnergy: 0, inLevel: 0, outPackets: 0,
      micEnergy: 0, micLevel: 0, senderEnabled: null,
      localSdp: pc.localDescription ? pc.localDescription.sdp : '', remoteSdp: pc.remoteDescription ? pc.remoteDescription.sdp : '' };
    (await pc.getStats()).forEach((r) => {
      if (r.kind !== 'audio') return;
      if (r.type === 'inbound-rtp') { out.inPackets = r.packetsReceived || 0; out.inEnergy = r.totalAudioEnergy || 0; out.inLevel = r.audioLevel || 0; }
      if (r.type === 'outbound-rtp') out.outPackets = r.packetsSent || 0;
      if (r.type === 'media-source') { out.micEnergy = r.totalAudioEnergy || 0; out.micLevel = r.audioLevel || 0; }
    });
    const s = pc.getSenders().find((x) => x.track && x.track.kind === 'audio');
    out.senderEnabled = s ? s.track.enabled : null;
    return out;
  };
  const timing = { clickAt: null, firstPacketMs: null, firstAudioMs: null };
  document.addEventListener('click', (ev) => {
    const t = ev.target;
    if (!(t instanceof Element) || !t.closest('button.dial-call') || timing.clickAt !== null) return;
    timing.clickAt = performance.now();
    const started = pcs.length;
    const poll = setInterval(async () => {
      const now = performance.now() - timing.clickAt;
      if (now > 60000) return clearInterval(poll);
      if (pcs.length <= started) return;
      const s = await stats(pcs.length - 1);
      if (!s) return;
      if (s.inPackets > 0 && timing.firstPacketMs === null) timing.firstPacketMs = now;
      if (s.inPackets > 0 && s.inEnergy > 1e-6 && timing.firstAudioMs === null) { timing.firstAudioMs = now; clearInterval(poll); }
    }, 10);
  }, true);
  window.__sbProbe = { stats, timing, count: () => pcs.length,
    marks: () => marks.map((m) => ({ what: m.what, ms: timing.clickAt === null ? null : Math.round(m.at - timing.clickAt) })) };
})();`;

export interface PhonePage {
  page: Page;
  /** Console errors and page errors seen so far. */
  problems: string[];
  stats(index?: number): Promise<PageRtpStats>;
  timing(): Promise<DialTiming>;
  /** Peer connection milestones (created, signaling, gathering, connection states), ms after the Call click. */
  marks(): Promise<{ what: string; ms: number | null }[]>;
  /**
   * Add an account (the first-run form, or Settings → Add account) typing only the user name and the
   * password, plus the WebSocket URL when `wsUrl` is given, and wait until it shows Registered.
   */
  register(a: { user: string; password: string; wsUrl?: string }): Promise<void>;
  /** Fill and submit the account form that is open; does not wait for the outcome. */
  fillAccount(a: { user: string; password: string; wsUrl?: string }): Promise<void>;
  /** The registration chip of the top bar ("alice: Registered"). */
  registration(): ReturnType<Page['locator']>;
  /** Type a number and click Call. */
  dial(target: string): Promise<void>;
  /** The state line of the first call card (e.g. "Connected 0:03"), or '' when there is none. */
  callStatus(): Promise<string>;
  /** A button of the call card whose accessible name starts with `label` (Hold, Resume, Mute, Hang up, Answer). */
  callButton(label: string): ReturnType<Page['locator']>;
  /** Messages of the agent view, as shown ("You: …", "Agent: …"). */
  transcript(): Promise<string[]>;
  /** The agent view's entries (one per turn), their text. */
  turns(): Promise<string[]>;
}

/** A fresh context (own localStorage) with one page on the softphone. */
export async function openPhone(browser: Browser, phoneUrl: string): Promise<PhonePage> {
  const context: BrowserContext = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(PROBE);
  await page.goto(phoneUrl);
  await page.getByRole('heading', { name: 'Switchboard Phone' }).waitFor({ timeout: 20_000 });
  const calls = page.getByRole('list', { name: 'Calls' });
  const phone: PhonePage = {
    page,
    problems,
    async stats(index) {
      return waitFor(
        'a peer connection in the page',
        async () =>
          ((await page.evaluate(`window.__sbProbe.stats(${index ?? 'undefined'})`)) as PageRtpStats | null) ??
          undefined,
        10_000,
      );
    },
    timing: async () => (await page.evaluate('window.__sbProbe.timing')) as DialTiming,
    marks: async () =>
      (await page.evaluate('window.__sbProbe.marks()')) as { what: string; ms: number | null }[],
    async fillAccount(a) {
      const firstRun = page.locator('.first-run form');
      if (!(await firstRun.count())) {
        const settings = page.getByRole('dialog', { name: 'Settings' });
        if (!(await settings.isVisible())) await page.getByRole('button', { name: 'Settings' }).click();
        await settings.getByRole('button', { name: 'Add account' }).click();
      }
      const form = page.getByRole('form', { name: 'Add account' }).first();
      await form.getByLabel('User name', { exact: true }).fill(a.user);
      await form.getByLabel('Password', { exact: true }).fill(a.password);
      if (a.wsUrl) {
        const ws = form.getByLabel('WebSocket URL');
        if (!(await ws.isVisible())) await form.locator('summary', { hasText: 'Server' }).click();
        await ws.fill(a.wsUrl);
      }
      await form.getByRole('button', { name: /^(Sign in|Add account)$/ }).click();
    },
    registration: () => page.getByRole('list', { name: 'Registration' }).getByRole('button').first(),
    async register(a) {
      await phone.fillAccount(a);
      await waitFor(
        'Registered',
        async () =>
          /Registered$/.test((await phone.registration().textContent())?.trim() ?? '') ? 1 : undefined,
        20_000,
      );
      const settings = page.getByRole('dialog', { name: 'Settings' });
      if (await settings.isVisible()) await settings.getByRole('button', { name: 'Close settings' }).click();
    },
    async dial(target) {
      await page.getByLabel('Number or SIP address').fill(target);
      await page.getByRole('button', { name: 'Call', exact: true }).click();
    },
    async callStatus() {
      const status = calls.locator('li.call-card .status').first();
      return (await status.count()) ? ((await status.textContent()) ?? '').trim() : '';
    },
    callButton: (label) => calls.getByRole('button', { name: new RegExp(`^${label} `) }).first(),
    async transcript() {
      return page
        .getByRole('list', { name: 'Transcript' })
        .locator('.msg')
        .evaluateAll((els) =>
          els.map(
            (m) =>
              `${m.querySelector('.speaker')?.textContent?.trim() ?? ''}: ${m.querySelector('.words')?.textContent?.trim() ?? ''}`,
          ),
        );
    },
    async turns() {
      return page
        .getByRole('list', { name: 'Transcript' })
        .locator(':scope > li')
        .evaluateAll((lis) => lis.map((l) => (l.textContent ?? '').replace(/\s+/g, ' ').trim()));
    },
  };
  return phone;
}
