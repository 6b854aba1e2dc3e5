/**
 * Interop: RTCP (RFC 3550 §6) with a real peer. baresip (baresip-core 1.0, libre's RTCP) calls the
 * gateway with real plain-RTP media (createCallMedia) and a minimal fork agent. Both sides report;
 * the round-trip time we compute exists only if baresip echoed our SR's NTP time as LSR, and
 * baresip's own stats count our reports (`pkt.report`). Once on port+1, once with rtcp-mux.
 * Gateway SIP 15180/15182, RTP 23600–23639; baresip SIP 15185/15188 (+1 for its TLS), RTP 28600–28639.
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

async function forkAgent(): Promise<string> {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: () => 'audio.drachtio.org',
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  );
  return `ws://127.0.0.1:${(wss.address() as { port: number }).port}/fork`;
}

/** One baresip call of `seconds` to a gateway on `sipPort`; returns our media's stats at hang-up and baresip's output. */
async function call(o: {
  sipPort: number;
  rtpPorts: { min: number; max: number };
  baresipPort: number;
  baresipRtp: string;
  rtcpMux: boolean;
  seconds: number;
}): Promise<{ stats: MediaStats; out: string }> {
  const log = createLogger(process.env.SIP_TEST_LOG ?? 'silent');
  const create = embeddedMediaFactory({
    host: '127.0.0.1',
    rtpPorts: o.rtpPorts,
    fork: { url: await forkAgent(), username: 'u', password: 'p' },
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
  const extra: Array<[string, string]> = [
    ['rtp_stats', 'yes'],
    ['net_interface', '127.0.0.1'],
  ];
  if (o.rtcpMux) extra.push(['rtcp_mux', 'yes']);
  writeBaresipConfig({ dir, sipListen: `127.0.0.1:${o.baresipPort}`, rtpPorts: o.baresipRtp, extra });
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
  return { stats: stats!, out: run.out };
}

describe('RTCP with baresip (a real RTP peer)', () => {
  it.concurrent.each([
    { rtcpMux: false, sipPort: 15180, rtp: { min: 23600, max: 23619 }, bPort: 15185, bRtp: '28600-28619' },
    { rtcpMux: true, sipPort: 15182, rtp: { min: 23620, max: 23639 }, bPort: 15188, bRtp: '28620-28639' },
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
