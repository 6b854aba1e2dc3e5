/**
 * Outbound RTP packetiser, one call. Driven once per 20 ms tick: sequence numbers increase by one
 * per packet sent, the timestamp comes from the tick number (so it stays continuous across silence
 * and loop stalls), the SSRC is fixed, the marker is set at the start of each talkspurt, and RFC 4733
 * digits replace audio while they play. Pure apart from the random initial values.
 */
import { randomInt } from 'node:crypto';
import { encodeG711, g711Silence } from '../../../audio/g711.js';
import type { Pcm16 } from '../../../audio/pcm.js';
import type { G711 } from '../media-types.js';
import { planDtmf, type DtmfSendOptions, type DtmfTick } from './rtp-dtmf.js';
import { serializeRtp } from './rtp-packet.js';

export const FRAME_SAMPLES = 160;

export interface RtpFormat {
  codec: G711;
  payloadType: number;
  dtmfPayloadType?: number;
}

export interface RtpSenderOptions extends RtpFormat {
  ssrc?: number;
  initialSequence?: number;
  initialTimestamp?: number;
}

export class RtpSender {
  readonly ssrc: number;
  private sequence: number;
  private readonly initialTimestamp: number;
  private firstTick: number | undefined;
  private format: RtpFormat;
  private talking = false;
  private dtmfPlan: DtmfTick[] = [];
  private dtmfTimestamp = 0;
  private readonly silence: Uint8Array;
  packets = 0;
  bytes = 0;
  /** RTP timestamp of the last tick (RTCP sender reports extrapolate from it). */
  lastTimestamp = 0;

  constructor(opts: RtpSenderOptions) {
    this.ssrc = opts.ssrc ?? randomInt(1, 0xffffffff);
    this.sequence = opts.initialSequence ?? randomInt(0, 0x8000);
    this.initialTimestamp = opts.initialTimestamp ?? randomInt(0, 0x7fffffff);
    this.format = { codec: opts.codec, payloadType: opts.payloadType, dtmfPayloadType: opts.dtmfPayloadType };
    this.silence = new Uint8Array(FRAME_SAMPLES);
    this.silence.fill(g711Silence(opts.codec));
  }

  /** Codec or payload types changed (re-INVITE); sequence, timestamp and SSRC carry on. */
  setFormat(format: RtpFormat): void {
    if (format.codec !== this.format.codec) this.silence.fill(g711Silence(format.codec));
    this.format = { ...format };
    this.talking = false;
  }

  /** Queue RFC 4733 digits; false when the peer did not negotiate telephone-event. */
  queueDtmf(digits: string, opts?: DtmfSendOptions): boolean {
    if (this.format.dtmfPayloadType === undefined) return false;
    this.dtmfPlan.push(...planDtmf(digits, FRAME_SAMPLES, opts));
    return true;
  }

  /** True when this tick carries audio (no digit playing); the caller pulls agent audio only then. */
  wantsAudio(): boolean {
    return this.dtmfPlan[0]?.kind !== 'event';
  }

  timestampFor(tick: number): number {
    this.firstTick ??= tick;
    return (this.initialTimestamp + (tick - this.firstTick) * FRAME_SAMPLES) >>> 0;
  }

  /** Packets for this tick. `pcm` is 160 samples of agent audio, or undefined for silence. */
  tick(tick: number, pcm: Pcm16 | undefined): Buffer[] {
    const timestamp = this.timestampFor(tick);
    this.lastTimestamp = timestamp;
    const step = this.dtmfPlan.shift();
    if (step?.kind === 'event' && this.format.dtmfPayloadType !== undefined) {
      if (step.start) this.dtmfTimestamp = timestamp;
      this.talking = false;
      return step.packets.map((p) =>
        this.packet(this.format.dtmfPayloadType!, this.dtmfTimestamp, p.marker, p.payload),
      );
    }
    const marker = pcm !== undefined && !this.talking;
    this.talking = pcm !== undefined;
    const payload = pcm ? encodeG711(this.format.codec, pcm) : this.silence;
    return [this.packet(this.format.payloadType, timestamp, marker || this.packets === 0, payload)];
  }

  private packet(pt: number, timestamp: number, marker: boolean, payload: Uint8Array): Buffer {
    const buf = serializeRtp(
      { payloadType: pt, sequence: this.sequence, timestamp, ssrc: this.ssrc, marker },
      payload,
    );
    this.sequence = (this.sequence + 1) & 0xffff;
    this.packets++;
    this.bytes += payload.length;
    return buf;
  }
}
