/**
 * TEST-ONLY: the caller's media, on the embedded gateway's RtpSession (G.711, RFC 4733): makes an
 * SDP offer, takes FreeSWITCH's answer, plays PCM as real-time 20 ms RTP, and records every frame
 * and digit it receives with the time it arrived.
 */
import type { Clock } from '../../../../../time/clock.js';
import { systemClock } from '../../../../../time/clock.js';
import { createLogger } from '../../../../../log.js';
import type { G711 } from '../../../../embedded/media-types.js';
import { FrameTicker } from '../../../../embedded/media/frame-ticker.js';
import { createPortAllocator } from '../../../../embedded/media/port-allocator.js';
import { FRAME_SAMPLES } from '../../../../embedded/media/rtp-sender.js';
import { RtpSession } from '../../../../embedded/media/rtp-session.js';
import type { NegotiatedAudio } from '../../../../embedded/media/sdp-answer.js';
import { attributeValues, parseSdp } from '../../../../embedded/media/sdp.js';

const ports = createPortAllocator({ min: 42000, max: 42999 });

export interface HeardFrame {
  at: number;
  pcm: Int16Array;
}

export class RtpCaller {
  readonly heard: HeardFrame[] = [];
  readonly digits: Array<{ digit: string; durationMs: number; at: number }> = [];
  private queue: Int16Array[] = [];
  private rtp!: RtpSession;
  readonly port: number;

  private constructor(
    port: number,
    readonly clock: Clock,
    readonly ticker: FrameTicker,
  ) {
    this.port = port;
  }

  static async open(clock: Clock = systemClock): Promise<RtpCaller> {
    const ticker = new FrameTicker(clock);
    for (let i = 0; i < 20; i++) {
      const port = ports.allocate();
      const c = new RtpCaller(port, clock, ticker);
      c.rtp = new RtpSession({
        port,
        bindAddress: '127.0.0.1',
        audio: {
          codec: 'PCMU',
          payloadType: 0,
          remoteAddress: '0.0.0.0',
          remotePort: 0,
          direction: 'inactive',
          send: false,
          receive: false,
        },
        clock,
        ticker,
        log: createLogger('silent'),
        pullOutbound: () => c.queue.shift(),
        onInboundFrame: (pcm) => c.heard.push({ at: clock.now(), pcm }),
        onDtmf: (d) => c.digits.push({ ...d, at: clock.now() }),
      });
      try {
        await c.rtp.bind();
        return c;
      } catch {
        c.rtp.stop();
        ports.markBusy(port);
      }
    }
    throw new Error('no RTP port for the test caller');
  }

  /** An offer with these payload types in this order, telephone-event/8000 at 101 unless `dtmf` is false. */
  offer(codecs: Array<G711 | 'G722'> = ['PCMU', 'PCMA'], dtmf = true): string {
    const pt = { PCMU: 0, PCMA: 8, G722: 9 } as const;
    const pts = codecs.map((c) => pt[c]);
    const lines = [
      'v=0',
      `o=caller 1 1 IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.port} RTP/AVP ${[...pts, ...(dtmf ? [101] : [])].join(' ')}`,
      ...codecs.map((c) => `a=rtpmap:${pt[c]} ${c}/8000`),
      ...(dtmf ? ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16'] : []),
      'a=ptime:20',
      'a=sendrecv',
    ];
    return lines.join('\r\n') + '\r\n';
  }

  /** FreeSWITCH's answer: where to send, which codec; starts the 20 ms cadence. */
  answered(sdp: string): NegotiatedAudio {
    const s = parseSdp(sdp);
    const m = s.media.find((x) => x.type === 'audio')!;
    const pt = Number(m.formats[0]);
    const te = attributeValues(m.attributes, 'rtpmap')
      .map((v) => /^(\d+) telephone-event\/8000/i.exec(v)?.[1])
      .find((x) => x !== undefined);
    const audio: NegotiatedAudio = {
      codec: pt === 8 ? 'PCMA' : 'PCMU',
      payloadType: pt,
      remoteAddress: (m.connection ?? s.connection)!.address,
      remotePort: m.port,
      direction: 'sendrecv',
      send: true,
      receive: true,
    };
    if (te !== undefined) audio.dtmfPayloadType = Number(te);
    this.rtp.update(audio);
    this.rtp.start();
    return audio;
  }

  /** Queue audio (8 kHz) to send, 20 ms per tick. */
  play(pcm: Int16Array): void {
    for (let i = 0; i < pcm.length; i += FRAME_SAMPLES) {
      const f = new Int16Array(FRAME_SAMPLES);
      f.set(pcm.subarray(i, i + FRAME_SAMPLES));
      this.queue.push(f);
    }
  }

  sendDtmf(digits: string, toneMs = 100): boolean {
    return this.rtp.sendDtmf(digits, { toneMs });
  }

  /** Received frames with any non-zero sample. */
  audible(since = 0): HeardFrame[] {
    return this.heard.filter((f) => f.at >= since && f.pcm.some((s) => s !== 0));
  }

  stats() {
    return this.rtp.stats();
  }

  stop(): void {
    this.rtp.stop();
    ports.release(this.port);
  }
}

/** A sine tone, 8 kHz. */
export function sine(ms: number, hz = 440, amplitude = 8000, rate = 8000): Int16Array {
  const n = Math.round((ms * rate) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}
