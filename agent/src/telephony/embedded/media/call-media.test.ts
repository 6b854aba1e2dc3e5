/**
 * CallMedia end to end on loopback, without SIP: a sipp-style offer, RTP from a Node UDP socket
 * (the "caller"), and a real WebSocket server standing in for the agent's fork endpoint.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ManualClock } from '../../../time/clock.js';
import { decodeG711, encodeG711 } from '../../../audio/g711.js';
import { createLogger } from '../../../log.js';
import { createCallMedia, type EmbeddedCallMediaHandle } from './call-media.js';
import { FrameTicker } from './frame-ticker.js';
import { createPortAllocator } from './port-allocator.js';
import { encodeDtmfPayload, parseDtmfPayload } from './rtp-dtmf.js';
import { parseRtp, serializeRtp, type RtpPacket } from './rtp-packet.js';
import { recordMediaEvents } from '../testing/media-events.js';

const log = createLogger('silent');
const DECOY_PORT = 22450;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(pred: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function offer(port: number): string {
  return [
    'v=0',
    'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    '',
  ].join('\r\n');
}

async function udp(port = 0): Promise<{ sock: Socket; got: { at: number; pkt: RtpPacket }[]; port: number }> {
  const sock = createSocket('udp4');
  const got: { at: number; pkt: RtpPacket }[] = [];
  sock.on('message', (m) => got.push({ at: performance.now(), pkt: parseRtp(m) }));
  await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
  cleanups.push(() => sock.close());
  return { sock, got, port: sock.address().port };
}

async function agent() {
  const texts: string[] = [];
  const audio: Buffer[] = [];
  let resolveWs!: (ws: WebSocket) => void;
  const socket = new Promise<WebSocket>((r) => (resolveWs = r));
  const closeCode = new Promise<number>((r) => socket.then((ws) => ws.once('close', (c) => r(c))));
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: () => 'audio.drachtio.org',
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) => {
    ws.on('message', (d, bin) => (bin ? audio.push(d as Buffer) : texts.push((d as Buffer).toString())));
    resolveWs(ws);
  });
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  );
  return {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/fork`,
    texts,
    audio,
    socket,
    closeCode,
  };
}

function tone(samples: number, freq: number, amp: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) =>
    Math.round(amp * Math.sin((2 * Math.PI * freq * i) / 8000)),
  );
}

async function setup() {
  const server = await agent();
  const ports = createPortAllocator({ min: 22000, max: 22099 });
  const events = recordMediaEvents(() => media);
  const media: EmbeddedCallMediaHandle = createCallMedia({
    callId: 'e2e-1',
    localAddress: '127.0.0.1',
    ports,
    fork: { url: server.url, username: 'u', password: 'p' },
    events: events.events,
    log,
  });
  cleanups.push(() => media.stop('test over'));
  return { server, ports, events, media };
}

/** Send PCMU frames paced 20 ms from the caller socket; returns the PCM sent. */
async function sendCallerAudio(
  sock: Socket,
  to: number,
  frames: number,
  seq0: number,
  drop?: number,
): Promise<Int16Array> {
  const pcm = tone(frames * 160, 440, 8000);
  const start = performance.now();
  for (let i = 0; i < frames; i++) {
    if (i !== drop) {
      const payload = encodeG711('PCMU', pcm.subarray(i * 160, (i + 1) * 160));
      const pkt = serializeRtp(
        { payloadType: 0, sequence: seq0 + i, timestamp: 1000 + i * 160, ssrc: 0xcafe, marker: i === 0 },
        payload,
      );
      sock.send(pkt, to, '127.0.0.1');
    }
    await sleep(Math.max(0, start + (i + 1) * 20 - performance.now()));
  }
  return pcm;
}

