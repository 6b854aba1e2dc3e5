/**
 * Two web softphones (softphone/dist from the agent's /phone, each in its own Chromium context) register
 * as alice and bob with the agent's embedded registrar over ws://, and alice calls bob through the
 * gateway's user-to-user B2BUA: bob's page rings, bob answers, audio flows both ways (WebRTC on each
 * leg, the gateway relaying), alice hangs up and bob's call ends. Loopback-only network namespace, as
 * in softphone-calls-agent.chromium.test.ts.
 *
 * Ports (inside the namespace): HTTP 19081, SIP WS 19061, SIP UDP/TCP 19071, RTP 29750–29999.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureSoftphoneBuilt,
  startSoftphoneAgent,
  waitFor,
  writeMicrophoneWav,
  type SoftphoneAgent,
} from '../../src/testing/softphone-e2e.js';
import { launchChromium } from '../../src/testing/chromium.js';
import { IN_NETNS, runFileInLoopbackNetns } from '../../src/testing/loopback-netns.js';
import { screenshots } from '../../src/testing/page-audit.js';
import { openPhone, type PageRtpStats, type PhonePage } from '../../src/testing/softphone-page.js';
import { checkAxe, checkCallCardContrast } from './ui-checks.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const ALICE = { username: 'alice', password: 'alice-secret-2' };
const BOB = { username: 'bob', password: 'bob-secret-2' };
const API_TOKEN = 'e2e-api-token-0123456789';

describe.runIf(!IN_NETNS)('web softphone calls web softphone in Chromium (host side)', () => {
  it('re-runs this file inside a network namespace with only lo, and it passes there', async () => {
    await ensureSoftphoneBuilt();
    const run = await runFileInLoopbackNetns(THIS_FILE, 220_000);
    if (run.status !== 0) console.error(run.output);
    else for (const line of run.output.match(/^softphone-e2e: .*$/gm) ?? []) console.log(line);
    expect(run.timedOut).toBe(false);
    expect(run.output).toMatch(/Tests\s+\d+ passed/);
    expect(run.status).toBe(0);
  }, 240_000);
});

/** Inbound audio with energy on the page's (only) peer connection. */
function hearing(phone: PhonePage, minPackets: number): Promise<PageRtpStats> {
  return waitFor(
    'inbound audio with energy',
    async () => {
      const s = await phone.stats();
      return s.inPackets > minPackets && s.inEnergy > 0.001 ? s : undefined;
    },
    20_000,
  );
}

