/**
 * Density: 50 concurrent calls on one shared 20 ms ticker, each playing agent audio to a loopback
 * RTP sink. Measures the pacer's send-time lateness (what issue 3 asks to report) and checks every
 * stream keeps its cadence. Bounds are generous for a loaded 2-core machine.
 */
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { systemClock } from '../../../time/clock.js';
import { createLogger } from '../../../log.js';
import { createCallMedia, type EmbeddedCallMediaHandle } from './call-media.js';
import { FrameTicker } from './frame-ticker.js';
import { createPortAllocator } from './port-allocator.js';
import { recordMediaEvents } from '../testing/media-events.js';

const CALLS = 50;
const SINK_PORT = 22460;
const log = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('pacer density', () => {
  it(`${CALLS} calls on one ticker: send lateness p99 bounded, every stream at 50 packets/s`, async () => {
    const sink = createSocket('udp4');
    const arrivals = new Map<number, number[]>();
    sink.on('message', (m) => {
      const ssrc = m.readUInt32BE(8);
      let list = arrivals.get(ssrc);
      if (!list) arrivals.set(ssrc, (list = []));
      list.push(performance.now());
    });
    await new Promise<void>((r) => sink.bind(SINK_PORT, '127.0.0.1', () => r()));
    cleanups.push(() => sink.close());

    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      handleProtocols: () => 'audio.drachtio.org',
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    // Each "agent" sends 4 s of audio as soon as the call connects, as a TTS would.
    wss.on('connection', (ws) => ws.send(Buffer.from(new Int16Array(32000).fill(3000).buffer)));
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/fork`;

    const ticker = new FrameTicker(systemClock);
    const ports = createPortAllocator({ min: 22200, max: 22399 });
    const offer = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${SINK_PORT} RTP/AVP 0\r\n`;
    const calls: EmbeddedCallMediaHandle[] = [];
    for (let i = 0; i < CALLS; i++) {
      const media = createCallMedia({
        callId: `d${i}`,
        localAddress: '127.0.0.1',
        ports,
        fork: { url },
        ticker,
        events: recordMediaEvents().events,
        log,
      });
      calls.push(media);
      cleanups.push(() => media.stop('over'));
      expect(media.negotiate(offer).ok).toBe(true);
    }
    await Promise.all(calls.map((c, i) => c.start({ callId: `d${i}`, from: 'a', to: 'b' })));
    await sleep(300);
    ticker.lateness.reset();
    const skippedBefore = ticker.skippedTicks;
    for (const list of arrivals.values()) list.length = 0;
    await sleep(2000);
    const s = ticker.lateness.stats();
    const rates = [...arrivals.values()].map((l) => l.length);
    const gaps = [...arrivals.values()].flatMap((l) => l.slice(1).map((t, i) => t - l[i]!));
    gaps.sort((a, b) => a - b);
    const gapP99 = gaps[Math.floor(gaps.length * 0.99)]!;
    console.log(
      `density ${CALLS} calls: send lateness p50 ${s.p50Ms.toFixed(2)} ms p99 ${s.p99Ms.toFixed(2)} ms max ${s.maxMs.toFixed(2)} ms ` +
        `(${s.count} sends); packets/stream in 2 s min ${Math.min(...rates)} max ${Math.max(...rates)}; ` +
        `inter-arrival p99 ${gapP99.toFixed(2)} ms`,
    );
    expect(arrivals.size).toBe(CALLS);
    // One shared ticker: every stream gets the same cadence (~100 packets in 2 s; fewer only if the
    // loop stalled past the catch-up window, and then for all streams alike).
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...rates)).toBeLessThanOrEqual(105);
    expect(Math.max(...rates) - Math.min(...rates)).toBeLessThanOrEqual(3);
    // Generous: other test workers share the 2 cores (load average ~10 was seen while measuring).
    expect(s.p50Ms).toBeLessThan(20);
    expect(s.p99Ms).toBeLessThan(120);
    expect(ticker.skippedTicks - skippedBefore).toBeLessThanOrEqual(20);
  });
});
