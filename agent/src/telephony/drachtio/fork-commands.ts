/**
 * What the drachtio app asks FreeSWITCH to do, as pure functions: the uuid_audio_fork start options
 * (research §1.2, §8), the call metadata, and the api argument strings for uuid_setvar / uuid_send_dtmf.
 */
import type { ForkStartOptions } from './types.js';

/** One bug name for every call; stop and send_text always name it (§8: without it, stop fails). */
export const BUGNAME = 'switchboard';
/** ~800 characters crashed FreeSWITCH (§8); we refuse anything near it. */
export const MAX_FORK_URL_LENGTH = 256;
/** mod_audio_fork's metadata buffer (MAX_METADATA_LEN). */
export const MAX_METADATA_BYTES = 8192;

export const FORK_EVENTS = {
  connect: 'mod_audio_fork::connect',
  connectFailed: 'mod_audio_fork::connect_failed',
  disconnect: 'mod_audio_fork::disconnect',
  transfer: 'mod_audio_fork::transfer',
  json: 'mod_audio_fork::json',
} as const;

export class ForkCommandError extends Error {
  constructor(
    readonly code: 'FORK_URL_TOO_LONG' | 'FORK_URL_INVALID' | 'METADATA_TOO_LARGE' | 'BAD_VARIABLE',
    message: string,
  ) {
    super(message);
    this.name = 'ForkCommandError';
  }
}

export interface CallCodec {
  codec: string;
  /** Rate of the codec on the wire (G.722 counts as 16000 despite its 8000 rtpmap). */
  rate: number;
}

/** The codec FreeSWITCH answered with: the first payload type on the m=audio line. */
export function negotiatedCodec(sdp: string | undefined): CallCodec {
  const m = sdp ? /^m=audio\s+\d+\s+\S+\s+(\d+)/m.exec(sdp) : null;
  const pt = m?.[1];
  if (pt === '0') return { codec: 'PCMU', rate: 8000 };
  if (pt === '8') return { codec: 'PCMA', rate: 8000 };
  if (pt === '9') return { codec: 'G722', rate: 16000 };
  const map = pt && sdp ? new RegExp(`^a=rtpmap:${pt}\\s+([^/\\s]+)/(\\d+)`, 'm').exec(sdp) : null;
  if (map) {
    const name = map[1]!.toUpperCase();
    return { codec: name, rate: name === 'G722' ? 16000 : Number(map[2]) };
  }
  return { codec: 'PCMU', rate: 8000 };
}

/**
 * Capture and playback rates for a codec. Narrowband calls stay at 8000 both ways so playout marks
 * survive (§8: resampling destroys the in-band sentinels); wideband calls (G.722, Opus) use 16000.
 */
export function forkRates(codec: CallCodec): { sampleRate: 8000 | 16000; playbackSampleRate: 8000 | 16000 } {
  return codec.rate <= 8000
    ? { sampleRate: 8000, playbackSampleRate: 8000 }
    : { sampleRate: 16000, playbackSampleRate: 16000 };
}

export function checkForkUrl(url: string): string {
  if (url.length > MAX_FORK_URL_LENGTH) {
    throw new ForkCommandError(
      'FORK_URL_TOO_LONG',
      `fork URL is ${url.length} characters; keep it under ${MAX_FORK_URL_LENGTH}`,
    );
  }
  if (!/^wss?:\/\/[^\s|'"^]+$/.test(url)) {
    throw new ForkCommandError(
      'FORK_URL_INVALID',
      'fork URL must be ws:// or wss:// with no spaces, quotes, | or ^',
    );
  }
  return url;
}

/**
 * JSON that survives FreeSWITCH's argument tokenizer: fsmrf wraps it in single quotes and joins fields
 * with '|' (`^^|` form), so both are escaped as JSON unicode escapes (still the same JSON value).
 */
export function tokenizerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/'/g, '\\u0027').replace(/\|/g, '\\u007c').replace(/\^/g, '\\u005e');
}

export interface ForkMetadataInput {
  callId: string;
  from: string;
  to: string;
  profile: string;
  codec: CallCodec;
}

export function buildForkStart(wsUrl: string, m: ForkMetadataInput): ForkStartOptions {
  const { sampleRate, playbackSampleRate } = forkRates(m.codec);
  const metadata = tokenizerSafeJson({
    callId: m.callId,
    from: m.from,
    to: m.to,
    profile: m.profile,
    sampleRate,
    playbackSampleRate,
    codec: m.codec.codec,
    source: 'drachtio',
  });
  if (Buffer.byteLength(metadata) > MAX_METADATA_BYTES - 16) {
    throw new ForkCommandError('METADATA_TOO_LARGE', `fork metadata is ${Buffer.byteLength(metadata)} bytes`);
  }
  return {
    wsUrl: checkForkUrl(wsUrl),
    mixType: 'mono',
    sampling: sampleRate === 8000 ? '8000' : '16000',
    bugname: BUGNAME,
    metadata,
    bidirectionalAudio: { enabled: true, streaming: true, sampleRate: playbackSampleRate },
  };
}

/** `uuid_setvar <uuid> <name> <value>` arguments; values with whitespace would be cut by the parser. */
export function setVarArgs(uuid: string, name: string, value: string): string {
  if (!/^\S+$/.test(value))
    throw new ForkCommandError('BAD_VARIABLE', `${name}: value must be non-empty without spaces`);
  return `${uuid} ${name} ${value}`;
}

export function basicAuthVarArgs(uuid: string, username: string, password: string): [string, string] {
  return [
    setVarArgs(uuid, 'MOD_AUDIO_BASIC_AUTH_USERNAME', username),
    setVarArgs(uuid, 'MOD_AUDIO_BASIC_AUTH_PASSWORD', password),
  ];
}

/** `uuid_send_dtmf <uuid> <digits>` arguments (digits validated by the caller). */
export function sendDtmfArgs(uuid: string, digits: string): string {
  return `${uuid} ${digits}`;
}

/** FreeSWITCH reports DTMF-Duration in 8 kHz timestamp units; the agent wants milliseconds. */
export function dtmfDurationMs(duration: string | undefined): number | undefined {
  if (duration === undefined || !/^\d+$/.test(duration)) return undefined;
  return Math.round(Number(duration) / 8);
}

/** Tone played before hanging up when the agent cannot be reached (mod_tone_stream, no sound files). */
export const APOLOGY_TONE = 'tone_stream://%(300,200,480,620);loops=3';
