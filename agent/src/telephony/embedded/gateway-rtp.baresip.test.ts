/**
 * Interop: plain RTP with a real peer. baresip (baresip-core 1.0, libre's RTP/RTCP) calls the gateway
 * with real media (createCallMedia) and a minimal fork agent that counts the audio frames it gets.
 * RTCP (RFC 3550 §6): both sides report; the round-trip time we compute exists only if baresip echoed
 * our SR's NTP time as LSR, and baresip's own stats count our reports (`pkt.report`); once on port+1,
 * once with rtcp-mux. ptime: baresip offers and sends 30 or 40 ms packets; we send that size back and
 * the agent still gets 20 ms frames.
 * Gateway SIP 15180–15186 (even), RTP 23600–23679; baresip SIP 15170–15176 (even; +1 is its TLS), RTP 28600–28679.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { encodeWav } from '../../audio/wav.js';
import { createLogger } from '../../log.js';
import { systemClock } from '../../time/clock.js';
import { runBaresip, writeBaresipConfig } from '../../testing/baresip.js';
import type { MediaStats } from './media-types.js';
import { embeddedMediaFactory } from './start.js';
import { LOOPBACK_TRUNK, startGateway, testProfiles } from './testing/gateway-harness.js';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A fork endpoint that takes the call and counts the binary audio frames by size. */
async function forkAgent(): Promise<{ url: string; frameBytes: Map<number, number> }> {
  const frameBytes = new Map<number, number>();
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: () => 'audio.drachtio.org',
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) =>
    ws.on('message', (d: Buffer, binary) => {
      if (binary) frameBytes.set(d.length, (frameBytes.get(d.length) ?? 0) + 1);
    }),
  );
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  );
  return { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/fork`, frameBytes };
}

/** One baresip call of `seconds` to a gateway on `sipPort`; returns our media's stats at hang-up and baresip's output. */
async function call(o: {
  sipPort: number;
  rtpPorts: { min: number; max: number };
  baresipPort: number;
  baresipRtp: string;
  rtcpMux?: boolean;
  ptime?: number;
  seconds: number;
}): Promise<{ stats: MediaStats; out: string; frameBytes: Map<number, number> }> {
  const log = createLogger(process.env.SIP_TEST_LOG ?? 'silent');
  const agent = await forkAgent();
  const create = embeddedMediaFactory({
    host: '127.0.0.1',
    rtpPorts: o.rtpPorts,
    fork: { url: agent.url, username: 'u', password: 'p' },
    log,
    clock: systemClock,
  });
  const media: Array<ReturnType<typeof create>> = [];
  const h = await startGateway({
    port: o.sipPort,
    ringMs: 0,
    profiles: testProfiles({ trunks: [LOOPBACK_TRUNK] }),
    createMedia: (...args) => {
      const m = create(...args);
      media.push(m);
      return m;
    },
  });
  cleanups.push(() => h.gateway.stop());
  const dir = mkdtempSync(join(tmpdir(), 'baresip-rtcp-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const extra: Array<[string, string]> = [['rtp_stats', 'yes']];
  if (o.rtcpMux) extra.push(['rtcp_mux', 'yes']);
  writeBaresipConfig({
    dir,
    sipListen: `127.0.0.1:${o.baresipPort}`,
    rtpPorts: o.baresipRtp,
    extra,
    ...(o.ptime ? { accountParams: `;ptime=${o.ptime}` } : {}),
  });
  const tone = Int16Array.from({ length: 8000 * (o.seconds + 5) }, (_, i) => 3000 * Math.sin(i / 5));
  writeFileSync(join(dir, 'mic.wav'), encodeWav({ sampleRate: 8000, samples: tone }));
  let child: ChildProcess | undefined;
  cleanups.push(() => child?.exitCode === null && child.kill('SIGKILL'));
  // Our stats just before baresip hangs up (stop() would end the reports).
  let stats: MediaStats | undefined;
  const sampler = setInterval(() => {
    if (media[0]) stats = media[0].stats();
  }, 200);
  const run = await runBaresip(dir, `sip:7000@127.0.0.1:${o.sipPort}`, o.seconds, (c) => (child = c));
  clearInterval(sampler);
  expect(run.out).toMatch(/Call established/);
  expect(stats, run.out).toBeDefined();
  return { stats: stats!, out: run.out, frameBytes: agent.frameBytes };
}

describe('RTCP with baresip (a real RTP peer)', () => {
  it.concurrent.each([
    { rtcpMux: false, sipPort: 15180, rtp: { min: 23600, max: 23619 }, bPort: 15170, bRtp: '28600-28619' },
    { rtcpMux: true, sipPort: 15182, rtp: { min: 23620, max: 23639 }, bPort: 15172, bRtp: '28620-28639' },
  ])(
    'rtcp-mux $rtcpMux: both sides get the other reports; RTT from its echo of our SR',
    async (c) => {
      const { stats, out } = await call({
        sipPort: c.sipPort,
        rtpPorts: c.rtp,
        baresipPort: c.bPort,
        baresipRtp: c.bRtp,
        rtcpMux: c.rtcpMux,
        seconds: 13,
      });
      expect(stats.packetsReceived, out).toBeGreaterThan(300);
      expect(stats.rtcp?.reportsReceived, out).toBeGreaterThanOrEqual(1);
      expect(stats.rtcp?.reportsSent, out).toBeGreaterThanOrEqual(2);
      // Loopback: well under 100 ms, and only defined when baresip echoed our SR's middle NTP bits.
      expect(stats.rtcp?.rttMs, out).toBeGreaterThanOrEqual(0);
      expect(stats.rtcp?.rttMs, out).toBeLessThan(100);
      expect(stats.rtcp?.remotePacketsLost, out).toBe(0);
      // baresip's table: "pkt.report:  <ours about it>  <its about us>" once it has had our reports.
      const reports = /pkt\.report:\s+(\d+)\s+(\d+)/.exec(out);
      expect(reports, out).not.toBeNull();
      expect(Number(reports![1]) + Number(reports![2]), out).toBeGreaterThan(0);
      if (c.rtcpMux) expect(out).toMatch(/RTP\/RTCP multiplexing enabled/);
    },
    40_000,
  );
});

describe('ptime with baresip (RFC 4566 a=ptime)', () => {
  it.concurrent.each([
    { ptime: 30, sipPort: 15184, rtp: { min: 23640, max: 23659 }, bPort: 15174, bRtp: '28640-28659' },
    { ptime: 40, sipPort: 15186, rtp: { min: 23660, max: 23679 }, bPort: 15176, bRtp: '28660-28679' },
  ])(
    'baresip sends $ptime ms packets: we send $ptime ms back, the agent gets 20 ms frames',
    async (c) => {
      const { stats, out, frameBytes } = await call({
        sipPort: c.sipPort,
        rtpPorts: c.rtp,
        baresipPort: c.bPort,
        baresipRtp: c.bRtp,
        ptime: c.ptime,
        seconds: 5,
      });
      const bytes = c.ptime * 8; // G.711: 8 bytes per ms
      expect(stats.packetsReceived, out).toBeGreaterThan(50);
      expect(stats.bytesReceived / stats.packetsReceived, out).toBe(bytes); // baresip did send $ptime ms
      expect(stats.packetsSent, out).toBeGreaterThan(50);
      expect(stats.bytesSent / stats.packetsSent, out).toBe(bytes); // and so did we
      expect(stats.packetsLost, out).toBe(0);
      // The agent only ever saw 20 ms frames (320 bytes of 16-bit PCM at 8 kHz), as many as the audio.
      expect([...frameBytes.keys()], out).toEqual([320]);
      expect(frameBytes.get(320)! * 160, out).toBeGreaterThanOrEqual((stats.bytesReceived * 9) / 10);
      // baresip received our packets: its stats table counts them (Transmit, Receive).
      const rx = /packets:\s+(\d+)\s+(\d+)/.exec(out);
      expect(Number(rx?.[2]), out).toBeGreaterThan(50);
      expect(out).not.toMatch(/peer changed ptime/);
    },
    40_000,
  );
});