function indexOfSequence(hay: Int16Array, needle: Int16Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe('createCallMedia end to end (loopback RTP + real fork WebSocket)', () => {
  it('caller RTP reaches the fork as decoded 20 ms PCM; agent PCM comes back as paced RTP to the real source', async () => {
    const { server, ports, media } = await setup();
    const decoy = await udp(DECOY_PORT);
    const caller = await udp();
    const res = media.negotiate(offer(DECOY_PORT));
    expect(res.ok).toBe(true);
    const ourPort = Number(/m=audio (\d+)/.exec(res.ok ? res.answer : '')![1]);
    expect(ourPort).toBeGreaterThanOrEqual(22000);
    expect(ourPort % 2).toBe(0);
    expect(ports.inUse).toBe(1);

    await media.start({ callId: 'e2e-1', from: '+15551230000', to: '7000' });
    await until(() => server.texts.length > 0, 1000, 'metadata');
    const meta = JSON.parse(server.texts[0]!);
    expect(meta).toMatchObject({
      callId: 'e2e-1',
      sampleRate: 8000,
      playbackSampleRate: 8000,
      codec: 'PCMU',
      source: 'embedded',
    });

    // Before the caller sends, silence goes to the SDP address. The caller sends from another port of the
    // SDP's address (NAT): it is learnt once it has sent a run of 3 in-sequence packets (its first two are
    // held back), and from then on agent audio goes to where its packets come from.
    await until(() => decoy.got.length > 0, 1000, 'RTP to the SDP address');
    const sent = await sendCallerAudio(caller.sock, ourPort, 50, 100);
    await until(() => server.audio.length >= 48, 2000, 'caller frames on the fork');
    expect(server.audio.every((b) => b.length === 320)).toBe(true);
    const forked = new Int16Array(Buffer.concat(server.audio).buffer.slice(0));
    const expected = decodeG711('PCMU', encodeG711('PCMU', sent));
    expect(indexOfSequence(forked, expected.subarray(320, 8000 - 480))).toBeGreaterThanOrEqual(0);
    expect(media.rtpSession?.latchedSource).toEqual({ address: '127.0.0.1', port: caller.port });

    const decoyCount = decoy.got.length;
    const ws = await server.socket;
    const agentPcm = tone(8000, 1000, 6000);
    const talkStart = caller.got.length;
    ws.send(Buffer.from(agentPcm.buffer));
    await until(
      () => caller.got.filter((g) => !g.pkt.payload.every((b) => b === 0xff)).length >= 50,
      3000,
      'agent audio as RTP',
    );
    await sleep(60);
    expect(decoy.got.length).toBe(decoyCount);
    const pkts = caller.got.slice(talkStart);
    const talk = pkts.filter((g) => !g.pkt.payload.every((b) => b === 0xff));
    expect(talk).toHaveLength(50);
    expect(talk[0]!.pkt.marker).toBe(true);
    expect(talk.slice(1).some((g) => g.pkt.marker)).toBe(false);
    const decoded = new Int16Array(talk.flatMap((g) => [...decodeG711('PCMU', g.pkt.payload)]));
    expect(decoded).toEqual(decodeG711('PCMU', encodeG711('PCMU', agentPcm)));
    for (let i = 1; i < pkts.length; i++) {
      expect((pkts[i]!.pkt.sequence - pkts[i - 1]!.pkt.sequence) & 0xffff).toBe(1);
      expect((pkts[i]!.pkt.timestamp - pkts[i - 1]!.pkt.timestamp) >>> 0).toBe(160);
      expect(pkts[i]!.pkt.ssrc).toBe(pkts[0]!.pkt.ssrc);
    }
    const span = talk[49]!.at - talk[0]!.at;
    expect(span).toBeGreaterThan(980 - 100);
    expect(span).toBeLessThan(980 + 250);

    const stats = media.stats();
    expect(stats).toMatchObject({ packetsReceived: 48, packetsLost: 0, bytesReceived: 7680, codec: 'PCMU' });
    expect(media.rtpSession?.dropped.source).toBe(2);
    expect(stats.packetsSent).toBeGreaterThanOrEqual(talkStart + 50);
    expect(stats.jitterMs).toBeLessThan(30);

    media.stop('caller_hangup');
    expect(await server.closeCode).toBe(1000);
    expect(ports.inUse).toBe(0);
    const rebind = await udp(ourPort);
    expect(rebind.port).toBe(ourPort);
  });

  it('RFC 4733 both ways, loss counted, notices and hangup reach the fork', async () => {
    const { server, media, events } = await setup();
    const caller = await udp();
    const res = media.negotiate(offer(caller.port));
    const ourPort = Number(/m=audio (\d+)/.exec(res.ok ? res.answer : '')![1]);
    await media.start({ callId: 'e2e-2', from: 'a', to: 'b' });
    await sendCallerAudio(caller.sock, ourPort, 10, 500, 4);
    // Digit 5: three progress packets then three end packets, all at one timestamp.
    for (let i = 0; i < 6; i++) {
      const payload = encodeDtmfPayload({
        event: 5,
        end: i >= 3,
        volume: 10,
        duration: Math.min(i + 1, 4) * 160,
      });
      caller.sock.send(
        serializeRtp(
          { payloadType: 101, sequence: 510 + i, timestamp: 9000, ssrc: 0xcafe, marker: i === 0 },
          payload,
        ),
        ourPort,
        '127.0.0.1',
      );
    }
    await until(() => server.texts.some((t) => t.includes('"dtmf"')), 2000, 'dtmf notice');
    expect(server.texts.filter((t) => t.includes('"dtmf"')).map((t) => JSON.parse(t))).toEqual([
      { type: 'dtmf', data: { digit: '5', durationMs: 80 } },
    ]);
    expect(media.stats()).toMatchObject({ packetsReceived: 15, packetsLost: 1 });

    const ws = await server.socket;
    ws.send(JSON.stringify({ type: 'json', data: { action: 'sendDtmf', digits: '#' } }));
    await until(
      () =>
        caller.got.filter((g) => g.pkt.payloadType === 101 && parseDtmfPayload(g.pkt.payload)!.end).length ===
        3,
      2000,
      'dtmf out',
    );
    const dtmf = caller.got.filter((g) => g.pkt.payloadType === 101);
    expect(new Set(dtmf.map((g) => parseDtmfPayload(g.pkt.payload)!.event))).toEqual(new Set([11]));
    expect(new Set(dtmf.map((g) => g.pkt.timestamp)).size).toBe(1);

    ws.send(JSON.stringify({ type: 'transfer', data: { target: 'sip:desk@example.com' } }));
    await until(() => events.transfers.length === 1);
    media.notify({ type: 'transferResult', ok: false, status: 486, reason: 'Busy Here' });
    await until(() => server.texts.some((t) => t.includes('transferResult')));
    ws.close(1000);
    await until(() => events.hangups.length === 1);
    expect(events.hangups).toEqual(['fork_closed']);
  });

  it('re-INVITE to hold: recvonly answer, no RTP sent; resume sends again with the same SSRC', async () => {
    const { media } = await setup();
    const caller = await udp();
    const first = media.negotiate(offer(caller.port));
    await media.start({ callId: 'e2e-3', from: 'a', to: 'b' });
    await until(() => caller.got.length >= 3);
    const hold = media.negotiate(
      offer(caller.port).replace('a=fmtp:101 0-15', 'a=fmtp:101 0-15\r\na=sendonly'),
    );
    expect(hold.ok && hold.answer).toMatch(/a=recvonly/);
    expect(hold.ok && hold.answer).toMatch(/^o=- \d+ 2 /m);
    await sleep(30);
    const held = caller.got.length;
    await sleep(150);
    expect(caller.got.length).toBe(held);
    const resume = media.negotiate(offer(caller.port));
    expect(resume.ok && resume.answer).toMatch(/a=sendrecv/);
    expect(first.ok && resume.ok && /m=audio (\d+)/.exec(resume.answer)![1]).toBe(
      first.ok && /m=audio (\d+)/.exec(first.answer)![1],
    );
    await until(() => caller.got.length > held + 3);
    expect(new Set(caller.got.map((g) => g.pkt.ssrc)).size).toBe(1);
  });

  it('RTP inactivity: a caller silent for rtpTimeoutMs ends the media (media_timeout); hold pauses the watchdog', async () => {
    const server = await agent();
    const clock = new ManualClock();
    const rec = recordMediaEvents();
    const hangups = rec.ended;
    const media = createCallMedia({
      callId: 'rtp-timeout',
      localAddress: '127.0.0.1',
      // Not call-media.density.test.ts's 22200–22399: test files run in parallel.
      ports: createPortAllocator({ min: 22150, max: 22159 }),
      fork: { url: server.url },
      events: rec.events,
      log,
      clock,
      ticker: new FrameTicker(clock),
      rtpTimeoutMs: 60_000,
    });
    cleanups.push(() => media.stop('test over'));
    const caller = await udp();
    const res = media.negotiate(offer(caller.port));
    const ourPort = Number(/m=audio (\d+)/.exec(res.ok ? res.answer : '')![1]);
    await media.start({ callId: 'rtp-timeout', from: 'a', to: 'b' });
    let seq = 1;
    const packet = async () => {
      const before = media.stats().packetsReceived;
      const pkt = serializeRtp(
        { payloadType: 0, sequence: seq++, timestamp: seq * 160, ssrc: 5 },
        new Uint8Array(160),
      );
      caller.sock.send(pkt, ourPort, '127.0.0.1');
      await until(() => media.stats().packetsReceived > before, 1000, 'packet received');
    };
    await packet();
    clock.advance(59_000);
    await packet(); // a packet pushes the deadline back
    clock.advance(59_999);
    expect(hangups).toEqual([]);
    // On hold (the caller's re-INVITE says sendonly): silence is expected, however long.
    media.negotiate(offer(caller.port).replace('a=fmtp:101 0-15', 'a=fmtp:101 0-15\r\na=sendonly'));
    clock.advance(600_000);
    expect(hangups).toEqual([]);
    // Resumed: the wait starts again, and a caller who then sends nothing is gone.
    media.negotiate(offer(caller.port));
    clock.advance(59_999);
    expect(hangups).toEqual([]);
    clock.advance(1);
    expect(hangups).toEqual(['media_timeout']);
  });

  it('refuses a WebRTC offer with 488 and frees the port; start fails if the fork refuses', async () => {
    const { media, ports } = await setup();
    const res = media.negotiate(
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n',
    );
    expect(res).toMatchObject({ ok: false, status: 488 });
    expect(ports.inUse).toBe(0);
    const bad = createCallMedia({
      callId: 'x',
      localAddress: '127.0.0.1',
      ports,
      fork: { url: 'ws://127.0.0.1:1/fork' },
      events: recordMediaEvents().events,
      log,
    });
    cleanups.push(() => bad.stop('over'));
    expect(bad.negotiate(offer(22452)).ok).toBe(true);
    await expect(bad.start({ callId: 'x', from: 'a', to: 'b' })).rejects.toMatchObject({
      code: 'fork_connect_failed',
    });
  });

  it('answers 503 when the port range is exhausted', async () => {
    const server = await agent();
    const ports = createPortAllocator({ min: 22100, max: 22101 });
    const mk = () =>
      createCallMedia({
        callId: 'p',
        localAddress: '127.0.0.1',
        ports,
        fork: { url: server.url },
        events: recordMediaEvents().events,
        log,
      });
    const a = mk();
    cleanups.push(() => a.stop('over'));
    expect(a.negotiate(offer(22454)).ok).toBe(true);
    expect(mk().negotiate(offer(22454))).toMatchObject({ ok: false, status: 503 });
  });
});

describe('sdpAddress', () => {
  it('never puts a wildcard bind address into the SDP', async () => {
    const { sdpAddress } = await import('./call-media.js');
    expect(sdpAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(sdpAddress('0.0.0.0', '203.0.113.5')).toBe('203.0.113.5');
    expect(sdpAddress('0.0.0.0')).not.toBe('0.0.0.0');
    expect(sdpAddress('::')).not.toBe('::');
  });
});
