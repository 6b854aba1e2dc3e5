/**
 * The real web softphone (softphone/dist, served by the agent at /phone) in Debian's Chromium calls the
 * real agent: startAgent with the embedded gateway (SIP over ws:// with digest registration, WebRTC media
 * by werift), the conversation engine and the official provider SDKs against the protocol-faithful fakes.
 * Chromium's microphone is an espeak-ng WAV. Everything runs in a network namespace with only `lo`:
 * from the host this file re-runs itself under `ip netns exec`.
 *
 * Ports (inside the namespace): HTTP 19080, SIP WS 19060, SIP UDP/TCP 19070, RTP 29500–29749.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmMessages, rmsOf } from '../../src/testing/e2e-harness.js';
import {
  ensureSoftphoneBuilt,
  sleep,
  startSoftphoneAgent,
  waitFor,
  writeMicrophoneWav,
  type SoftphoneAgent,
} from '../../src/testing/softphone-e2e.js';
import { launchChromium } from '../../src/testing/chromium.js';
import { IN_NETNS, runFileInLoopbackNetns } from '../../src/testing/loopback-netns.js';
import { screenshots } from '../../src/testing/page-audit.js';
import { openPhone, type PhonePage } from '../../src/testing/softphone-page.js';
import { checkAxe, checkCallCardContrast, checkFocusSurvivesUpdates } from './ui-checks.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const SAID = 'Hello, I would like to check the status of my order please.';
const HEARD = 'I would like to check the status of my order';
const REPLY = 'Your order shipped yesterday.';
const ALICE = { username: 'alice', password: 'alice-secret-1' };

describe.runIf(!IN_NETNS)('web softphone calls the agent in Chromium (host side)', () => {
  it('re-runs this file inside a network namespace with only lo, and it passes there', async () => {
    await ensureSoftphoneBuilt();
    const run = await runFileInLoopbackNetns(THIS_FILE, 280_000);
    if (run.status !== 0) console.error(run.output);
    else for (const line of run.output.match(/^softphone-e2e: .*$/gm) ?? []) console.log(line);
    expect(run.timedOut).toBe(false);
    expect(run.output).toMatch(/Tests\s+\d+ passed/);
    expect(run.status).toBe(0);
  }, 300_000);
});

describe.runIf(IN_NETNS)('web softphone calls the agent in Chromium (inside the namespace)', () => {
  let dir: string;
  let agent: SoftphoneAgent | undefined;
  let browser: Browser | undefined;
  let mic: { speechMs: number; periodMs: number };

  beforeAll(async () => {
    expect(Object.keys(networkInterfaces())).toEqual(['lo']);
    dir = mkdtempSync(join(tmpdir(), 'sb-softphone-e2e-'));
    const wav = join(dir, 'microphone-48k.wav');
    // Silence first, so the greeting plays out before the caller talks (no barge-in) even on a slow machine.
    mic = writeMicrophoneWav(wav, SAID, 4000, 3000);
    agent = await startSoftphoneAgent({
      httpPort: 19080,
      sipWsPort: 19060,
      sipUdpPort: 19070,
      rtpPorts: '29500-29749',
      users: [ALICE, { username: 'bob', password: 'bob-secret-1' }],
      script: {
        deepgram: { utterances: [HEARD] },
        openai: { replies: [{ text: REPLY }], fallback: { text: 'Okay.' } },
      },
    });
    browser = await launchChromium(wav);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await agent?.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('first run: alice signs in with only user name and password, talks to the agent (speech both ways, agent view), mute, hold, DTMF, hang-up', async () => {
    const a = agent!;
    const phone = await openPhone(browser!, a.phoneUrl);
    await phone.page.setViewportSize({ width: 1280, height: 900 });
    // Served by the agent, the sign-in form carries the agent's own SIP WebSocket (its real port, from
    // /phone/config.json), its domain and its API; the user types nothing else.
    const form = phone.page.locator('.first-run form');
    expect(await form.getByLabel('WebSocket URL').inputValue()).toBe(a.wsUrl);
    expect(await form.getByLabel('SIP domain').inputValue()).toBe('127.0.0.1');
    expect(await form.getByLabel('Agent API URL').inputValue()).toBe(a.httpUrl);
    expect(await form.getByLabel('WebSocket URL').isVisible()).toBe(false); // folded away
    await checkAxe(phone, 'first run');
    await screenshots(phone.page, 'first-run');
    await phone.register({ user: ALICE.username, password: ALICE.password });
    expect(await phone.page.locator('.first-run').count()).toBe(0);
    expect(await a.e2e.getJson('/api/calls')).toMatchObject({ status: 200, body: { calls: [] } });

    // Dial 7000 and time the first agent audio in the browser (inbound RTP with energy; the greeting).
    await phone.dial('7000');
    const timing = await waitFor(
      'first agent audio in the browser',
      async () => {
        const t = await phone.timing();
        return t.firstAudioMs !== null ? t : undefined;
      },
      30_000,
    );
    // The first agent audio is the greeting, and it was not cut short by the caller.
    await waitFor(
      'greeting synthesised',
      () => (a.e2e.fakes.cartesia.contexts[0]?.done ? true : undefined),
      10_000,
    );
    expect(a.e2e.fakes.cartesia.contexts[0]!.texts.join('').trim()).toBe('Hello.');
    expect(a.e2e.fakes.cartesia.contexts[0]!.cancelled).toBe(false);
    const milestones = (await phone.marks())
      .filter((m) => m.ms !== null && m.ms <= timing.firstAudioMs!)
      .map((m) => `${m.what} ${m.ms}`)
      .join(', ');
    await waitFor(
      'Connected',
      async () => ((await phone.callStatus()).startsWith('Connected') ? 1 : undefined),
      10_000,
    );

    // Caller → agent: the fake STT hears the espeak speech (its energy detector, not a script).
    const stt = await waitFor(
      'speech at the fake STT',
      () => {
        const c = a.e2e.fakes.deepgram.connections.at(-1);
        return c && c.speechMs > 1000 ? c : undefined;
      },
      20_000,
    );
    expect(stt.sampleRate).toBeGreaterThanOrEqual(8000);

    // The live agent panel shows the user's transcript and the agent's reply.
    const lines = await waitFor(
      'the turn in the agent panel',
      async () => {
        const t = await phone.transcript();
        return t.some((l) => l === `You: ${HEARD}`) && t.some((l) => l === `Agent: ${REPLY}`) ? t : undefined;
      },
      30_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await diagnose(phone, a)}`);
    });
    expect(lines.indexOf(`You: ${HEARD}`)).toBeLessThan(lines.indexOf(`Agent: ${REPLY}`));
    // One entry per turn: the user's words appear once, in the same entry as the reply, with its
    // latency stages; the greeting is its own entry before it.
    await waitFor(
      'the turn latency',
      async () => ((await phone.page.getByLabel('Turn latency').count()) > 0 ? 1 : undefined),
      10_000,
    );
    const turns = await phone.turns();
    expect(turns.filter((t) => t.includes(HEARD))).toHaveLength(1);
    expect(lines.filter((l) => l === `You: ${HEARD}`)).toHaveLength(1);
    const asked = turns.find((t) => t.includes(HEARD))!;
    expect(asked).toContain(REPLY);
    expect(asked).toMatch(/Voice-to-voice \d+ ms/);
    expect(turns[0]).toMatch(/^Agent ?Hello\./);
    expect(await phone.page.locator('#agent-h').isVisible()).toBe(true);
    const agentBox = await phone.page.locator('.agent-card').boundingBox();
    expect(agentBox!.y).toBeLessThan(900); // above the fold at 1280×900
    expect(await phone.page.locator('.agent-card').textContent()).toMatch(/Line 1 · 7000/);

    await checkFocusSurvivesUpdates(phone);
    const minContrast = await checkCallCardContrast(phone);
    await checkAxe(phone, 'call with the agent view');
    await screenshots(phone.page, 'call-with-agent');

    // Agent → caller: the page's inbound RTP carries audio with energy.
    const inbound = await waitFor(
      'agent audio in the page',
      async () => {
        const s = await phone.stats();
        return s.inPackets > 150 && s.inEnergy > 0.001 ? s : undefined;
      },
      20_000,
    );
    expect(inbound.connectionState).toBe('connected');
    expect(inbound.outPackets).toBeGreaterThan(150);

    await checkMute(phone, a, mic.periodMs);
    await checkHoldAndResume(phone);

    // DTMF from the page's dial pad (RFC 4733 through RTCDTMFSender) reaches the conversation.
    const requestsBefore = a.e2e.fakes.openai.requests.length;
    for (const d of ['4', '2', 'pound']) await phone.page.getByRole('button', { name: `Digit ${d}` }).click();
    const dtmfRequest = await waitFor(
      'the digits in an LLM request',
      () =>
        a.e2e.fakes.openai.requests
          .slice(requestsBefore)
          .find((r) =>
            llmMessages(r.body).some((m) => m.role === 'user' && m.content.includes('[DTMF] 42#')),
          ),
      15_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await diagnose(phone, a)}`);
    });
    expect(dtmfRequest).toBeDefined();
    expect(await phone.page.getByLabel('Number or SIP address').inputValue()).toBe('');
    // The agent view shows the keys as keys (not a row of dashes).
    await phone.page.locator('.event.dtmf', { hasText: '4 2 #' }).waitFor({ timeout: 10_000 });

    // Hang up: BYE; the call record gets an end reason.
    await phone.callButton('Hang up').click();
    const ended = await waitFor(
      'the call record to end',
      async () => {
        const { body } = await a.e2e.getJson<{
          calls: { callId: string; from: string; to: string; endReason: string | null }[];
        }>('/api/calls');
        return body.calls[0]?.endReason ? body.calls : undefined;
      },
      15_000,
    );
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ from: 'alice', to: '7000', endReason: 'caller_hangup' });
    console.log(`softphone-e2e: call record end reason ${ended[0]!.endReason}`);
    await waitFor('call card gone', async () => ((await phone.callStatus()) === '' ? 1 : undefined), 10_000);
    // The panel saw the agent's end of the call and keeps the transcript on screen, with the record.
    await phone.page.locator('.agent-state', { hasText: /^Call ended$/ }).waitFor({ timeout: 10_000 });
    await phone.page
      .locator('.agent-summary', { hasText: /Call record: \d+ turns/ })
      .waitFor({ timeout: 10_000 })
      .catch(async (err: Error) => {
        throw new Error(
          `${err.message}: ${await phone.page.locator('.agent-card').textContent()} ${JSON.stringify(phone.problems)}`,
        );
      });
    expect(await phone.page.locator('.agent-summary').textContent()).toMatch(/ended: caller hangup/);
    expect(await phone.transcript()).toContain(`Agent: ${REPLY}`);
    expect((await phone.turns()).filter((t) => t.includes(HEARD))).toHaveLength(1);
    expect(phone.problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);

    console.log(
      `softphone-e2e: dial click → first agent audio in the browser ${Math.round(timing.firstAudioMs!)} ms ` +
        `(first inbound packet ${Math.round(timing.firstPacketMs ?? -1)} ms); fake STT heard ${stt.speechMs} ms of speech; ` +
        `browser inbound ${inbound.inPackets} packets, energy ${inbound.inEnergy.toFixed(4)}`,
    );
    console.log(`softphone-e2e: milestones (ms after the click): ${milestones}`);
    console.log(`softphone-e2e: lowest text contrast on the call card ${minContrast}:1 (light and dark)`);
  }, 150_000);
});

/** Mute: the sender track is disabled and the fake STT gets no speech energy for a whole microphone loop. */
async function checkMute(phone: PhonePage, a: SoftphoneAgent, periodMs: number): Promise<void> {
  const conn = () => a.e2e.fakes.deepgram.connections.at(-1)!;
  await phone.callButton('Mute').click();
  await phone.callButton('Unmute').waitFor({ timeout: 5000 });
  expect((await phone.stats()).senderEnabled).toBe(false);
  await sleep(400); // audio already on the wire
  // Frames captured before the track was disabled may still be counted by the media-source stats on a
  // loaded machine: wait (bounded) until its energy stops growing, then measure a whole loop.
  let settled = (await phone.stats()).micEnergy;
  await waitFor(
    'media-source energy to settle after mute',
    async () => {
      await sleep(300);
      const now = (await phone.stats()).micEnergy;
      const still = now === settled;
      settled = now;
      return still ? true : undefined;
    },
    5000,
  );
  const from = conn().samples;
  const speechBefore = conn().speechMs;
  const micBefore = (await phone.stats()).micEnergy;
  await sleep(periodMs + 500); // the looped file had speech in this window
  const to = conn().samples;
  const micAfter = (await phone.stats()).micEnergy;
  const muted = maxFrameRms(conn().audio().slice(from, to), conn().sampleRate);
  expect(to - from).toBeGreaterThan(conn().sampleRate * (periodMs / 1000) * 0.8); // silence still flows
  expect(muted).toBeLessThan(50);
  expect(conn().speechMs).toBe(speechBefore);
  expect(micAfter - micBefore).toBeLessThan(1e-6); // the page's own media-source stats agree
  await phone.callButton('Unmute').click();
  await phone.callButton('Mute').waitFor({ timeout: 5000 });
  expect((await phone.stats()).senderEnabled).toBe(true);
  const back = conn().samples;
  await waitFor(
    'speech energy after unmute',
    () => (maxFrameRms(conn().audio().slice(back), conn().sampleRate) > 500 ? true : undefined),
    periodMs + 5000,
  );
  await waitFor(
    'media-source energy after unmute',
    async () => ((await phone.stats()).micEnergy > micAfter + 1e-4 ? true : undefined),
    periodMs + 5000,
  );
  console.log(
    `softphone-e2e: mute: fake STT max frame RMS ${muted.toFixed(0)} over ${to - from} samples muted; ` +
      `media-source energy grew ${(micAfter - micBefore).toFixed(4)} while muted`,
  );
}

