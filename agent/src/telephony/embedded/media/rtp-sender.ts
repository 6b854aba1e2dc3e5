/**
 * Outbound RTP packetiser, one call. Driven once per 20 ms tick: sequence numbers increase by one
 * per packet sent, the timestamp comes from the tick number (so it stays continuous across silence
 * and loop stalls), the SSRC is fixed, the marker is set at the start of each talkspurt, and RFC 4733
 * digits replace audio while they play. A negotiated ptime other than 20 ms re-chunks the ticks'
 * audio: 10 ms sends two packets a tick, 30 ms one every 1.5 ticks, 40/60 ms one every 2/3 ticks.
 * Pure apart from the random initial values.
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
  /** Packet time, a multiple of 10 ms up to 60 (default 20). */
  ptimeMs?: number;
}

/** Largest packet (60 ms) plus one tick's frame. */
const MAX_PENDING = 480 + FRAME_SAMPLES;

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
  /** Samples per packet (ptime × 8). */
  private packetSamples = FRAME_SAMPLES;
  /** Encoded audio waiting to fill a packet (ptime ≠ 20 ms), its first timestamp, and a marker it owes. */
  private readonly pending = new Uint8Array(MAX_PENDING);
  private pendingLength = 0;
  private pendingTimestamp = 0;
  private pendingMarker = false;
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
    this.packetSamples = samplesFor(opts.ptimeMs);
  }

  /** Codec or payload types changed (re-INVITE); sequence, timestamp and SSRC carry on. */
  setFormat(format: RtpFormat): void {
    if (format.codec !== this.format.codec) this.silence.fill(g711Silence(format.codec));
    this.format = { ...format };
    this.talking = false;
    this.packetSamples = samplesFor(format.ptimeMs);
    this.pendingLength = 0; // at most one packet of the old format: dropped, not sent in the new one
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
      const out = this.flushPending();
      for (const p of step.packets)
        out.push(this.packet(this.format.dtmfPayloadType, this.dtmfTimestamp, p.marker, p.payload));
      return out;
    }
    const marker = pcm !== undefined && !this.talking;
    this.talking = pcm !== undefined;
    const payload = pcm ? encodeG711(this.format.codec, pcm) : this.silence;
    if (this.packetSamples === FRAME_SAMPLES && this.pendingLength === 0)
      return [this.packet(this.format.payloadType, timestamp, marker || this.packets === 0, payload)];
    return this.rechunk(timestamp, payload, marker);
  }

  /** ptime ≠ 20 ms: add this tick's audio to what waits, and send every full packet. */
  private rechunk(timestamp: number, payload: Uint8Array, marker: boolean): Buffer[] {
    // A skipped tick (loop stall) breaks the run: what waits goes out short rather than mistimed.
    const out =
      this.pendingLength > 0 && (this.pendingTimestamp + this.pendingLength) >>> 0 !== timestamp
        ? this.flushPending()
        : [];
    if (this.pendingLength === 0) this.pendingTimestamp = timestamp;
    this.pending.set(payload, this.pendingLength);
    this.pendingLength += payload.length;
    this.pendingMarker ||= marker;
    const size = this.packetSamples;
    while (this.pendingLength >= size) {
      const first = this.pendingMarker || this.packets === 0;
      out.push(
        this.packet(this.format.payloadType, this.pendingTimestamp, first, this.pending.subarray(0, size)),
      );
      this.pending.copyWithin(0, size, this.pendingLength);
      this.pendingLength -= size;
      this.pendingTimestamp = (this.pendingTimestamp + size) >>> 0;
      this.pendingMarker = false;
    }
    return out;
  }

  /** Send what waits as a short packet (before a digit, or across a gap). */
  private flushPending(): Buffer[] {
    if (this.pendingLength === 0) return [];
    const first = this.pendingMarker || this.packets === 0;
    const pkt = this.packet(
      this.format.payloadType,
      this.pendingTimestamp,
      first,
      this.pending.subarray(0, this.pendingLength),
    );
    this.pendingLength = 0;
    this.pendingMarker = false;
    return [pkt];
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

function samplesFor(ptimeMs: number | undefined): number {
  return ((ptimeMs ?? 20) * FRAME_SAMPLES) / 20;
}
