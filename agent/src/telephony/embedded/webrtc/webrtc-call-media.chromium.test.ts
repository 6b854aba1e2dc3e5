/**
 * Headless Chromium (Debian's, driven by playwright-core) ↔ WebRtcCallMedia, SDP exchanged directly
 * (no SIP). Runs inside a loopback-only network namespace: from the host this file re-runs itself
 * under `ip netns exec` (see testing/netns.ts); inside, the real test runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../time/clock.js';
import { rms } from '../../../audio/pcm.js';
import { launchChromiumContext } from '../../../testing/chromium.js';
import { FrameTicker } from '../media/frame-ticker.js';
import { IN_NETNS, runFileInLoopbackNetns } from '../../../testing/loopback-netns.js';
import { recordMediaEvents } from '../testing/media-events.js';
import { ForkRecorder, tone } from './testing/fork-recorder.js';
import { WebRtcCallMedia } from './webrtc-call-media.js';

const THIS_FILE = fileURLToPath(import.meta.url);

describe.runIf(!IN_NETNS)('WebRTC media with Chromium (host side)', () => {
  it('re-runs this file inside a network namespace with only lo, and it passes there', async () => {
    const run = await runFileInLoopbackNetns(THIS_FILE, 150_000);
    if (run.status !== 0) console.error(run.output);
    else console.log(run.output.match(/^webrtc: .*$/m)?.[0] ?? '');
    expect(run.output).toMatch(/Tests\s+\d+ passed/);
    expect(run.status).toBe(0);
  }, 160_000);
});

const PAGE = `<!doctype html><meta charset="utf-8"><title>webrtc probe</title><script>
window.startCall = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const pc = new RTCPeerConnection({ iceServers: [] });
  window.pc = pc;
  const tx = pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendrecv', streams: [stream] });
  window.dtmf = tx.sender.dtmf;
  pc.ontrack = (e) => {
    const remote = new MediaStream([e.track]);
    const a = new Audio(); a.srcObject = remote; a.play().catch(() => {});
    const ctx = new AudioContext(); const an = ctx.createAnalyser(); an.fftSize = 2048;
    ctx.createMediaStreamSource(remote).connect(an); ctx.resume();
    const buf = new Float32Array(an.fftSize); window.peakRms = 0;
    setInterval(() => { an.getFloatTimeDomainData(buf); let s = 0; for (const v of buf) s += v * v; window.peakRms = Math.max(window.peakRms, Math.sqrt(s / buf.length)); }, 50);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 3000); });
  return pc.localDescription.sdp;
};
window.applyAnswer = (sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp });
window.reoffer = async (direction) => {
  window.pc.getTransceivers()[0].direction = direction;
  await window.pc.setLocalDescription(await window.pc.createOffer());
  return window.pc.localDescription.sdp;
};
window.inbound = async () => {
  const out = { packetsReceived: 0, totalAudioEnergy: 0, codec: '', peakRms: window.peakRms ?? 0 };
  (await window.pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') { out.packetsReceived = r.packetsReceived; out.totalAudioEnergy = r.totalAudioEnergy ?? 0; out.codecId = r.codecId; }
  });
  (await window.pc.getStats()).forEach((r) => { if (r.id === out.codecId) out.codec = r.mimeType; });
  return out;
};
</script>`;

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(IN_NETNS)('WebRTC media with Chromium (inside the namespace)', () => {
  let dir: string;
  let server: Server;
  let context: BrowserContext;
  let page: Page;
  let origin: string;

  beforeAll(async () => {
    const ifaces = Object.keys(networkInterfaces());
    expect(ifaces).toEqual(['lo']);
    dir = mkdtempSync(join(tmpdir(), 'sb-webrtc-'));
    const wav = join(dir, 'caller-48k.wav');
    execFileSync('espeak-ng', [
      '-w',
      join(dir, 'raw.wav'),
      'Hello, I would like to check the status of my order please',
    ]);
    execFileSync('sox', [join(dir, 'raw.wav'), '-r', '48000', '-c', '1', '-b', '16', wav]);
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
    await new Promise<void>((r) => server.listen(16010, '127.0.0.1', r));
    origin = 'http://127.0.0.1:16010';
    context = await launchChromiumContext(join(dir, 'profile'), wav);
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(origin);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers a Chromium offer and carries audio both ways, with DTMF from the browser', async () => {
    const ticker = new FrameTicker(systemClock);
    const agent = await ForkRecorder.listen(16011);
    const rec = recordMediaEvents(() => media);
    const { hangups, transfers } = rec;
    const media: WebRtcCallMedia = new WebRtcCallMedia({
      callId: 'chromium-1',
      host: '127.0.0.1',
      portRange: [23000, 23049],
      log: pino({ level: 'silent' }),
      ticker,
      events: rec.events,
      fork: { url: agent.url },
    });
    try {
      const offer: string = await page.evaluate('window.startCall()');
      expect(offer).toMatch(/UDP\/TLS\/RTP\/SAVPF/);
      const tOffer = Date.now();
      const result = await media.negotiateAsync(offer);
      const answerMs = Date.now() - tOffer;
      if (!result.ok) throw new Error(result.reason);
      expect(result.answer).toMatch(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (230[0-4]\d) typ host/);
      expect(result.answer).toMatch(/a=fingerprint:sha-256 /);
      expect(result.answer).toMatch(/a=rtpmap:0 PCMU\/8000/);
      expect(result.answer).not.toMatch(/stun:|typ srflx|typ relay/);
      await page.evaluate(`window.applyAnswer(${JSON.stringify(result.answer)})`);
      await media.start({ callId: 'chromium-1', from: 'sip:alice@127.0.0.1', to: 'sip:agent@127.0.0.1' });
      await until('fork metadata', () => agent.metadata, 5000);
      expect(agent.metadata).toMatchObject({
        callId: 'chromium-1',
        sampleRate: 8000,
        playbackSampleRate: 8000,
        codec: 'PCMU',
        source: 'embedded-webrtc',
      });
      // The agent answers ahead of real time, as it does; the media side paces it into the call.
      agent.sendAudio(tone(440, 6000));

      await until('first caller frame', () => (agent.callerFrames.length > 0 ? true : undefined), 15_000);
      const firstFrameMs = Date.now() - tOffer;
      // Caller → agent: the espeak speech arrives as PCM with real energy.
      const loud = await until(
        'speech from the browser',
        () => (agent.callerFrames.filter((f) => rms(f) > 300).length >= 25 ? true : undefined),
        15_000,
      );
      expect(loud).toBe(true);

      // Agent → caller: our 440 Hz tone plays in the page (inbound-rtp energy).
      let lastInbound: unknown;
      const inbound = await until(
        'agent audio in the browser',
        async () => {
          const s = (await page.evaluate('window.inbound()')) as {
            packetsReceived: number;
            totalAudioEnergy: number;
            peakRms: number;
            codec: string;
          };
          lastInbound = s;
          return s.packetsReceived > 50 && (s.totalAudioEnergy > 0.01 || s.peakRms > 0.05) ? s : undefined;
        },
        15_000,
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}: browser ${JSON.stringify(lastInbound)}, media ${JSON.stringify(media.stats())}`,
        );
      });
      expect(inbound.codec).toBe('audio/PCMU');

      // RFC 4733 from the browser's RTCDTMFSender reaches the agent as fork DTMF notices.
      await page.evaluate(`window.dtmf.insertDTMF('15#', 120, 70)`);
      const digits = await until(
        'DTMF digits',
        () => {
          const d = agent.notices.flatMap((n) => (n.type === 'dtmf' ? [n.digit] : []));
          return d.length >= 3 ? d : undefined;
        },
        10_000,
      );
      expect(digits).toEqual(['1', '5', '#']);

      // Hold and resume as sip.js does it: a re-offer with the transceiver sendonly, then sendrecv.
      const holdOffer = String(await page.evaluate(`window.reoffer('sendonly')`));
      const held = await media.negotiateAsync(holdOffer);
      if (!held.ok) throw new Error(held.reason);
      expect(held.answer).toMatch(/a=recvonly/);
      await page.evaluate(`window.applyAnswer(${JSON.stringify(held.answer)})`);
      const resumed = await media.negotiateAsync(String(await page.evaluate(`window.reoffer('sendrecv')`)));
      if (!resumed.ok) throw new Error(resumed.reason);
      expect(resumed.answer).toMatch(/a=sendrecv/);
      await page.evaluate(`window.applyAnswer(${JSON.stringify(resumed.answer)})`);
      const framesBefore = agent.callerFrames.length;
      await until(
        'caller audio after resume',
        () => (agent.callerFrames.length > framesBefore + 25 ? true : undefined),
        10_000,
      );

      const stats = media.stats();
      expect(stats.codec).toBe('PCMU');
      expect(stats.packetsReceived).toBeGreaterThan(50);
      expect(stats.packetsSent).toBeGreaterThan(50);
      expect(hangups).toEqual([]);
      agent.command({ type: 'transfer', target: 'sip:human@127.0.0.1' });
      await until('transfer request', () => (transfers.length ? true : undefined), 5000);
      expect(transfers).toEqual(['sip:human@127.0.0.1']);
      console.log(
        `webrtc: answer ${answerMs} ms after the offer, first caller frame on the fork ${firstFrameMs} ms; sent ${stats.packetsSent}, ` +
          `received ${stats.packetsReceived}, browser inbound ${inbound.packetsReceived} packets`,
      );
    } finally {
      media.stop('test done');
    }
    await until('fork closed', () => agent.closeCode, 5000);
    expect(agent.closeCode).toBe(1000);
    await agent.close();
  }, 60_000);

  it('refuses a plain RTP offer with 488 and a non-SDP body with 400', async () => {
    const media = new WebRtcCallMedia({
      callId: 'x',
      host: '127.0.0.1',
      portRange: [23050, 23099],
      log: pino({ level: 'silent' }),
      events: recordMediaEvents().events,
      fork: { url: 'ws://127.0.0.1:16012/fork' },
    });
    try {
      const plain =
        'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
      expect(await media.negotiateAsync(plain)).toMatchObject({ ok: false, status: 488 });
      expect(await media.negotiateAsync('hello')).toMatchObject({ ok: false, status: 400 });
      expect(media.negotiate(plain)).toMatchObject({ ok: false, status: 488 });
    } finally {
      media.stop('done');
    }
  });
});