/** Hold: re-INVITE a=sendonly, the gateway answers recvonly and stops sending; resume brings audio back. */
async function checkHoldAndResume(phone: PhonePage): Promise<void> {
  await phone.callButton('Hold').click();
  await waitFor(
    'On hold',
    async () => ((await phone.callStatus()).startsWith('On hold') ? 1 : undefined),
    10_000,
  );
  const held = await phone.stats();
  expect(held.localSdp).toMatch(/a=sendonly/);
  expect(held.remoteSdp).toMatch(/a=(recvonly|inactive)/);
  await sleep(500);
  const p0 = (await phone.stats()).inPackets;
  await sleep(1500);
  const p1 = (await phone.stats()).inPackets;
  expect(p1 - p0).toBeLessThanOrEqual(2); // the gateway's media honours recvonly

  await phone.callButton('Resume').click();
  await waitFor(
    'Connected again',
    async () => ((await phone.callStatus()).startsWith('Connected') ? 1 : undefined),
    10_000,
  );
  const resumed = await phone.stats();
  expect(resumed.localSdp).toMatch(/a=sendrecv/);
  expect(resumed.remoteSdp).toMatch(/a=sendrecv/);
  await waitFor(
    'agent packets after resume',
    async () => ((await phone.stats()).inPackets > p1 + 50 ? true : undefined),
    10_000,
  );
  console.log(`softphone-e2e: hold: ${p1 - p0} packets in 1.5 s while held`);
}

function maxFrameRms(pcm: Int16Array, rate: number): number {
  const frame = rate / 50;
  let max = 0;
  for (let i = 0; i + frame <= pcm.length; i += frame) max = Math.max(max, rmsOf(pcm.subarray(i, i + frame)));
  return max;
}

async function diagnose(phone: PhonePage, a: SoftphoneAgent): Promise<string> {
  const panelHidden = await phone.page.locator('section.agent-card').isHidden();
  return JSON.stringify({
    panelHidden,
    agentState: await phone.page
      .locator('.agent-state')
      .textContent()
      .catch(() => null),
    transcript: await phone.transcript(),
    problems: phone.problems.slice(-10),
    finals: a.e2e.fakes.deepgram.connections.map((c) => c.finals),
    llmUser: a.e2e.fakes.openai.requests.map((r) => llmMessages(r.body).filter((m) => m.role === 'user')),
    status: await phone.page.locator('.app-status').textContent(),
    registration: await phone
      .registration()
      .textContent()
      .catch(() => null),
    dialError: await phone.page.locator('#dial-error').textContent(),
    callStatus: await phone.callStatus(),
    calls: a.e2e.storedCalls(),
  });
}
