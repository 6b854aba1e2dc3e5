/**
 * TEST-ONLY: the caller's RTP end of a SIP call, on a Node UDP socket the test controls. It records
 * every packet the agent sends (decoded G.711), and plays caller audio as paced 20 ms PCMU packets.
 * Symmetric RTP: it answers to wherever the agent's packets come from (the agent sends from its
 * media port as soon as the call is answered).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { decodeG711, encodeG711 } from '../../src/audio/g711.js';
import { concatPcm } from '../../src/audio/pcm.js';
import { DtmfReceiver, planDtmf } from '../../src/telephony/embedded/media/rtp-dtmf.js';
import { parseRtp, serializeRtp } from '../../src/telephony/embedded/media/rtp-packet.js';

const FRAME = 160;

export class RtpPeer {
  readonly received: { at: number; payloadType: number; pcm: Int16Array }[] = [];
  remote: { address: string; port: number } | undefined;
  /** RFC 4733 digits the agent sent (telephone-event, PT 101), each once. */
  readonly dtmfReceived: string[] = [];
  private readonly dtmf = new DtmfReceiver();
  private seq = Math.floor(Math.random() * 1000);
  private ts = Math.floor(Math.random() * 100_000);
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg, rinfo) => this.onPacket(msg, rinfo));
  }

  static async open(): Promise<RtpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new RtpPeer(socket, socket.address().port);
  }

  private onPacket(msg: Buffer, rinfo: RemoteInfo): void {
    let p;
    try {
      p = parseRtp(msg);
    } catch {
      return;
    }
    this.remote ??= { address: rinfo.address, port: rinfo.port };
    if (p.payloadType === 101) {
      for (const d of this.dtmf.receive(p.timestamp, p.payload)) this.dtmfReceived.push(d.digit);
      return;
    }
    if (p.payloadType === 0 || p.payloadType === 8) {
      this.received.push({
        at: performance.now(),
        payloadType: p.payloadType,
        pcm: Int16Array.from(decodeG711(p.payloadType === 0 ? 'PCMU' : 'PCMA', p.payload)),
      });
    }
  }

  /** Everything the agent sent, decoded. */
  receivedPcm(): Int16Array {
    return concatPcm(this.received.map((r) => r.pcm));
  }

  /** Play 8 kHz PCM as PCMU (PT 0, or PCMA PT 8) in real-time paced 20 ms packets to the agent's media address. */
  async play(pcm: Int16Array, codec: 'PCMU' | 'PCMA' = 'PCMU'): Promise<void> {
    const remote = this.remote;
    if (!remote) throw new Error('rtp peer: no packet from the agent yet, so no address to send to');
    const start = performance.now();
    for (let i = 0, n = 0; i < pcm.length; i += FRAME, n++) {
      const frame = new Int16Array(FRAME);
      frame.set(pcm.subarray(i, i + FRAME));
      const packet = serializeRtp(
        {
          payloadType: codec === 'PCMU' ? 0 : 8,
          sequence: this.seq++ & 0xffff,
          timestamp: (this.ts += FRAME),
          ssrc: this.ssrc,
          marker: n === 0,
        },
        encodeG711(codec, frame),
      );
      this.socket.send(packet, remote.port, remote.address);
      const wait = start + (n + 1) * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Send RFC 4733 digits (PT 101), paced at 20 ms, as a phone keypad does. */
  async sendDtmf(digits: string): Promise<void> {
    const remote = this.remote;
    if (!remote) throw new Error('rtp peer: no packet from the agent yet, so no address to send to');
    let eventTs = this.ts;
    for (const tick of planDtmf(digits, FRAME)) {
      if (tick.kind === 'event') {
        if (tick.start) eventTs = this.ts += FRAME;
        for (const pkt of tick.packets) {
          const packet = serializeRtp(
            {
              payloadType: 101,
              sequence: this.seq++ & 0xffff,
              timestamp: eventTs,
              ssrc: this.ssrc,
              marker: pkt.marker,
            },
            pkt.payload,
          );
          this.socket.send(packet, remote.port, remote.address);
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    this.ts += FRAME * 10;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
