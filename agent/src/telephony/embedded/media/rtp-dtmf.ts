/**
 * RFC 4733 telephone-events: payload codec, a receiver that turns (retransmitted) event packets into
 * one digit each, and the packet plan for sending a digit. Pure.
 */

export interface DtmfEventPayload {
  event: number;
  end: boolean;
  volume: number;
  /** In RTP timestamp units (8 kHz → 1/8 ms). */
  duration: number;
}

const DIGITS = '0123456789*#ABCD';

export function digitToEvent(digit: string): number | undefined {
  const i = DIGITS.indexOf(digit.toUpperCase());
  return i < 0 ? undefined : i;
}

export function eventToDigit(event: number): string | undefined {
  return DIGITS[event];
}

export function parseDtmfPayload(p: Uint8Array): DtmfEventPayload | undefined {
  if (p.length < 4) return undefined;
  return { event: p[0]!, end: (p[1]! & 0x80) !== 0, volume: p[1]! & 0x3f, duration: (p[2]! << 8) | p[3]! };
}

export function encodeDtmfPayload(e: DtmfEventPayload): Uint8Array {
  const d = Math.min(0xffff, e.duration);
  return Uint8Array.of(e.event, (e.end ? 0x80 : 0) | (e.volume & 0x3f), d >> 8, d & 0xff);
}

export interface DigitEvent {
  digit: string;
  durationMs: number;
}

/**
 * One event = one RTP timestamp. The digit is reported once, at the first end packet (the other two
 * end packets are retransmissions) — or, when every end packet was lost, when the next event starts.
 */
export class DtmfReceiver {
  private current: { timestamp: number; event: number; duration: number } | undefined;
  private readonly finished = new Set<number>();

  constructor(private readonly clockRate = 8000) {}

  /** Feed one telephone-event packet; returns a digit when one completes. */
  receive(timestamp: number, payload: Uint8Array): DigitEvent[] {
    const e = parseDtmfPayload(payload);
    if (!e || e.event > 15 || this.finished.has(timestamp)) return [];
    const out: DigitEvent[] = [];
    if (this.current && this.current.timestamp !== timestamp) {
      // The previous event never got an end packet: report it now, with what we saw.
      out.push(...this.finish());
    }
    if (!this.current) this.current = { timestamp, event: e.event, duration: e.duration };
    this.current.duration = Math.max(this.current.duration, e.duration);
    if (e.end) out.push(...this.finish());
    return out;
  }

  private finish(): DigitEvent[] {
    const c = this.current;
    this.current = undefined;
    if (!c) return [];
    this.finished.add(c.timestamp);
    if (this.finished.size > 32) this.finished.delete(this.finished.values().next().value!);
    const digit = eventToDigit(c.event);
    return digit ? [{ digit, durationMs: Math.round((c.duration * 1000) / this.clockRate) }] : [];
  }
}

export interface DtmfSendOptions {
  /** Tone length, ms (default 100). */
  toneMs?: number;
  /** Silence after each digit before the next one starts, ms (default 60). */
  gapMs?: number;
  /** Volume, dBm0 below 0 (default 10). */
  volume?: number;
}

/** What the pacer sends on one 20 ms tick while a digit plays. */
export type DtmfTick =
  | { kind: 'event'; event: number; start: boolean; packets: { payload: Uint8Array; marker: boolean }[] }
  | { kind: 'gap' };

/**
 * Per-tick plan for a string of digits: 20 ms event packets with growing duration (marker on the
 * first), three end packets with the final duration, then a gap of normal audio.
 */
export function planDtmf(digits: string, frameSamples: number, opts: DtmfSendOptions = {}): DtmfTick[] {
  const toneTicks = Math.max(2, Math.round((opts.toneMs ?? 100) / 20));
  const gapTicks = Math.max(1, Math.round((opts.gapMs ?? 60) / 20));
  const volume = opts.volume ?? 10;
  const plan: DtmfTick[] = [];
  for (const ch of digits) {
    const event = digitToEvent(ch);
    if (event === undefined) continue;
    for (let t = 1; t <= toneTicks; t++) {
      const end = t === toneTicks;
      const payload = encodeDtmfPayload({ event, end, volume, duration: t * frameSamples });
      const copies = end ? 3 : 1;
      const packets = Array.from({ length: copies }, () => ({ payload, marker: t === 1 }));
      plan.push({ kind: 'event', event, start: t === 1, packets });
    }
    for (let g = 0; g < gapTicks; g++) plan.push({ kind: 'gap' });
  }
  return plan;
}
