/**
 * The caller's RTP side: one UDP socket per call, sends 20 ms PCMU frames when the shared ticker says
 * so, and records every packet received with its arrival time and voiced/unvoiced class.
 */
import { createSocket, type Socket } from 'node:dgram';
import { decodeRtp, encodeRtp } from './rtp-packet.js';
import { pacingErrors, rfc3550Jitter, sequenceLoss, type ArrivalSample, type LossCount } from './stats.js';
import { isVoiced } from './voiced.js';

export const PCMU_SILENCE = new Uint8Array(160).fill(0xff);

export interface ReceivedLog {
  at: number[];
  seq: number[];
  ts: number[];
  voiced: boolean[];
  payloadType: number[];
}

export interface MediaReport {
  packetsSent: number;
  packetsReceived: number;
  loss: LossCount;
  /** RFC 3550 interarrival jitter at the end of the call, ms. */
  jitterMs: number;
  /** |arrival gap − 20 ms| of every consecutive pair received. */
  pacingErrorsMs: number[];
}

/** Binds the first free even port in [min, max], starting at a rotating offset. */
export class PortPool {
  private next: number;
  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    this.next = min + (min % 2);
  }

  async bind(host: string): Promise<Socket> {
    const span = Math.floor((this.max - this.min) / 2) + 1;
    for (let i = 0; i < span; i++) {
      const port = this.next;
      this.next = this.next + 2 > this.max ? this.min + (this.min % 2) : this.next + 2;
      const socket = createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        socket.once('error', () => resolve(false));
        socket.bind(port, host, () => resolve(true));
      });
      if (ok) return socket;
      socket.close();
    }
    throw new Error(`no free UDP port in ${this.min}-${this.max}`);
  }
}

export class RtpEndpoint {
  readonly rx: ReceivedLog = { at: [], seq: [], ts: [], voiced: [], payloadType: [] };
  /** Send time of every packet, and whether it carried speech. */
  readonly txAt: number[] = [];
  readonly txVoiced: boolean[] = [];
  lastVoicedRxAt = -Infinity;
  private seq = Math.floor(Math.random() * 0xffff);
  private ts = Math.floor(Math.random() * 0xffffffff);
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);
  private remote: { host: string; port: number } | undefined;
  private closed = false;
  private listeners = new Set<() => void>();

  constructor(
    readonly socket: Socket,
    private readonly recordVoiced = true,
  ) {
    socket.on('message', (buf) => this.onPacket(buf));
    socket.on('error', () => undefined);
    socket.setRecvBufferSize(512 * 1024);
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  /** Connects the socket to the far end (symmetric RTP): no per-packet address lookup, and strays are dropped. */
  setRemote(host: string, port: number): Promise<void> {
    return new Promise((resolve) =>
      this.socket.connect(port, host, () => {
        this.remote = { host, port };
        resolve();
      }),
    );
  }

  /** Called on every received packet (the script re-checks its waits). */
  onActivity(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  send(payload: Uint8Array, voiced: boolean, at: number): void {
    if (!this.remote || this.closed) return;
    const first = this.txAt.length === 0;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 160) >>> 0;
    const packet = encodeRtp({
      payloadType: 0,
      marker: first,
      seq: this.seq,
      timestamp: this.ts,
      ssrc: this.ssrc,
      payload,
    });
    this.socket.send(packet);
    this.txAt.push(at);
    this.txVoiced.push(voiced);
  }

  private onPacket(buf: Buffer): void {
    const at = performance.now();
    const p = decodeRtp(buf);
    if (!p) return;
    const voiced = this.recordVoiced && p.payloadType === 0 && isVoiced(p.payload);
    this.rx.at.push(at);
    this.rx.seq.push(p.seq);
    this.rx.ts.push(p.timestamp);
    this.rx.voiced.push(voiced);
    this.rx.payloadType.push(p.payloadType);
    if (voiced) this.lastVoicedRxAt = at;
    for (const fn of this.listeners) fn();
  }

  /** First voiced packet received strictly after `t`, or undefined. */
  firstVoicedAfter(t: number): number | undefined {
    const { at, voiced } = this.rx;
    let found: number | undefined;
    for (let i = at.length - 1; i >= 0 && at[i]! > t; i--) if (voiced[i]) found = at[i];
    return found;
  }

  /** Last voiced packet received in (from, to], or undefined. */
  lastVoicedBetween(from: number, to: number): number | undefined {
    const { at, voiced } = this.rx;
    for (let i = at.length - 1; i >= 0 && at[i]! > from; i--) if (voiced[i] && at[i]! <= to) return at[i];
    return undefined;
  }

  report(): MediaReport {
    // Audio packets only (telephone-event and comfort noise run on their own timelines).
    const samples: ArrivalSample[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.rx.at.length; i++) {
      seqs.push(this.rx.seq[i]!);
      if (this.rx.payloadType[i] === 0)
        samples.push({ at: this.rx.at[i]!, rtpTs: this.rx.ts[i]!, seq: this.rx.seq[i]! });
    }
    return {
      packetsSent: this.txAt.length,
      packetsReceived: this.rx.at.length,
      loss: sequenceLoss(seqs),
      jitterMs: rfc3550Jitter(samples, 8000),
      pacingErrorsMs: pacingErrors(samples, 20),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.socket.close();
  }
}
