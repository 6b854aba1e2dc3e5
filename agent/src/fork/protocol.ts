/**
 * The mod_audio_fork wire protocol as pure encode/decode: no sockets here.
 * Facts: ../../../../shared/research/drachtio-freeswitch.md §1 and §8.
 *
 * Telephony → agent: first a JSON text frame of call metadata; then binary frames of raw
 * 16-bit little-endian mono PCM (any size, normally 20 ms); a zero-length binary frame asks for a
 * graceful shutdown; JSON text frames carry mark playout events, DTMF, hangup and transfer outcomes.
 * Agent → telephony: binary PCM at the playback rate, and JSON commands (killAudio, mark, clearMarks,
 * transfer, disconnect, json).
 */

import type { CallMetadata } from '../conversation/call-channel.js';

export const FORK_SUBPROTOCOLS = ['audio.drachtio.org', 'audio.jambonz.org'] as const;

/** Largest frame we accept: one second of 16 kHz mono audio, far above the 640 B a 20 ms frame needs. */
export const MAX_FRAME_BYTES = 32_000;

export const SUPPORTED_CAPTURE_RATES = [8000, 16000] as const;
export const SUPPORTED_PLAYBACK_RATES = [8000, 16000, 24000] as const;

/** WebSocket close codes used when the telephony side breaks the protocol. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
} as const;

export type InboundMessage =
  | { type: 'mark'; name: string; event: 'playout' | 'cleared' }
  | { type: 'dtmf'; digit: string; durationMs?: number }
  | { type: 'hangup'; reason?: string }
  | { type: 'transferResult'; ok: boolean; status: number; reason?: string };

export type OutboundCommand =
  | { type: 'killAudio' }
  | { type: 'mark'; name: string }
  | { type: 'clearMarks' }
  | { type: 'transfer'; target: string; referredBy?: string }
  | { type: 'disconnect'; reason?: string }
  | { type: 'json'; data: Record<string, unknown> };

export class ForkProtocolError extends Error {
  constructor(
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ForkProtocolError';
  }
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ForkProtocolError(CloseCode.invalidPayload, 'text frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ForkProtocolError(CloseCode.invalidPayload, 'text frame is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** What every CallMetadata must hold, sent as JSON or handed over in-process. Throws ForkProtocolError. */
export function checkMetadata(m: Pick<CallMetadata, 'callId' | 'sampleRate' | 'playbackSampleRate'>): void {
  if (!m.callId) throw new ForkProtocolError(CloseCode.policyViolation, 'metadata: callId is required');
  if (m.sampleRate !== 8000 && m.sampleRate !== 16000) {
    throw new ForkProtocolError(
      CloseCode.policyViolation,
      `metadata: sampleRate ${String(m.sampleRate)} is not 8000 or 16000`,
    );
  }
  if (!(SUPPORTED_PLAYBACK_RATES as readonly number[]).includes(m.playbackSampleRate)) {
    throw new ForkProtocolError(
      CloseCode.policyViolation,
      `metadata: playbackSampleRate ${m.playbackSampleRate} is not one of ${SUPPORTED_PLAYBACK_RATES.join(', ')}`,
    );
  }
}

/**
 * Decode the first text frame. Accepts our own field names and the ones jambonz and
 * FreeSWITCH apps commonly send (callSid, uuid, sample_rate).
 */
export function decodeMetadata(text: string): CallMetadata {
  const obj = parseJsonObject(text);
  const callId = str(obj.callId) ?? str(obj.callSid) ?? str(obj.call_id) ?? str(obj.uuid) ?? '';
  const rate = (num(obj.sampleRate) ?? num(obj.sample_rate) ?? 8000) as CallMetadata['sampleRate'];
  const playback = num(obj.playbackSampleRate) ?? rate;
  checkMetadata({ callId, sampleRate: rate, playbackSampleRate: playback });
  const known = new Set([
    'callId',
    'callSid',
    'call_id',
    'uuid',
    'sampleRate',
    'sample_rate',
    'playbackSampleRate',
    'from',
    'to',
    'profile',
    'codec',
    'source',
  ]);
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!known.has(k)) extra[k] = v;
  const meta: CallMetadata = {
    callId,
    from: str(obj.from) ?? '',
    to: str(obj.to) ?? '',
    sampleRate: rate,
    playbackSampleRate: playback,
    extra,
  };
  const profile = str(obj.profile);
  if (profile) meta.profile = profile;
  const codec = str(obj.codec);
  if (codec) meta.codec = codec;
  const source = str(obj.source);
  if (source) meta.source = source;
  return meta;
}

export function encodeMetadata(
  meta: Omit<CallMetadata, 'extra'> & { extra?: Record<string, unknown> },
): string {
  const { extra, ...rest } = meta;
  return JSON.stringify({ ...extra, ...rest });
}

