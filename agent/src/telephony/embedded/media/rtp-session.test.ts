/**
 * RtpSession on real loopback UDP (ports 23700–23703) with a manual clock driving its ticker:
 * comfort noise (RFC 3389) from the caller is not taken for speech, and hang-up sends RTCP BYE.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeG711 } from '../../../audio/g711.js';
import { createLogger } from '../../../log.js';
import { ManualClock } from '../../../time/clock.js';
import { FrameTicker } from './frame-ticker.js';
import { parseRtcp } from './rtcp-packet.js';
import { serializeRtp } from './rtp-packet.js';
import { RtpSession } from './rtp-session.js';
import { waitFor } from '../testing/sipp-runner.js';

const OUR_PORT = 23700;
const PEER_PORT = 23702;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function peer(port: number): Promise<{ sock: Socket; got: Buffer[] }> {
  const sock = createSocket('udp4');
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
  cleanups.push(() => sock.close());
  return { sock, got };
}

describe('RtpSession', () => {
  it('caller comfort noise (PT 13) reaches the agent as silence, never as audio; hang-up sends RTCP BYE', async () => {
    const clock = new ManualClock();
    const frames: Int16Array[] = [];
    const rtp = new RtpSession({
      port: OUR_PORT,
      bindAddress: '127.0.0.1',
      audio: {
        codec: 'PCMU',
        payloadType: 0,
        remoteAddress: '127.0.0.1',
        remotePort: PEER_PORT,
        direction: 'sendrecv',
        send: true,
        receive: true,
      },
      clock,
      ticker: new FrameTicker(clock),
      log: createLogger('silent'),
      pullOutbound: () => undefined,
      onInboundFrame: (pcm) => frames.push(pcm),
      onDtmf: () => undefined,
    });
    cleanups.push(() => rtp.stop());
    await rtp.bind();
    rtp.start();
    const caller = await peer(PEER_PORT);
    const callerRtcp = await peer(PEER_PORT + 1);
    const loud = encodeG711(
      'PCMU',
      Int16Array.from({ length: 160 }, (_, i) => 8000 * Math.sin(i / 3)),
    );
    const noise = Uint8Array.of(40); // RFC 3389 SID: noise level only
    // 5 packets of speech, 10 of comfort noise (as a DTX phone sends at its silence), 5 of speech.
    const kinds = [...Array<number>(5).fill(0), ...Array<number>(10).fill(13), ...Array<number>(5).fill(0)];
    for (const [i, pt] of kinds.entries()) {
      const payload = pt === 0 ? loud : noise;
      caller.sock.send(
        serializeRtp({ payloadType: pt, sequence: 1000 + i, timestamp: i * 160, ssrc: 7 }, payload),
        OUR_PORT,
        '127.0.0.1',
      );
      await waitFor(() => rtp.stats().packetsReceived === i + 1);
      clock.advance(20);
    }
    const speech = frames.filter((f) => f.some((v) => Math.abs(v) > 1000)).length;
    expect(speech).toBe(10);
    expect(frames.length).toBeGreaterThan(speech); // the comfort-noise time was filled with silence
    const quiet = frames.filter((f) => !f.some((v) => Math.abs(v) > 1000));
    expect(quiet.every((f) => f.every((v) => v === 0))).toBe(true); // pure silence, not decoded noise
    expect(rtp.stats().packetsLost).toBe(0);

    rtp.stop('hangup');
    await waitFor(() => callerRtcp.got.length > 0);
    const bye = parseRtcp(callerRtcp.got.at(-1)!);
    expect(bye.map((p) => p.type)).toEqual(['sr', 'sdes', 'bye']);
    expect(bye.at(-1)).toEqual({ type: 'bye', ssrcs: [rtp.ssrc], reason: 'hangup' });
  });
});