describe.runIf(IN_NETNS)('web softphone calls web softphone in Chromium (inside the namespace)', () => {
  let dir: string;
  let agent: SoftphoneAgent | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    expect(Object.keys(networkInterfaces())).toEqual(['lo']);
    dir = mkdtempSync(join(tmpdir(), 'sb-softphone-p2p-'));
    const wav = join(dir, 'microphone-48k.wav');
    writeMicrophoneWav(wav, 'Hi Bob, this is Alice calling about the quarterly report.', 500, 1000);
    agent = await startSoftphoneAgent({
      httpPort: 19081,
      sipWsPort: 19061,
      sipUdpPort: 19071,
      rtpPorts: '29750-29999',
      users: [ALICE, BOB],
      script: {},
      apiToken: API_TOKEN,
    });
    browser = await launchChromium(wav);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await agent?.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('alice calls bob: bob rings, answers, audio both ways, alice hangs up and bob’s call ends', async () => {
    const a = agent!;
    const alice = await openPhone(browser!, a.phoneUrl);
    const bob = await openPhone(browser!, a.phoneUrl);
    await alice.register({ user: ALICE.username, password: ALICE.password });

    // Bob mistypes his password: the embedded registrar answers 401, the phone retries once after
    // the back-off, then stops and says so instead of retrying forever.
    await bob.fillAccount({ user: BOB.username, password: 'not-bobs-password' });
    await waitFor(
      'Wrong password',
      async () =>
        (await bob.registration().textContent())?.trim().endsWith('Wrong password') ? 1 : undefined,
      15_000,
    );
    await bob.registration().click();
    const settings = bob.page.getByRole('dialog', { name: 'Settings' });
    await settings.getByText(/refused the user name or password/).waitFor();
    // Fix it by editing the account (the only field typed is the password).
    await settings.getByRole('button', { name: 'Edit account sip:bob@127.0.0.1' }).click();
    const edit = settings.getByRole('form', { name: 'Edit account' });
    expect(await edit.getByLabel('User name', { exact: true }).inputValue()).toBe('bob');
    await edit.getByLabel('Password', { exact: true }).fill(BOB.password);
    await edit.getByRole('button', { name: 'Save account' }).click();
    await waitFor(
      'bob Registered',
      async () => ((await bob.registration().textContent())?.trim().endsWith('Registered') ? 1 : undefined),
      15_000,
    );
    await settings.getByRole('button', { name: 'Close settings' }).click();
    expect(
      JSON.parse(
        ((await bob.page.evaluate('localStorage.getItem("switchboard.accounts")')) as string | null) ?? '[]',
      ),
    ).toEqual([expect.objectContaining({ sipUri: 'sip:bob@127.0.0.1', password: BOB.password })]);

    await alice.dial('bob');
    // Bob's page rings: an alert card with Answer/Decline; alice's page is still calling.
    const ringing = bob.page.getByRole('list', { name: 'Calls' }).getByRole('alert');
    await ringing.waitFor({ timeout: 15_000 });
    expect(await bob.callStatus()).toMatch(/^Incoming call/);
    expect(await ringing.textContent()).toMatch(/alice/);
    expect(await alice.callStatus()).toMatch(/^Calling/);
    expect(a.e2e.storedCalls()).toEqual([]); // not the agent
    // The caller's name on the ringing card is readable (it was 1.1:1), and nothing serious for axe.
    const minContrast = await checkCallCardContrast(bob);
    await checkAxe(bob, 'incoming call');
    await screenshots(bob.page, 'incoming-call');
    console.log(`softphone-e2e: lowest text contrast on the ringing card ${minContrast}:1`);

    const answeredAt = Date.now();
    await bob.callButton('Answer').click();
    for (const p of [alice, bob])
      await waitFor(
        'Connected',
        async () => ((await p.callStatus()).startsWith('Connected') ? 1 : undefined),
        15_000,
      );

    // Audio both ways: each page receives RTP that carries the other's (espeak) microphone.
    const firstAudio = (p: PhonePage) =>
      waitFor(
        'first inbound audio',
        async () => ((await p.stats()).inEnergy > 1e-6 ? Date.now() - answeredAt : undefined),
        15_000,
        20,
      );
    const [aliceFirstMs, bobFirstMs] = await Promise.all([firstAudio(alice), firstAudio(bob)]);
    const [atAlice, atBob] = await Promise.all([hearing(alice, 100), hearing(bob, 100)]);
    for (const s of [atAlice, atBob]) {
      expect(s.connectionState).toBe('connected');
      expect(s.outPackets).toBeGreaterThan(50);
      expect(s.remoteSdp).toMatch(/a=sendrecv/);
    }
    // Still flowing a second later (not a burst at set-up).
    const later = await waitFor(
      'more packets',
      async () => {
        const [x, y] = [await alice.stats(), await bob.stats()];
        return x.inPackets > atAlice.inPackets + 40 && y.inPackets > atBob.inPackets + 40
          ? [x, y]
          : undefined;
      },
      10_000,
    );
    expect(later[0]!.inEnergy).toBeGreaterThan(atAlice.inEnergy);
    expect(later[1]!.inEnergy).toBeGreaterThan(atBob.inEnergy);

    await alice.callButton('Hang up').click();
    for (const p of [alice, bob])
      await waitFor('call card gone', async () => ((await p.callStatus()) === '' ? 1 : undefined), 15_000);
    expect(alice.problems.concat(bob.problems).filter((p) => p.startsWith('pageerror'))).toEqual([]);
    // Bob's history keeps the answered call.
    await bob.page.getByRole('button', { name: /^Call back .*alice/ }).waitFor({ timeout: 5000 });

    console.log(
      `softphone-e2e: alice→bob: answer click → first audio at alice ${aliceFirstMs} ms, at bob ${bobFirstMs} ms; alice heard ${later[0]!.inPackets} packets ` +
        `(energy ${later[0]!.inEnergy.toFixed(3)}), bob heard ${later[1]!.inPackets} (energy ${later[1]!.inEnergy.toFixed(3)})`,
    );
  }, 120_000);

  it('with SWITCHBOARD_API_TOKEN set, the agent view says it needs the token; with the token in the account it is live', async () => {
    const a = agent!;
    const phone = await openPhone(browser!, a.phoneUrl);
    const form = phone.page.locator('.first-run form');
    // The agent told the page a token is needed: the agent section of the form is open for it.
    expect(await form.getByLabel('Agent API token').isVisible()).toBe(true);
    await phone.register({ user: ALICE.username, password: ALICE.password });
    await phone.dial('7000');
    const card = phone.page.locator('.agent-card');
    await card
      .getByRole('alert')
      .filter({ hasText: /needs an API token/ })
      .waitFor({ timeout: 20_000 });
    expect(await card.locator('.agent-state').textContent()).toMatch(/Not connected/);
    await phone.callButton('Hang up').click();
    await waitFor('call card gone', async () => ((await phone.callStatus()) === '' ? 1 : undefined), 15_000);

    await phone.page.getByRole('button', { name: 'Settings' }).click();
    const settings = phone.page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('button', { name: 'Edit account sip:alice@127.0.0.1' }).click();
    const edit = settings.getByRole('form', { name: 'Edit account' });
    // The agent needs a token and the account has none: the form opens that section by itself.
    await edit.getByLabel('Agent API token').fill(API_TOKEN);
    await edit.getByRole('button', { name: 'Save account' }).click();
    await settings.getByRole('button', { name: 'Close settings' }).click();
    await waitFor(
      'Registered again',
      async () =>
        /Registered$/.test((await phone.registration().textContent())?.trim() ?? '') ? 1 : undefined,
      15_000,
    );
    await phone.dial('7000');
    await waitFor(
      'the greeting in the agent view',
      async () => ((await phone.transcript()).includes('Agent: Hello.') ? 1 : undefined),
      20_000,
    );
    expect(await card.getByRole('alert').count()).toBe(0);
    await phone.callButton('Hang up').click();
    expect(phone.problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);
  }, 120_000);
});