/** Decode a text frame that follows the metadata. */
export function decodeInbound(text: string): InboundMessage {
  const obj = parseJsonObject(text);
  const type = obj.type;
  const data = (typeof obj.data === 'object' && obj.data !== null ? obj.data : {}) as Record<string, unknown>;
  switch (type) {
    case 'mark': {
      const name = str(data.name);
      const event = data.event;
      if (!name || (event !== 'playout' && event !== 'cleared')) {
        throw new ForkProtocolError(
          CloseCode.invalidPayload,
          'mark: needs data.name and data.event playout|cleared',
        );
      }
      return { type, name, event };
    }
    case 'dtmf': {
      const digit = str(data.digit);
      if (!digit || !/^[0-9A-D*#]$/i.test(digit)) {
        throw new ForkProtocolError(CloseCode.invalidPayload, 'dtmf: data.digit must be one of 0-9 * # A-D');
      }
      const msg: InboundMessage = { type, digit: digit.toUpperCase() };
      const d = num(data.duration) ?? num(data.durationMs);
      if (d !== undefined) msg.durationMs = d;
      return msg;
    }
    case 'hangup': {
      const reason = str(data.reason);
      return reason ? { type, reason } : { type };
    }
    case 'transferResult': {
      const status = num(data.status);
      if (status === undefined)
        throw new ForkProtocolError(CloseCode.invalidPayload, 'transferResult: data.status');
      const msg: InboundMessage = { type, ok: status >= 200 && status < 300, status };
      const reason = str(data.reason);
      if (reason) msg.reason = reason;
      return msg;
    }
    default:
      throw new ForkProtocolError(
        CloseCode.policyViolation,
        `unknown message type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : type)}`,
      );
  }
}

export function encodeInbound(msg: InboundMessage): string {
  const { type, ...data } = msg;
  return JSON.stringify({ type, data });
}

/** Encode an agent → telephony command as the module expects it: {"type", "data"}. */
export function encodeCommand(cmd: OutboundCommand): string {
  switch (cmd.type) {
    case 'killAudio':
    case 'clearMarks':
      return JSON.stringify({ type: cmd.type });
    case 'mark':
      return JSON.stringify({ type: 'mark', data: { name: cmd.name } });
    case 'transfer': {
      const data: Record<string, unknown> = { target: cmd.target };
      if (cmd.referredBy) data.referredBy = cmd.referredBy;
      return JSON.stringify({ type: 'transfer', data });
    }
    case 'disconnect':
      return JSON.stringify({ type: 'disconnect', data: cmd.reason ? { reason: cmd.reason } : {} });
    case 'json':
      return JSON.stringify({ type: 'json', data: cmd.data });
  }
}

/** Decode a command the agent sent; used by the media side (embedded gateway, test fork client). */
export function decodeCommand(text: string): OutboundCommand {
  const obj = parseJsonObject(text);
  const data = (typeof obj.data === 'object' && obj.data !== null ? obj.data : {}) as Record<string, unknown>;
  switch (obj.type) {
    case 'killAudio':
    case 'clearMarks':
      return { type: obj.type };
    case 'mark': {
      const name = str(data.name);
      if (!name) throw new ForkProtocolError(CloseCode.invalidPayload, 'mark: data.name required');
      return { type: 'mark', name };
    }
    case 'transfer': {
      const target = str(data.target);
      if (!target) throw new ForkProtocolError(CloseCode.invalidPayload, 'transfer: data.target required');
      const cmd: OutboundCommand = { type: 'transfer', target };
      const referredBy = str(data.referredBy);
      if (referredBy) cmd.referredBy = referredBy;
      return cmd;
    }
    case 'disconnect': {
      const reason = str(data.reason);
      return reason ? { type: 'disconnect', reason } : { type: 'disconnect' };
    }
    case 'json':
      return { type: 'json', data };
    default:
      throw new ForkProtocolError(CloseCode.policyViolation, 'unknown command type');
  }
}

export type AudioFrameCheck = { kind: 'audio' } | { kind: 'shutdown' };

/** Validate a binary frame from the telephony side. */
export function checkAudioFrame(bytes: Uint8Array): AudioFrameCheck {
  if (bytes.byteLength === 0) return { kind: 'shutdown' };
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    throw new ForkProtocolError(
      CloseCode.tooBig,
      `audio frame of ${bytes.byteLength} bytes exceeds ${MAX_FRAME_BYTES}`,
    );
  }
  if (bytes.byteLength % 2 !== 0) {
    throw new ForkProtocolError(
      CloseCode.invalidPayload,
      `audio frame has an odd byte count (${bytes.byteLength})`,
    );
  }
  return { kind: 'audio' };
}

/**
 * Prepare agent audio for the wire. mod_audio_fork carries playout marks as in-band -1 samples
 * (§8): every -1 in real speech would pop a mark early, so -1 becomes 0 (inaudible). Copies.
 */
export function encodeAudioOut(pcm: Int16Array): Buffer {
  // A typed-array copy, not per-sample Buffer writes: this runs for every chunk of agent audio.
  // Int16Array is host order; Node runs on little-endian hosts (x64, arm64), as the wire wants.
  const out = Int16Array.from(pcm);
  for (let i = 0; i < out.length; i++) if (out[i] === -1) out[i] = 0;
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
